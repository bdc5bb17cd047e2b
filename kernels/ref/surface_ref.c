/* surface_ref.c: scalar reference of the implied-volatility surface lookup (the specification of
 * the arithmetic in vk_surface.h; the vector template kernels/src/surface.inc follows it step by
 * step). ln, expm1 and the ln of asinh use SLEEF's scalar u10 functions, the accuracy class of
 * the vector code's. */
#include <math.h>
#include <sleef.h>

#include "vixrisk/vk_surface.h"

/* max/min in the order the vector code uses: a NaN in x yields lo. */
static inline double clampd(double x, double lo, double hi)
{
    x = x > lo ? x : lo;
    return x < hi ? x : hi;
}

/* Clamp f to [0, fmax] (NaN goes to 0) and split it into a cell index i in [0, fmax - 1] and a
 * fraction t in [0, 1]. */
static inline double cell(double f, double fmax, double *t)
{
    f = clampd(f, 0.0, fmax);
    double i = floor(f);
    const double ilast = fmax - 1.0;
    i = i < ilast ? i : ilast;
    *t = f - i;
    return i;
}

static inline double cubic(const float *c, double t)
{
    return (double)c[0] + t * ((double)c[1] + t * ((double)c[2] + t * (double)c[3]));
}

/* The part of a lane's lookup that depends on (var, tau) alone (vk_surface.h). */
void vk_surface_axes_ref(const vk_surface *s, double var, double tau, vk_surface_axes *ax)
{
    const double v = clampd(var, s->v_lo, s->v_hi);
    const double tu = clampd(tau, s->tau_lo, s->tau_hi);
    /* normaliser: vbar = max(vm + (vn - th) b, floor), b = -expm1(-kappa tau)/(kappa tau) */
    const double kt = s->kappa * tu;
    const double b = -Sleef_expm1d1_u10purec(-kt) / kt;
    /* the normaliser follows the lane's variance above the grid (vk_surface.h) */
    const double vn = clampd(var, s->v_lo, VK_SURFACE_VN_MAX);
    double vbar = s->vm + (vn - s->th) * b;
    vbar = vbar > s->vbar_floor ? vbar : s->vbar_floor;
    ax->r = sqrt(vbar);
    const double ia = cell((Sleef_logd1_u10purec(v + s->v_eps) - s->a0) * s->inv_da, s->fa_max, &ax->ta);
    const double iy = cell((Sleef_logd1_u10purec(tu) - s->y0) * s->inv_dy, s->fy_max, &ax->ty);
    /* the record index is formed in double (exact below 2^53) as the vector code does */
    ax->rec0 = ia * (double)s->stride_v + iy * (double)s->stride_tau;
}

/* The rest: the moneyness axis of k and the interpolation (vk_surface.h). */
double vk_surface_vol_at_ref(const vk_surface *s, const vk_surface_axes *ax, double k)
{
    const double kk = clampd(k, -s->k_max, s->k_max);
    /* u = asinh(x / c) = sign(x) ln(|z| + sqrt(z^2 + 1)), z = x / c */
    const double z = kk / ax->r * s->inv_c, az = fabs(z);
    const double lu = Sleef_logd1_u10purec(az + sqrt(az * az + 1.0));
    const double u = z < 0.0 ? -lu : lu;
    double tk;
    const double iu = cell((u - s->u0) * s->inv_du, s->fu_max, &tk);
    const double rec = ax->rec0 + iu;
    const float *c = s->coef + 16 * (long)rec;
    const double s00 = cubic(c, tk);
    const double s01 = cubic(c + 4, tk);
    const double s10 = cubic(c + 8, tk);
    const double s11 = cubic(c + 12, tk);
    const double s0 = s00 + ax->ty * (s01 - s00);
    const double s1 = s10 + ax->ty * (s11 - s10);
    return ax->r * (s0 + ax->ta * (s1 - s0));
}

void vk_surface_vol_d_ref(const vk_surface *s, const double *restrict var,
                          const double *restrict tau, const double *restrict k,
                          double *restrict vol, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vk_surface_axes ax;
        vk_surface_axes_ref(s, var[i], tau[i], &ax);
        vol[i] = vk_surface_vol_at_ref(s, &ax, k[i]);
    }
}

/* ---- single-precision marks (vk.h, "single-precision marks") ---------------------------------
 * The lookup above in float, in the order of the vector template (kernels/src/surface.inc,
 * surface_vol_sf): the lane's inputs and the table's constants rounded to float, SLEEF's u10 logf
 * and expm1f, the cubics on the stored floats as they are, and the record index in int32. */
static inline float clampf_(float x, float lo, float hi)
{
    x = x > lo ? x : lo;
    return x < hi ? x : hi;
}

static inline float cellf_(float f, float fmax, float *t)
{
    f = clampf_(f, 0.0f, fmax);
    float i = floorf(f);
    const float ilast = fmax - 1.0f;
    i = i < ilast ? i : ilast;
    *t = f - i;
    return i;
}

static inline float cubicf_(const float *c, float t)
{
    return c[0] + t * (c[1] + t * (c[2] + t * c[3]));
}

void vk_surface_vol_sf_d_ref(const vk_surface *s, const double *restrict var,
                             const double *restrict tau, const double *restrict k,
                             double *restrict vol, size_t n)
{
    const float vlo = (float)s->v_lo, vhi = (float)s->v_hi, vnmax = (float)VK_SURFACE_VN_MAX;
    const float tlo = (float)s->tau_lo, thi = (float)s->tau_hi, kmax = (float)s->k_max;
    const float a0 = (float)s->a0, ida = (float)s->inv_da, fam = (float)s->fa_max;
    const float y0 = (float)s->y0, idy = (float)s->inv_dy, fym = (float)s->fy_max;
    const float u0 = (float)s->u0, idu = (float)s->inv_du, fum = (float)s->fu_max;
    const float ic = (float)s->inv_c, kap = (float)s->kappa, th = (float)s->th, vm = (float)s->vm;
    const float vfl = (float)s->vbar_floor, veps = (float)s->v_eps;
    for (size_t i = 0; i < n; i++) {
        const float vr = vk_to_float(var[i]);
        const float v = clampf_(vr, vlo, vhi);
        const float vn = clampf_(vr, vlo, vnmax);
        const float tu = clampf_(vk_to_float(tau[i]), tlo, thi);
        const float kk = clampf_(vk_to_float(k[i]), -kmax, kmax);
        const float kt = kap * tu;
        const float b = (0.0f - Sleef_expm1f1_u10purec(0.0f - kt)) / kt;
        const float vb = vm + (vn - th) * b;
        const float r = sqrtf(vb > vfl ? vb : vfl);
        const float z = (kk / r) * ic, az = fabsf(z);
        const float lu = Sleef_logf1_u10purec(az + sqrtf(az * az + 1.0f));
        const float u = 0.0f > z ? 0.0f - lu : lu;
        float fa, fy, fk;
        const float ia = cellf_((Sleef_logf1_u10purec(v + veps) - a0) * ida, fam, &fa);
        const float iy = cellf_((Sleef_logf1_u10purec(tu) - y0) * idy, fym, &fy);
        const float iu = cellf_((u - u0) * idu, fum, &fk);
        const int32_t rec = (int32_t)ia * s->stride_v + (int32_t)iy * s->stride_tau + (int32_t)iu;
        const float *c = s->coef + 16 * (ptrdiff_t)rec;
        const float s00 = cubicf_(c, fk), s01 = cubicf_(c + 4, fk);
        const float s10 = cubicf_(c + 8, fk), s11 = cubicf_(c + 12, fk);
        const float s0 = s00 + fy * (s01 - s00);
        const float s1 = s10 + fy * (s11 - s10);
        vol[i] = r * (s0 + fa * (s1 - s0));
    }
}
