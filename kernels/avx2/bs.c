/* avx2/bs.c: the avx2 instance of kernels/src/bs.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX2 1
#include "../src/bs.inc"
