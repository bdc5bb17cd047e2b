/* avx512/svcj2.c: the avx512 instance of kernels/src/svcj2.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX512 1
#include "../src/svcj2.inc"
