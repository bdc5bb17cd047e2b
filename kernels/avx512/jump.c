/* avx512/jump.c: the avx512 instance of kernels/src/jump.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX512 1
#include "../src/jump.inc"
