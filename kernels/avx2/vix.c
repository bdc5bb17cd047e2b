/* avx2/vix.c: the avx2 instance of kernels/src/vix.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX2 1
#include "../src/vix.inc"
