/* avx512/rng.c: the avx512 instance of kernels/src/rng.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX512 1
#include "../src/rng.inc"
