/* vixtab_ref.c: scalar reference of the VIX option table lookup (the specification of the
 * arithmetic in vk_vixtab.h; the vector template kernels/src/vixtab.inc follows it step by step).
 * It is also the engine's scalar lookup: vr_vix_table_call/_future (engine/src/model/vix_pricer.c)
 * call it, so there is one implementation of the interpolation. C library log and sqrt. */
#include <math.h>

#include "vixrisk/vk_vixtab.h"

/* 4-point Lagrange weights at offset t from node i (nodes at -1, 0, 1, 2). */
static inline void lag4(double t, double w[4])
{
    const double tm1 = t - 1.0, tm2 = t - 2.0, tp1 = t + 1.0;
    w[0] = -t * tm1 * tm2 * (1.0 / 6.0);
    w[1] = tp1 * tm1 * tm2 * 0.5;
    w[2] = -tp1 * t * tm2 * 0.5;
    w[3] = tp1 * t * tm1 * (1.0 / 6.0);
}

/* Clamped axis: pos to [0, n-1] (NaN to 0), base node in [1, n-3], weights. */
static inline int axis_clamped(double pos, int n, double w[4])
{
    pos = fmin(fmax(pos, 0.0), (double)(n - 1));
    int i = (int)pos;
    i = i < 1 ? 1 : i;
    i = i > n - 3 ? n - 3 : i;
    lag4(pos - i, w);
    return i;
}

/* x axis: clamped below, continued by the tangent of the last cubic above. */
static inline int axis_x(double pos, int n, int xmap, double w[4])
{
    pos = fmax(pos, 0.0);
    const double pc = fmin(pos, (double)(n - 1));
    /* beyond the last node linear in x: with x_map 1, pos is sqrt(x - x0) inv_hx, so x - x_N in
     * units of the last node's dx/dpos is (pos^2 - pc^2) / (2 pc); 0 up to the last node */
    const double ex0 = pos - pc;
    const double ex = xmap ? ex0 * ((pos + pc) * (0.5 / (double)(n - 1))) : ex0;
    int i = (int)pc;
    i = i < 1 ? 1 : i;
    i = i > n - 3 ? n - 3 : i;
    lag4(pc - i, w);
    w[0] += ex * (-1.0 / 3.0);
    w[1] += ex * 1.5;
    w[2] += ex * -3.0;
    w[3] += ex * (11.0 / 6.0);
    return i;
}

/* Cell, weights and interpolated future at (v, T): shared by the call and the future lookups. */
static double future_w(const vk_vixtab *t, double v, double T, int *ix, double wx[4], int *it,
                       double wt[4])
{
    const int nt = t->n_t;
    const double x = sqrt(t->a + t->b * fmax(v, 0.0));
    const double d = x - t->x0;
    *ix = axis_x((t->x_map ? sqrt(fmax(d, 0.0)) : d) * t->inv_hx, t->n_x, t->x_map, wx);
    *it = axis_clamped((sqrt(fmax(T, 0.0)) - t->s0) * t->inv_hs, nt, wt);
    double fut = 0.0;
    for (int a = 0; a < 4; a++) {
        const double *r = t->fut + (*ix - 1 + a) * nt + (*it - 1);
        fut += wx[a] * (wt[0] * r[0] + wt[1] * r[1] + wt[2] * r[2] + wt[3] * r[3]);
    }
    return fut;
}

double vk_vix_future_ref(const vk_vixtab *t, double v, double T)
{
    double wx[4], wt[4];
    int ix, it;
    return future_w(t, v, T, &ix, wx, &it, wt);
}

static double call_one(const vk_vixtab *t, double v, double T, double K)
{
    double wx[4], wt[4], wm[4];
    int ix, it;
    const int nt = t->n_t, nm = t->n_m;
    const double fut = future_w(t, v, T, &ix, wx, &it, wt);
    const double m = K / fut;
    const double l = log(m);
    const double u = t->m_map ? vk_vix_mmap(t->m_b, t->m_ic, l) : l;
    const int im = axis_clamped((u - t->l0) * t->inv_hl, nm, wm);
    double c = 0.0;
    for (int a = 0; a < 4; a++) {
        for (int b = 0; b < 4; b++) {
            const double *r =
                t->call + ((size_t)(ix - 1 + a) * nt + (it - 1 + b)) * nm + (im - 1);
            c += wx[a] * wt[b] * (wm[0] * r[0] + wm[1] * r[1] + wm[2] * r[2] + wm[3] * r[3]);
        }
    }
    const double disc = wt[0] * t->disc[it - 1] + wt[1] * t->disc[it] + wt[2] * t->disc[it + 1] +
                        wt[3] * t->disc[it + 2];
    c += disc * fmax(t->m_min - m, 0.0);
    return fut * fmax(c, 0.0);
}

void vk_vix_call_d_ref(const vk_vixtab *t, const double *restrict var, const double *restrict tau,
                       const double *restrict strike, double *restrict price, size_t n)
{
    for (size_t i = 0; i < n; i++)
        price[i] = call_one(t, var[i], tau[i], strike[i]);
}
