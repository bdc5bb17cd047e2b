/* avx512/heston.c: the avx512 instance of kernels/src/heston.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX512 1
#include "../src/heston.inc"
