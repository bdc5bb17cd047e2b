/* rng_ref.c: scalar reference for the uniform and normal kernels (the specification the SIMD
 * versions are tested against). Box-Muller with SLEEF's scalar log (u10) and sincos (u35), the
 * same accuracy classes the vector versions use. */
#include <math.h>
#include <sleef.h>

#include "vixrisk/vk.h"

static inline uint32_t next32(uint64_t *state, uint64_t inc)
{
    vk_pcg32 r = {*state, inc};
    const uint32_t x = vk_pcg32_next(&r);
    *state = r.state;
    return x;
}

static inline double next_u01(uint64_t *state, uint64_t inc)
{
    const uint32_t hi = next32(state, inc);
    const uint32_t lo = next32(state, inc);
    return vk_u01_from_u32(hi, lo);
}

void vk_uniform_d_ref(uint64_t *restrict state, const uint64_t *restrict inc, double *restrict u,
                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        u[i] = next_u01(&state[i], inc[i]);
}

void vk_normal2_d_ref(uint64_t *restrict state, const uint64_t *restrict inc, double *restrict z1,
                      double *restrict z2, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double u1 = next_u01(&state[i], inc[i]);
        const double u2 = next_u01(&state[i], inc[i]);
        const double r = sqrt(-2.0 * Sleef_logd1_u10purec(u1));
        const Sleef_double_2 sc = Sleef_sincosd1_u35purec(VK_TWO_PI * u2);
        z1[i] = r * sc.y;
        z2[i] = r * sc.x;
    }
}

/* The specification of normal2_fast is normal2's: the vector variants differ only in the log's
 * accuracy (SLEEF u35 instead of u10, vk.h "fast_log"), so the reference is the same function. */
void vk_normal2_fast_d_ref(uint64_t *restrict state, const uint64_t *restrict inc,
                           double *restrict z1, double *restrict z2, size_t n)
{
    vk_normal2_d_ref(state, inc, z1, z2, n);
}
