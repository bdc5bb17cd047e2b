/* avx512/bs.c: the avx512 instance of kernels/src/bs.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX512 1
#include "../src/bs.inc"
