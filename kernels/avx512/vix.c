/* avx512/vix.c: the avx512 instance of kernels/src/vix.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX512 1
#include "../src/vix.inc"
