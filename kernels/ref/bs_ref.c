/* bs_ref.c: scalar reference of the Black-76 kernels and the normal CDF (the specification; the
 * formulas, units and limits are in kernels/include/vk_bs.h, the approximations and their
 * accuracy in kernels/src/vk_simd_math.h).
 *
 * Written as plain scalar code, but deliberately in the same operations and order as the vector
 * template kernels/src/bs.inc (including the polynomial macros of vk_simd_math.h), compiled with
 * -ffp-contract=off like it, so that the vector variants reproduce it bit for bit except through
 * SLEEF's log, whose scalar (purec) and vector u10 code paths may differ in the last bit. The
 * independent check is tests/test_bs.c, which compares N(x) with glibc's erfc and the prices
 * with put-call parity and finite differences. */
#include <math.h>
#include <sleef.h>
#include <stdint.h>
#include <string.h>

#include "vixrisk/vk.h"
#include "vixrisk/vk_bs.h"
#include "vk_simd_math.h" /* constants only: no ISA is defined here */

#define RMUL(a, b) ((a) * (b))
#define RADD(a, b) ((a) + (b))
#define RSET(x) (x)

static double rint_m(double x) { return (x + VK_M_MAGIC) - VK_M_MAGIC; }

/* 2^j for integral j in [-1022, 1023], built from the bits of j + 1.5*2^52 (see vpow2i). */
static double pow2i(double j)
{
    const double b = j + VK_M_MAGIC;
    uint64_t u;
    memcpy(&u, &b, sizeof u);
    u = (u + 1023u) << 52;
    double r;
    memcpy(&r, &u, sizeof r);
    return r;
}

static double exp_neg(double x)
{
    x = x > VK_M_EXP_MIN ? x : VK_M_EXP_MIN;
    const double k = rint_m(x * VK_M_LOG2E);
    const double r = (x - k * VK_M_LN2_HI) - k * VK_M_LN2_LO;
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double p = VK_M_EXP_POLY(r, r2, r4, r8, RMUL, RADD, RSET);
    const double k1 = rint_m(k * 0.5);
    const double k2 = k - k1;
    return (p * pow2i(k1)) * pow2i(k2);
}

static double exp_mhalfsq(double t)
{
    const double c = VK_M_SPLIT * t;
    const double th = c - (c - t);
    const double tl = t - th;
    const double hi = t * t;
    const double lo = (((th * th) - hi) + ((2.0 * th) * tl)) + (tl * tl);
    return exp_neg(-0.5 * hi) * (1.0 - 0.5 * lo);
}

static double ncdf_q(double t)
{
    const double rc = 1.0 / (t + VK_M_NCDF_K);
    const double y = (t - VK_M_NCDF_K) * rc;
    const double y2 = y * y, y4 = y2 * y2, y8 = y4 * y4, y16 = y8 * y8;
    return VK_M_NCDF_POLY(y, y2, y4, y8, y16, RMUL, RADD, RSET) * rc;
}

static double ncdf_side(double x, double a) { return x <= 0.0 ? a : 1.0 - a; }

static double tclamp(double x)
{
    const double t = fabs(x);
    return t < VK_M_NCDF_TMAX ? t : VK_M_NCDF_TMAX;
}

void vk_ncdf_d_ref(const double *restrict x, double *restrict out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double t = tclamp(x[i]);
        out[i] = ncdf_side(x[i], exp_mhalfsq(t) * ncdf_q(t));
    }
}

typedef struct bs_lane {
    double price, delta, fphi, isd, sqt;
    int pos;
} bs_lane;

static bs_lane bs_core(double F, double K, double vol, double tau, double df, double cp)
{
    bs_lane o;
    o.sqt = sqrt(tau);
    const double s = vol * o.sqt;
    o.pos = s > 0.0;
    const double ss = s > 0x1p-1000 ? s : 0x1p-1000; /* s = 0 lanes: finite junk, selected away */
    const double m = F / K;
    const double lnm = Sleef_logd1_u10purec(m);
    o.isd = 1.0 / ss;
    const double d1 = lnm * o.isd + 0.5 * ss;
    const double d2 = d1 - ss;
    const double t1 = tclamp(d1), t2 = tclamp(d2);
    const double e1 = exp_mhalfsq(t1);
    const double e2 = e1 * m; /* exp(-d2^2/2) = exp(-d1^2/2) F/K */
    const double n1 = ncdf_side(cp * d1, e1 * ncdf_q(t1));
    const double n2 = ncdf_side(cp * d2, e2 * ncdf_q(t2));
    const double dcp = df * cp;
    if (o.pos) {
        o.price = dcp * (F * n1 - K * n2);
        o.delta = dcp * n1;
    } else {
        const double iv = cp * (F - K);
        o.price = df * (iv > 0.0 ? iv : 0.0);
        o.delta = iv > 0.0 ? dcp : 0.0;
    }
    o.fphi = ((df * VK_M_INV_SQRT_2PI) * e1) * F;
    return o;
}

void vk_black_d_ref(const double *restrict fwd, const double *restrict strike,
                    const double *restrict vol, const double *restrict tau,
                    const double *restrict df, const double *restrict cp,
                    double *restrict price, double *restrict delta, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const bs_lane o = bs_core(fwd[i], strike[i], vol[i], tau[i], df[i], cp[i]);
        price[i] = o.price;
        delta[i] = o.delta;
    }
}

void vk_black_greeks_d_ref(const double *restrict fwd, const double *restrict strike,
                           const double *restrict vol, const double *restrict tau,
                           const double *restrict df, const double *restrict cp,
                           double *restrict price, double *restrict delta,
                           double *restrict gamma, double *restrict vega,
                           double *restrict theta, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double F = fwd[i], sig = vol[i];
        const bs_lane o = bs_core(F, strike[i], sig, tau[i], df[i], cp[i]);
        price[i] = o.price;
        delta[i] = o.delta;
        gamma[i] = o.pos ? (o.fphi * o.isd) / (F * F) : 0.0;
        vega[i] = o.fphi * o.sqt;
        theta[i] = o.pos ? (o.fphi * (sig * sig)) * (-0.5 * o.isd) : 0.0;
    }
}

/* ---- single-precision marks (vk.h, "single-precision marks") ---------------------------------
 * Black-76 in float, in the order of the vector template (kernels/src/bs.inc, black_greeks_sf):
 * N(x) from exp(-t^2/2) Q(t) as the double kernel, with the float Q of vk_simd_math.h and SLEEF's
 * u10 expf (one exp: exp(-d2^2/2) = exp(-d1^2/2) F/K), ln F/K from SLEEF's u10 logf. The inputs are rounded to float (vk_to_float: an out-of-range double goes to +-infinity,
 * as the vector conversion does); the outputs are the floats widened. Lanes with s = 0 compute with
 * s replaced by 2^-100 and take the intrinsic limits, as the double kernel. */
static inline float fminf_(float x, float hi) { return x < hi ? x : hi; }
#define SF_MUL(a, b) ((a) * (b))
#define SF_ADD(a, b) ((a) + (b))
#define SF_SET(a) (a)
/* Q(t) = e^{t^2/2} N(-t) for 0 <= t <= VK_MF_NCDF_TMAX (vk_simd_math.h) */
static inline float ncdff_q(float t)
{
    const float rc = 1.0f / (t + VK_MF_NCDF_K);
    const float y = (t - VK_MF_NCDF_K) * rc;
    return VK_MF_NCDF_POLY(y, SF_MUL, SF_ADD, SF_SET) * rc;
}
/* N(x) given a = N(-|x|) */
static inline float ncdff_side(float x, float a) { return x <= 0.0f ? a : 1.0f - a; }

void vk_black_greeks_sf_d_ref(const double *restrict fwd, const double *restrict strike,
                              const double *restrict vol, const double *restrict tau,
                              const double *restrict df, const double *restrict cpd,
                              double *restrict price, double *restrict delta,
                              double *restrict gamma, double *restrict vega,
                              double *restrict theta, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float F = vk_to_float(fwd[i]), K = vk_to_float(strike[i]), sig = vk_to_float(vol[i]);
        const float T = vk_to_float(tau[i]), D = vk_to_float(df[i]), cp = vk_to_float(cpd[i]);
        const float sqt = sqrtf(T);
        const float s = sig * sqt;
        const int pos = s > 0.0f;
        const float ss = s > 0x1p-100f ? s : 0x1p-100f;
        const float m = F / K;
        const float lnm = Sleef_logf1_u10purec(m);
        const float isd = 1.0f / ss;
        const float d1 = lnm * isd + 0.5f * ss;
        const float d2 = d1 - ss;
        const float t1 = fminf_(fabsf(d1), VK_MF_NCDF_TMAX), t2 = fminf_(fabsf(d2), VK_MF_NCDF_TMAX);
        const float e1 = Sleef_expf1_u10purec((t1 * t1) * -0.5f);
        const float e2 = e1 * m; /* exp(-d2^2/2) = exp(-d1^2/2) F/K */
        const float n1 = ncdff_side(cp * d1, e1 * ncdff_q(t1));
        const float n2 = ncdff_side(cp * d2, e2 * ncdff_q(t2));
        const float dcp = D * cp;
        const float iv = cp * (F - K);
        const float pr = pos ? dcp * (F * n1 - K * n2) : D * (iv > 0.0f ? iv : 0.0f);
        const float de = pos ? dcp * n1 : (iv > 0.0f ? dcp : 0.0f);
        const float fphi = ((D * VK_INV_SQRT_2PIF) * e1) * F;
        price[i] = pr;
        delta[i] = de;
        gamma[i] = pos ? (fphi * isd) / (F * F) : 0.0f;
        vega[i] = fphi * sqt;
        theta[i] = pos ? (fphi * (sig * sig)) * (-0.5f * isd) : 0.0f;
    }
}

void vk_moneyness_d_ref(const double *restrict strike, const double *restrict fwd,
                        const double *restrict tau, const double *restrict rt, double *restrict k,
                        size_t n)
{
    for (size_t i = 0; i < n; i++)
        k[i] = tau[i] > 0.0 ? Sleef_logd1_u10purec(strike[i] / fwd[i]) / rt[i] : 0.0;
}
