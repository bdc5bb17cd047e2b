/* avx512/surface.c: the avx512 instance of kernels/src/surface.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX512 1
#include "../src/surface.inc"
