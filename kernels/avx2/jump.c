/* avx2/jump.c: the avx2 instance of kernels/src/jump.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX2 1
#include "../src/jump.inc"
