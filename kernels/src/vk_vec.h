/* vk_vec.h: ISA-free vector helpers built from the vocabulary of kernels/src/vk_isa_<isa>.h,
 * which includes this file at its end: the PCG32 step and the (0,1) uniform of the RNG kernels,
 * the exp and normal CDF of the Black kernels (algorithms and accuracy: vk_simd_math.h), and the
 * prototypes of this ISA's variants of every listed kernel (vixrisk/vk_kernels.h), so that a
 * template whose definition drifts from the list fails to compile.
 *
 * Each template ends with its fill function, VK_FILL(<template>), which stores its kernels in a
 * table; the table of the ISA (kernels/vk_dispatch.c) starts as a copy of the reference table and
 * calls the fill function of every template (generated from the template list by CMake). */
#ifndef VIXRISK_VK_VEC_H
#define VIXRISK_VK_VEC_H

#ifndef VK_W
#error "include kernels/src/vk_isa_<isa>.h, which defines the vocabulary and then includes vk_vec.h"
#endif

#include "vixrisk/vk.h"
#include "vk_simd_math.h"

/* vk_<name>_d_<isa> for every kernel of the list. */
#define VK_KERNEL_ISA_DECL_(name, params) void VK_SUFFIX(vk_##name) params;
VK_KERNELS(VK_KERNEL_ISA_DECL_)
#undef VK_KERNEL_ISA_DECL_

/* The fill function of template `tmpl`: vk_fill_<tmpl>_d_<isa>(vk_table *t). */
#define VK_FILL(tmpl) void VK_SUFFIX(vk_fill_##tmpl)(vk_table *t)

/* Forced inlining for a template's body shared by a kernel and its *_fast variant: the constant
 * `fast` argument then selects the log at compile time, so each variant calls one function. */
#define VK_INLINE static inline __attribute__((always_inline))

/* The log of the path kernels: SLEEF's 1-ulp one (vlog), or with fast = 1 its 3.5-ulp one
 * (vlog_fast), which the *_fast variants use (vk.h, "fast_log"). */
VK_INLINE vd vlog_sel(vd x, int fast) { return fast ? vlog_fast(x) : vlog(x); }

/* log1p(x) for x > -1 in single precision, as vk_log1pf: u = 1 + x, and log(u) x / (u - 1) where
 * u != 1 (Goldberg 1991, theorem 4: the quotient cancels the rounding of u), x where u = 1. */
static inline vf vflog1p(vf x)
{
    const vf one = vfset(1.0f);
    const vf u = vfadd(one, x);
    const vf um1 = vfsub(u, one);
    const vfm exact = vfeq(um1, vfset(0.0f)); /* u = 1: log1p(x) = x to float precision */
    const vf q = vfmul(vflog(u), vfdiv(x, vfsel(exact, one, um1)));
    return vfsel(exact, x, q);
}

/* ---- doubles in, floats inside (the single-precision marks) ----------------------------------
 * VK_WF float lanes from the doubles at p (two vectors rounded to one); with half, only the first
 * VK_W lanes exist (a call's last lanes when n leaves half a vector of floats): both halves are
 * those lanes. vf_store2 widens them back and stores the lanes that exist. */
static inline vf vf_load2(const double *p, int half)
{
    return half ? vf_from_vd2(vload(p), vload(p)) : vf_from_vd2(vload(p), vload(p + VK_W));
}

static inline void vf_store2(double *p, vf x, int half)
{
    vstore(p, vf_lo_vd(x));
    if (!half)
        vstore(p + VK_W, vf_hi_vd(x));
}

/* ---- PCG32 ----------------------------------------------------------------------------------- */

/* One PCG32 step per lane: returns the 32-bit XSH-RR output in the low half of each 64-bit lane
 * (high half zero) and advances the state. The ISA does the 32-bit rotate (vurotr32). */
static inline vu vpcg32(vu *state, vu inc)
{
    const vu old = *state;
    *state = vuadd(vumul(old, vuset(VK_PCG32_MULT)), inc);
    const vu xs = vuand(vusrl(vuxor(vusrl(old, 18), old), 27), vuset(0xffffffffULL));
    return vurotr32(xs, vusrl(old, 59));
}

/* Uniform in (0,1) from two outputs, exactly as vk_u01_from_u32. */
static inline vd vpcg_u01(vu *state, vu inc)
{
    const vu hi = vpcg32(state, inc);
    const vu lo = vpcg32(state, inc);
    const vu k = vuor(vusll(hi, 21), vusrl(lo, 11));
    return vsel(vueq0(k), vset(0x1p-54), vmul(vu53_to_d(k), vset(0x1p-53)));
}

/* Two standard normals from the lanes' next two uniforms by Box-Muller, as vk_normal2_d_ref:
 * z1 = r cos(2 pi u2), z2 = r sin(2 pi u2), r = sqrt(-2 ln u1) (the log as vlog_sel(., fast)). */
static inline __attribute__((always_inline)) void vpcg_normal2(vu *state, vu inc, int fast,
                                                               vd *z1, vd *z2)
{
    const vd u1 = vpcg_u01(state, inc);
    const vd u2 = vpcg_u01(state, inc);
    const vd r = vsqrt(vmul(vset(-2.0), vlog_sel(u1, fast)));
    const vd th = vmul(vset(VK_TWO_PI), u2);
    vd sn, cs;
    vsincos(th, &sn, &cs);
    *z1 = vmul(r, cs);
    *z2 = vmul(r, sn);
}

/* ---- exp and the normal CDF (vk_simd_math.h) ------------------------------------------------- */
#define VK_M_VID(x) vset(x)

/* rint(x) for |x| < 2^51 (round to nearest even), as (x + 1.5*2^52) - 1.5*2^52. */
static inline vd vrint_m(vd x) { return vsub(vadd(x, vset(VK_M_MAGIC)), vset(VK_M_MAGIC)); }

/* 2^j for an integral double j in [-1022, 1023]: the low bits of j + 1.5*2^52 hold 2^51 + j; adding
 * the exponent bias and shifting by 52 pushes 2^51 out of the word and leaves (j + 1023) << 52. */
static inline vd vpow2i(vd j)
{
    return vbits_d(vusll(vuadd(vd_bits(vadd(j, vset(VK_M_MAGIC))), vuset(1023)), 52));
}

/* exp(x) for x <= 0 (arguments below -746 give 0). */
static inline vd vexp_neg(vd x)
{
    x = vmax(x, vset(VK_M_EXP_MIN));
    const vd k = vrint_m(vmul(x, vset(VK_M_LOG2E)));
    const vd r = vsub(vsub(x, vmul(k, vset(VK_M_LN2_HI))), vmul(k, vset(VK_M_LN2_LO)));
    const vd r2 = vmul(r, r), r4 = vmul(r2, r2), r8 = vmul(r4, r4);
    const vd p = VK_M_EXP_POLY(r, r2, r4, r8, vmul, vadd, VK_M_VID);
    const vd k1 = vrint_m(vmul(k, vset(0.5)));
    const vd k2 = vsub(k, k1);
    return vmul(vmul(p, vpow2i(k1)), vpow2i(k2));
}

/* exp(-t^2/2) for 0 <= t <= VK_M_NCDF_TMAX, with t^2 formed exactly. */
static inline vd vexp_mhalfsq(vd t)
{
    const vd c = vmul(vset(VK_M_SPLIT), t);
    const vd th = vsub(c, vsub(c, t));
    const vd tl = vsub(t, th);
    const vd hi = vmul(t, t);
    const vd lo = vadd(vadd(vsub(vmul(th, th), hi), vmul(vmul(vset(2.0), th), tl)), vmul(tl, tl));
    return vmul(vexp_neg(vmul(vset(-0.5), hi)), vsub(vset(1.0), vmul(vset(0.5), lo)));
}

/* Q(t) = e^{t^2/2} N(-t) for 0 <= t <= VK_M_NCDF_TMAX: rc = 1/(t + K), y = (t - K) rc,
 * Q = G(y) rc. */
static inline vd vncdf_q(vd t)
{
    const vd rc = vdiv(vset(1.0), vadd(t, vset(VK_M_NCDF_K)));
    const vd y = vmul(vsub(t, vset(VK_M_NCDF_K)), rc);
    const vd y2 = vmul(y, y), y4 = vmul(y2, y2), y8 = vmul(y4, y4), y16 = vmul(y8, y8);
    return vmul(VK_M_NCDF_POLY(y, y2, y4, y8, y16, vmul, vadd, VK_M_VID), rc);
}

/* N(x) given a = N(-|x|): a for x <= 0, 1 - a above. */
static inline vd vncdf_side(vd x, vd a)
{
    return vsel(vle(x, vset(0.0)), a, vsub(vset(1.0), a));
}

/* Standard normal CDF. */
static inline vd vncdf(vd x)
{
    const vd t = vmin(vabs(x), vset(VK_M_NCDF_TMAX));
    return vncdf_side(x, vmul(vexp_mhalfsq(t), vncdf_q(t)));
}

#endif
