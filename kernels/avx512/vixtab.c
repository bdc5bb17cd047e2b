/* avx512/vixtab.c: the avx512 instance of kernels/src/vixtab.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX512 1
#include "../src/vixtab.inc"
