/* avx2/vixtab.c: the avx2 instance of kernels/src/vixtab.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX2 1
#include "../src/vixtab.inc"
