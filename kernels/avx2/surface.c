/* avx2/surface.c: the avx2 instance of kernels/src/surface.inc (compiled with this ISA's flags only). */
#define VK_ISA_AVX2 1
#include "../src/surface.inc"
