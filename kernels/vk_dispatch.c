/* vk_dispatch.c: builds the kernel tables and picks one from the CPU's features.
 *
 * A table is usable when the CPU reports the instruction set and the OS saves the wide
 * registers on context switch (XCR0 bits, read with xgetbv): AVX2 needs AVX+AVX2+FMA and the
 * YMM state; AVX-512 additionally needs F, DQ (64-bit multiply and conversions) and VL and the
 * opmask/ZMM state. This file is compiled without vector flags, so it runs on any x86-64. */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "vixrisk/vk.h"
#include "vk_ref.h"

#define DECLARE_ISA(sfx)                                                                        \
    void vk_uniform_d_##sfx(uint64_t *restrict, const uint64_t *restrict, double *restrict,     \
                            size_t);                                                            \
    void vk_normal2_d_##sfx(uint64_t *restrict, const uint64_t *restrict, double *restrict,     \
                            double *restrict, size_t);                                          \
    void vk_heston_qe_d_##sfx(const vk_heston_coef *, const double *restrict,                   \
                              const double *restrict, const double *restrict, double *restrict, \
                              double *restrict, size_t);                                        \
    void vk_heston_euler_d_##sfx(const vk_heston_coef *, const double *restrict,                \
                                 const double *restrict, double *restrict, double *restrict,    \
                                 size_t);                                                       \
    void vk_jump_d_##sfx(const vk_jump_coef *, uint64_t *restrict, const uint64_t *restrict,    \
                         const double *restrict, double *restrict, double *restrict, size_t);   \
    void vk_vix_d_##sfx(double, double, const double *restrict, double *restrict, size_t);

DECLARE_ISA(avx2)
DECLARE_ISA(avx512)

#define TABLE(name, sfx, w)                                                                     \
    {name, w, vk_uniform_d_##sfx, vk_normal2_d_##sfx, vk_heston_qe_d_##sfx,                     \
     vk_heston_euler_d_##sfx, vk_jump_d_##sfx, vk_vix_d_##sfx, vk_ncdf_d_##sfx, vk_black_d_##sfx, \
     vk_black_greeks_d_##sfx, vk_surface_vol_d_##sfx, vk_vix_call_d_##sfx}

const vk_table vk_table_ref = TABLE("scalar", ref, 1);
static const vk_table table_avx2 = TABLE("avx2", avx2, 4);
static const vk_table table_avx512 = TABLE("avx512", avx512, 8);

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* 0 = scalar only, 1 = AVX2, 2 = AVX-512. */
static int cpu_level(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma)
        return 0;
    const uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) /* SSE and YMM state */
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    const int avx2 = (b >> 5) & 1;
    if (!avx2)
        return 0;
    const int f = (b >> 16) & 1, dq = (b >> 17) & 1, vl = (b >> 31) & 1;
    if (f && dq && vl && (xcr0 & 0xe0) == 0xe0) /* opmask, ZMM_Hi256, Hi16_ZMM state */
        return 2;
    return 1;
}

const vk_table *vk_select(const char *force)
{
    const int level = cpu_level();
    if (force == NULL || force[0] == '\0')
        return level == 2 ? &table_avx512 : level == 1 ? &table_avx2 : &vk_table_ref;
    if (strcmp(force, "scalar") == 0)
        return &vk_table_ref;
    if (strcmp(force, "avx2") == 0)
        return level >= 1 ? &table_avx2 : NULL;
    if (strcmp(force, "avx512") == 0)
        return level >= 2 ? &table_avx512 : NULL;
    return NULL;
}

int vk_available(const char **names, int max)
{
    const int level = cpu_level();
    const char *all[3] = {"scalar", "avx2", "avx512"};
    int n = 0;
    for (int i = 0; i <= level && n < max; i++)
        names[n++] = all[i];
    return n;
}
