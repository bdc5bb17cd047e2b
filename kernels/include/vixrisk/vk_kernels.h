/* vk_kernels.h: the one list of vixrisk's dispatched kernels, and what is generated from it.
 *
 * VK_KERNELS(X) calls X(name, (parameters)) once per kernel. From it come, here, the function
 * pointer type vk_<name>_fn and the prototype of the scalar reference vk_<name>_d_ref, in vk.h
 * the slot `name` of struct vk_table, in kernels/vk_dispatch.c the reference table (designated
 * initialisers), and in each ISA header (kernels/src/vk_isa_*.h) the prototypes of that ISA's
 * variants vk_<name>_d_<isa>, so that a template whose definition drifts from the list does not
 * compile. A kernel needs a reference twin (kernels/ref/); an ISA variant is optional: an ISA's
 * table starts as a copy of the reference table and overwrites only the slots its templates
 * fill (docs/architecture.md, "Adding a kernel").
 *
 * The contracts (units, layout, limits, accuracy) are documented where the data types live:
 * vk.h (random numbers, Heston, jumps, VIX from state), vk_bs.h (normal CDF, Black-76),
 * vk_surface.h (implied-volatility surface) and vk_vixtab.h (VIX option table). Common to all:
 * arrays are structure-of-arrays, 64-byte aligned, n a multiple of VK_LANES_MAX, no overlap
 * between inputs and outputs; kernels are pure (no allocation, globals or error path).
 *
 * Include vixrisk/vk.h, not this file: the list needs the coefficient and table types. */
#ifndef VIXRISK_VK_KERNELS_H
#define VIXRISK_VK_KERNELS_H

#ifndef VIXRISK_VK_H
#error "include vixrisk/vk.h, which includes vixrisk/vk_kernels.h after the types it needs"
#endif

/* clang-format off */
#define VK_KERNELS(X)                                                                              \
    /* vk.h: PCG32 uniforms and Box-Muller normals per lane */                                     \
    X(uniform, (uint64_t *restrict state, const uint64_t *restrict inc, double *restrict u,       \
                size_t n))                                                                         \
    X(normal2, (uint64_t *restrict state, const uint64_t *restrict inc, double *restrict z1,      \
                double *restrict z2, size_t n))                                                    \
    X(normal2_fast, (uint64_t *restrict state, const uint64_t *restrict inc,                     \
                     double *restrict z1, double *restrict z2, size_t n))                          \
    /* vk.h: Heston steps, compound-Poisson jumps, VIX from the variance state */                  \
    X(heston_qe, (const vk_heston_coef *c, const double *restrict zv, const double *restrict uv,  \
                  const double *restrict zs, double *restrict log_s, double *restrict var,         \
                  size_t n))                                                                       \
    X(heston_qe_fast, (const vk_heston_coef *c, const double *restrict zv,                        \
                       const double *restrict uv, const double *restrict zs,                      \
                       double *restrict log_s, double *restrict var, size_t n))                   \
    X(heston_qe_single, (const vk_heston_coef *c, uint64_t *restrict state,                      \
                         const uint64_t *restrict inc, double *restrict log_s,                    \
                         double *restrict var, size_t n))                                          \
    X(heston_qe_draw, (const vk_heston_coef *c, uint64_t *restrict state,                        \
                       const uint64_t *restrict inc, double *restrict log_s,                      \
                       double *restrict var, size_t n))                                            \
    X(heston_qe_draw_fast, (const vk_heston_coef *c, uint64_t *restrict state,                   \
                            const uint64_t *restrict inc, double *restrict log_s,                 \
                            double *restrict var, size_t n))                                       \
    X(heston_euler, (const vk_heston_coef *c, const double *restrict zs,                          \
                     const double *restrict z2, double *restrict log_s, double *restrict var,     \
                     size_t n))                                                                    \
    X(jump, (const vk_jump_coef *c, uint64_t *restrict state, const uint64_t *restrict inc,       \
             const double *restrict uc, double *restrict log_s, double *restrict var, size_t n))  \
    X(vix, (double a, double b, const double *restrict var, double *restrict out, size_t n))      \
    /* vk_bs.h: normal CDF and Black-76 */                                                         \
    X(ncdf, (const double *restrict x, double *restrict out, size_t n))                           \
    X(black, (const double *restrict fwd, const double *restrict strike,                          \
              const double *restrict vol, const double *restrict tau, const double *restrict df,  \
              const double *restrict cp, double *restrict price, double *restrict delta,          \
              size_t n))                                                                           \
    X(black_greeks, (const double *restrict fwd, const double *restrict strike,                   \
                     const double *restrict vol, const double *restrict tau,                      \
                     const double *restrict df, const double *restrict cp,                        \
                     double *restrict price, double *restrict delta, double *restrict gamma,      \
                     double *restrict vega, double *restrict theta, size_t n))                    \
    /* vk_surface.h: implied volatility from the surface table */                                  \
    X(surface_vol, (const vk_surface *s, const double *restrict var, const double *restrict tau,  \
                    const double *restrict k, double *restrict vol, size_t n))                     \
    /* the single-precision marks (vk.h, "single-precision marks"): black_greeks and surface_vol \
     * with double inputs and outputs, computed in float on twice the lanes */                   \
    X(black_greeks_sf, (const double *restrict fwd, const double *restrict strike,                \
                        const double *restrict vol, const double *restrict tau,                   \
                        const double *restrict df, const double *restrict cp,                     \
                        double *restrict price, double *restrict delta, double *restrict gamma,   \
                        double *restrict vega, double *restrict theta, size_t n))                 \
    X(surface_vol_sf, (const vk_surface *s, const double *restrict var,                           \
                       const double *restrict tau, const double *restrict k,                      \
                       double *restrict vol, size_t n))                                            \
    X(moneyness, (const double *restrict strike, const double *restrict fwd,                      \
                  const double *restrict tau, const double *restrict rt, double *restrict k,      \
                  size_t n))                                                                       \
    /* vk_vixtab.h: VIX call from the option table */                                              \
    X(vix_call, (const vk_vixtab *t, const double *restrict var, const double *restrict tau,      \
                 const double *restrict strike, double *restrict price, size_t n))                         \
    /* vk_svcj2.h: the svcj2 path step (v, m, ln S, state-dependent co-jumps) */                  \
    X(svcj2_step, (const vk_svcj2_coef *c, const double *restrict zv, const double *restrict uv,  \
                   const double *restrict zm, const double *restrict um,                          \
                   const double *restrict zs, const double *restrict uc,                          \
                   uint64_t *restrict state, const uint64_t *restrict inc,                        \
                   double *restrict log_s, double *restrict var, double *restrict mvar, size_t n)) \
    X(svcj2_step_fast, (const vk_svcj2_coef *c, const double *restrict zv,                        \
                        const double *restrict uv, const double *restrict zm,                     \
                        const double *restrict um, const double *restrict zs,                     \
                        const double *restrict uc, uint64_t *restrict state,                      \
                        const uint64_t *restrict inc, double *restrict log_s,                     \
                        double *restrict var, double *restrict mvar, size_t n))                   \
    X(svcj2_step_draw, (const vk_svcj2_coef *c, uint64_t *restrict state,                        \
                        const uint64_t *restrict inc, double *restrict log_s,                     \
                        double *restrict var, double *restrict mvar, size_t n))                   \
    X(svcj2_step_draw_fast, (const vk_svcj2_coef *c, uint64_t *restrict state,                   \
                             const uint64_t *restrict inc, double *restrict log_s,                \
                             double *restrict var, double *restrict mvar, size_t n))
/* clang-format on */

/* vk_<name>_fn: the type of a table slot. */
#define VK_KERNEL_FN_TYPE_(name, params) typedef void(*vk_##name##_fn) params;
VK_KERNELS(VK_KERNEL_FN_TYPE_)
#undef VK_KERNEL_FN_TYPE_

/* vk_<name>_d_ref: the scalar references (kernels/ref/), callable directly; the engine's scalar
 * paths use them so that one implementation serves a single value and a block. */
#define VK_KERNEL_REF_DECL_(name, params) void vk_##name##_d_ref params;
VK_KERNELS(VK_KERNEL_REF_DECL_)
#undef VK_KERNEL_REF_DECL_

#endif
