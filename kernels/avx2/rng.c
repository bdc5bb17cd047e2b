/* avx2/rng.c: the avx2 instance of kernels/src/rng.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX2 1
#include "../src/rng.inc"
