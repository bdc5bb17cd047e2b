/* avx2/heston.c: the avx2 instance of kernels/src/heston.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX2 1
#include "../src/heston.inc"
