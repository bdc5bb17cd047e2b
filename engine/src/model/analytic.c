/* analytic.c: semi-analytic European option prices for the affine models (see vr_analytic.h).
 *
 * The characteristic function of X = ln(S_tau/F) is exp(C + D v + J): C and D solve the Heston
 * Riccati equations (written in the "little Heston trap" form of Albrecher et al. 2007,
 * rearranged so that sigma = 0 needs no division by sigma^2, with its logarithm followed
 * continuously in tau so that contours off the strip -1 <= Im u <= 0 are safe), J is the jump
 * part. Prices come from a single Fourier integral along a shifted contour (Lewis 2001; contour
 * chosen as in Andersen and Lake 2018, inside the strip where the moment E[S^alpha] is finite)
 * with a Black-Scholes control variate, so that only the model's departure from Black-Scholes
 * is integrated; if that fails, from the Gil-Pelaez P1/P2 integrals; if both fail, an error that
 * names the case. Either integral over [0, inf) is split into dyadic segments, each integrated
 * by adaptive Gauss-Kronrod (7/15 points), and segments are added until an envelope bound on
 * the remaining tail is below the tolerance. The pricer works from any characteristic function
 * (vr_fourier_european); the built-in models plug in through vr_affine_cf_init. Black-Scholes
 * prices and a bracketed Newton implied volatility close the file. */
#include "vixrisk/vr_analytic.h"
#include "gk15.h"

#include <complex.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Complex helpers that keep digits near zero. */

/* e^z - 1 without the cancellation of cexp(z) - 1 for small |z|:
 * e^{x+iy} - 1 = (expm1(x) cos y - 2 sin^2(y/2)) + i e^x sin y. */
static double complex cexpm1_(double complex z)
{
    const double x = creal(z), y = cimag(z);
    const double s = sin(0.5 * y);
    return (expm1(x) * cos(y) - 2.0 * s * s) + I * (exp(x) * sin(y));
}

/* Principal log(1 + y), accurate for small |y|: |1+y|^2 = 1 + (2 Re y + |y|^2). */
static double complex clog1p_(double complex y)
{
    const double re = creal(y), im = cimag(y);
    return 0.5 * log1p(re * (2.0 + re) + im * im) + I * atan2(im, 1.0 + re);
}

/* log(1 + y) / y, equal to 1 at y = 0 (the series 1 - y/2 + y^2/3 is exact to rounding there). */
static double complex clog1p_ratio(double complex y)
{
    if (cabs(y) < 1e-8)
        return 1.0 - 0.5 * y;
    return clog1p_(y) / y;
}

/* ---------------------------------------------------------------------------------------------
 * Characteristic function. */

/* Heston part for time to expiry tau at complex u. With
 *     xi = kappa - i sigma rho u,  q = u^2 + i u,  d = sqrt(xi^2 + sigma^2 q)  (Re d >= 0),
 *     a  = (xi - d)/sigma^2 = -q/(xi + d),   g = (xi - d)/(xi + d) = a sigma^2/(xi + d),
 *     E  = e^{-d tau},  w = 1 - E,
 * the trap form reads D = a w/(1 - g E) and
 *     C = kappa theta [a tau - (2/sigma^2) log((1 - g E)/(1 - g))].
 * (1 - gE)/(1 - g) = 1 + y with y = g w/(1 - g) = O(sigma^2), so 2 log(1+y)/sigma^2 is written as
 * 2 a w/((xi+d)(1-g)) * log(1+y)/y, which stays finite at sigma = 0 (there d = xi = kappa, g = 0,
 * and D = -q (1 - e^{-kappa tau})/(2 kappa): deterministic variance). The intermediate values
 * are returned for the SVCJ variance-jump integral. */
typedef struct heston_parts {
    double complex C, D, a, g, d, E, w, y;
    double complex lr; /* log((1 - g E)/(1 - g)), continuous in tau (see log_ratio_wound) */
} heston_parts;

/* log((1 - g e^{-d tau})/(1 - g)) on the branch that is continuous in tau from 0, for |g| > 1
 * and Re d > 0. The principal logarithm is right whenever |g| <= 1: then 1 - g e^{-ds} stays in
 * the disc |z - 1| <= 1 (Re >= 0) for all s. With |g| > 1 (which happens off the strip
 * -1 <= Im u <= 0, on the contours Im u = -alpha with alpha > 1 or alpha < 0 that far strikes
 * use) the point g e^{-ds} starts outside the unit circle and spirals in, so 1 - g e^{-ds} can
 * wind around 0 and the principal log jumps by 2 pi i (Lord and Kahl 2010 count these
 * rotations). Until s0 = ln|g| / Re d, |g e^{-ds}| >= 1 and
 *     log(1 - g e^{-ds}) = log(-g) - d s + log(1 - e^{ds}/g)
 * is continuous with principal logs (the last argument lies in the disc); after s0 the principal
 * log(1 - g e^{-ds}) is continuous again, and the whole number of turns is fixed by matching the
 * two forms at s0. Only a zero of 1 - g e^{-ds} on [0, tau] (a moment explosion: u outside the
 * strip of regularity) breaks this, and contours are chosen inside that strip. */
static double complex log_ratio_wound(double complex g, double complex d, double tau,
                                      double complex E)
{
    const double s0 = log(cabs(g)) / creal(d);
    const double complex lg = clog(g);
    const double complex l0 = clog1p_(-1.0 / g);
    if (tau <= s0) /* log(-g) cancels between tau and 0 */
        return -d * tau + clog1p_(-cexp(d * tau - lg)) - l0;
    const double complex ge0 = cexp(lg - d * s0); /* |g e^{-d s0}| = 1 */
    const double complex a = clog(-g) - d * s0 + clog1p_(-1.0 / ge0);
    const double complex b = clog1p_(-ge0);
    const double turns = round(cimag(a - b) / (2.0 * M_PI));
    return clog1p_(-g * E) + I * (2.0 * M_PI * turns) - (clog(-g) + l0);
}

static heston_parts heston_cf_parts(const vr_sv_params *p, double tau, double complex u)
{
    heston_parts h;
    const double s2 = p->sigma * p->sigma;
    const double complex xi = p->kappa - I * p->sigma * p->rho * u;
    const double complex q = u * u + I * u;
    double complex d = csqrt(xi * xi + s2 * q);
    /* xi + d = 0 only where q = 0 and Re xi < 0 (e.g. u = -i with sigma rho > kappa). There the
     * root of the other sign is the continuous one (both give D = C = 0): take it. */
    if (cabs(xi + d) <= 1e-12 * (cabs(xi) + cabs(d)))
        d = -d;
    const double complex den = xi + d;
    h.d = d;
    /* den = 0 with the sign flip above only when d = xi = 0, i.e. kappa = sigma rho at q = 0
     * (u = 0 or u = -i), where D = C = 0: a = 0 is the limit. */
    h.a = den != 0 ? -q / den : 0.0;
    h.g = den != 0 ? h.a * s2 / den : 0.0;
    h.E = cexp(-d * tau);
    h.w = -cexpm1_(-d * tau);
    h.D = h.a * h.w / (1.0 - h.g * h.E);
    h.y = h.g * h.w / (1.0 - h.g);
    if (den == 0) {
        h.lr = 0.0;
        h.C = 0.0;
    } else if (cabs(h.g) <= 1.0 || !(creal(d) > 0)) {
        h.lr = clog1p_(h.y);
        h.C = p->kappa * p->theta *
              (h.a * tau - 2.0 * h.a * h.w / (den * (1.0 - h.g)) * clog1p_ratio(h.y));
    } else {
        /* |g| > 1 needs sigma^2 |a| > |xi + d|: sigma is not small here, 2/sigma^2 is safe */
        h.lr = log_ratio_wound(h.g, d, tau, h.E);
        h.C = p->kappa * p->theta * (h.a * tau - 2.0 / s2 * h.lr);
    }
    return h;
}

/* SVCJ: int_0^tau ds / (1 - mu_v b(s)), b(s) = i u rho_j + D(u, s), the variance-jump part of
 * E[exp(i u Z + D(s) Zv)] = e^{i u mu_s - u^2 sigma_s^2/2} / (1 - mu_v b(s)) integrated along the
 * Heston solution. Closed form (the Duffie-Pan-Singleton 2000 SVCJ integral, derived here in the
 * trap variables): with c = i u rho_j mu_v, E(s) = e^{-d s},
 *     1/(1 - mu_v b(s)) = (1 - g E)/(P + Q E),  P = 1 - c - mu_v a,  Q = mu_v a - g (1 - c),
 * and since d/ds log(P + Q E) = -d Q E/(P + Q E),
 *     int_0^tau = tau/P - (g P + Q)/(P d Q) * [log(P + Q) - log(P + Q E(tau))],
 * where g P + Q = mu_v a (1 - g). The logarithm must follow s continuously; it factors as
 *     P + Q E(s) = (1 - g E(s)) (1 - mu_v b(s)),
 * The first factor's log is the Heston one, kept continuous in s (h->lr, see log_ratio_wound);
 * the second keeps a positive real part for every s <= tau whenever -Im u lies in the strip of
 * regularity (Re(mu_v b(s)) <= mu_v b(-i alpha, s) < 1 is the existence of E[e^{b Zv}]), so its
 * principal log is continuous:
 *     log(P+Q) - log(P+QE) = -[lr + log1p(-mu_v D/(1 - c))].
 * When Q -> 0 the ratio L/Q is taken as w/(P+QE) * log1p(z)/z, z = Q w/(P + Q E). A closed form
 * was preferred to Gauss-Legendre in s because for large |u| the integrand has a boundary layer
 * of width 1/|d| at s = 0 that a fixed rule resolves poorly, while the closed form is exact. */
static double complex svcj_var_jump_integral(const vr_sv_params *p, double tau, double complex u,
                                             const heston_parts *h)
{
    const double mv = p->mu_v;
    const double complex c = I * u * p->rho_j * mv;
    const double complex P = 1.0 - c - mv * h->a;
    if (mv == 0.0 || h->a == 0.0)
        return tau / P; /* no coupling to the variance (the second term carries a factor a) */
    const double complex Q = mv * h->a - h->g * (1.0 - c);
    const double complex L = -(h->lr + clog1p_(-mv * h->D / (1.0 - c)));
    const double complex PQE = P + Q * h->E;
    const double complex z = Q * h->w / PQE;
    double complex ratio; /* L / Q */
    if (cabs(z) < 0.5 && cabs(L - clog1p_(z)) < 1e-3)
        ratio = h->w / PQE * clog1p_ratio(z);
    else
        ratio = L / Q;
    return tau / P - mv * h->a * (1.0 - h->g) / (P * h->d) * ratio;
}

double complex vr_cf_log_exponent(vr_model_type t, const vr_sv_params *p, double v, double tau,
                                  double complex u)
{
    const heston_parts h = heston_cf_parts(p, tau, u);
    double complex expo = h.C + h.D * v;
    if (t == VR_MODEL_BATES && p->lambda > 0) {
        const double sj = p->sigma_j;
        const double complex jcf = cexp(I * u * p->mu_j - 0.5 * u * u * sj * sj);
        expo += p->lambda * tau * ((jcf - 1.0) - I * u * vr_jump_kbar(t, p));
    } else if (t == VR_MODEL_SVCJ && p->lambda > 0) {
        const double ss = p->sigma_s;
        const double complex zcf = cexp(I * u * p->mu_s - 0.5 * u * u * ss * ss);
        const double complex J = svcj_var_jump_integral(p, tau, u, &h);
        expo += p->lambda * (zcf * J - tau) - I * u * p->lambda * tau * vr_jump_kbar(t, p);
    }
    return expo;
}

double complex vr_cf_logprice(vr_model_type t, const vr_sv_params *p, double v, double tau,
                              double complex u)
{
    return cexp(vr_cf_log_exponent(t, p, v, tau, u));
}

/* ---------------------------------------------------------------------------------------------
 * Strip of regularity of the built-in models.
 *
 * For real alpha the Riccati quantities at u = -i alpha are real: q = alpha (1 - alpha),
 * xi = kappa - sigma rho alpha, d^2 = xi^2 + sigma^2 q, and E[e^{alpha X_s}] explodes at the first
 * s with 1 - g e^{-ds} = 0 (Andersen and Piterbarg 2007): for d^2 < 0 (d = i delta, |g| = 1) at
 * s* = (2 pi - 2 atan2(delta, xi))/delta; for real d with g > 1 (xi < 0) at s* = ln(g)/d; never
 * otherwise. SVCJ adds the variance-jump condition mu_v (alpha rho_j + D(-i alpha, s)) < 1 for
 * s <= tau, and D grows with s there, so s = tau is the binding one. Bates' normal jumps have
 * all moments. The set of alpha with a finite moment is an interval containing [0, 1] (Hoelder). */
static int moment_finite(vr_model_type t, const vr_sv_params *p, double tau, double alpha)
{
    if (alpha >= 0 && alpha <= 1)
        return 1;
    const double sg = p->sigma;
    const double q = alpha * (1.0 - alpha);
    const double xi = p->kappa - sg * p->rho * alpha;
    const double d2 = xi * xi + sg * sg * q;
    if (sg > 0) {
        if (d2 < 0) {
            const double delta = sqrt(-d2);
            if (!(tau < (2.0 * M_PI - 2.0 * atan2(delta, xi)) / delta))
                return 0;
        } else {
            const double d = sqrt(d2);
            if (!(d > 1e-12 * (fabs(xi) + 1e-300)))
                return xi > 0 || tau < 2.0 / -xi; /* d = 0: D = -q s / (2 + xi s) */
            const double g = (xi - d) / (xi + d);
            if (xi + d <= 0 || g >= 1) {
                if (!(g > 1 && tau < log(g) / d))
                    return 0;
            }
        }
    }
    if (t == VR_MODEL_SVCJ && p->lambda > 0 && p->mu_v > 0) {
        const heston_parts h = heston_cf_parts(p, tau, -I * alpha);
        const double b = alpha * p->rho_j + creal(h.D);
        if (!(isfinite(b) && p->mu_v * b < 1.0))
            return 0;
    }
    return 1;
}

/* Edge of the moment interval on one side: the largest |alpha - edge| with a finite moment
 * at time tau, searched up to 64 away (bisection on a monotone predicate). */
static double moment_edge(vr_model_type t, const vr_sv_params *p, double tau, int upper)
{
    const double base = upper ? 1.0 : 0.0, sgn = upper ? 1.0 : -1.0;
    double ok = 0.0, bad = -1.0;
    for (double x = 1.0 / 64; x <= 64.0; x *= 2.0) {
        if (moment_finite(t, p, tau, base + sgn * x))
            ok = x;
        else {
            bad = x;
            break;
        }
    }
    if (bad < 0)
        return base + sgn * ok;
    for (int it = 0; it < 12; it++) { /* the edge to 1/4096 of its bracket: ample */
        const double m = 0.5 * (ok + bad);
        if (moment_finite(t, p, tau, base + sgn * m))
            ok = m;
        else
            bad = m;
    }
    return base + sgn * ok;
}

/* Total variance of X: E[int_0^tau v] + lambda tau E[Z^2]; it sets the Black-Scholes control
 * variate and the natural unit of u (the cf decays on the scale 1/sqrt(variance)). */
static double total_variance(vr_model_type t, const vr_sv_params *p, double v, double tau)
{
    const double k = p->kappa;
    const double th = vr_theta_star(t, p);
    const double kt = k * tau;
    /* (1 - e^{-k tau})/k without cancellation */
    const double decay = kt > 0 ? -expm1(-kt) / k : tau;
    double var = th * tau + (v - th) * decay;
    if (t == VR_MODEL_BATES)
        var += p->lambda * tau * (p->mu_j * p->mu_j + p->sigma_j * p->sigma_j);
    else if (t == VR_MODEL_SVCJ) {
        const double m = p->mu_s + p->rho_j * p->mu_v;
        var += p->lambda * tau *
               (m * m + p->rho_j * p->rho_j * p->mu_v * p->mu_v + p->sigma_s * p->sigma_s);
    }
    return var;
}

static int affine_log_cf(void *ctx, double complex u, double complex *out)
{
    const vr_affine_cf *m = ctx;
    *out = vr_cf_log_exponent(m->type, &m->params, m->v, m->tau, u);
    return isfinite(creal(*out)) && isfinite(cimag(*out)) ? 0 : -1;
}

vr_status vr_affine_cf_init(vr_affine_cf *m, vr_model_type t, const vr_sv_params *p, double v,
                            double tau, vr_cf_spec *spec, vr_err *err)
{
    if (m == NULL || p == NULL || spec == NULL)
        return vr_fail(err, VR_EINVAL, "analytic: NULL model, parameter set or spec");
    if (t != VR_MODEL_HESTON && t != VR_MODEL_BATES && t != VR_MODEL_SVCJ)
        return vr_fail(err, VR_EINVAL, "analytic: unknown model type %d", (int)t);
    if (!(tau > 0 && isfinite(tau)))
        return vr_fail(err, VR_EINVAL, "analytic: tau must be finite and > 0 years (got %g)", tau);
    if (!(v >= 0 && isfinite(v)))
        return vr_fail(err, VR_EINVAL, "analytic: variance v must be finite and >= 0 (got %g)", v);
    vr_status st = vr_sv_params_validate(t, p, "analytic.params", NULL, err);
    if (st != VR_OK)
        return st;
    m->type = t;
    m->params = *p;
    m->v = v;
    m->tau = tau;
    int n = snprintf(m->desc, sizeof m->desc, "%s (kappa=%g theta=%g sigma=%g rho=%g",
                     vr_model_type_name(t), p->kappa, p->theta, p->sigma, p->rho);
    if (t == VR_MODEL_BATES)
        n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, " lambda=%g mu_j=%g sigma_j=%g",
                      p->lambda, p->mu_j, p->sigma_j);
    else if (t == VR_MODEL_SVCJ)
        n += snprintf(m->desc + n, sizeof m->desc - (size_t)n,
                      " lambda=%g mu_v=%g mu_s=%g sigma_s=%g rho_j=%g", p->lambda, p->mu_v,
                      p->mu_s, p->sigma_s, p->rho_j);
    if (n >= 0 && (size_t)n < sizeof m->desc)
        snprintf(m->desc + n, sizeof m->desc - (size_t)n, " v=%g)", v);
    double s2 = total_variance(t, p, v, tau);
    if (!(s2 > 1e-16))
        s2 = 1e-16; /* cannot happen for valid theta > 0; keeps 1/s finite regardless */
    spec->log_cf = affine_log_cf;
    spec->ctx = m;
    spec->tau = tau;
    spec->variance = s2;
    /* Contours stay where the moment is finite at twice the expiry: a margin that keeps them
     * away from the pole of the cf at the edge of the strip. */
    spec->alpha_min = moment_edge(t, p, 2.0 * tau, 0);
    spec->alpha_max = moment_edge(t, p, 2.0 * tau, 1);
    spec->desc = m->desc;
    return VR_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Fourier prices from a characteristic function.
 *
 * Primary method. With k = ln(K/F), the undiscounted call per unit forward c = E[(e^X - e^k)^+]
 * has the payoff transform f(z) = -e^{(iz+1)k}/(z(z - i)); Parseval along Im z = alpha gives
 *     c = R(alpha) + (1/pi) int_0^inf Re[ -e^{(iu-alpha+1)k} conj(psi(u - i alpha))
 *                                         / ((u + i alpha)(u + i alpha - i)) ] du,
 * psi the cf of X, with residues R = 0 (alpha > 1), 1 (0 < alpha < 1), 1 - e^k (alpha < 0).
 * alpha = 1/2 is Lewis (2001). The same holds for Black-Scholes with the same alpha, so
 * c - c_BS is the integral of the difference and R drops out (and, by parity, p - p_BS = c - c_BS,
 * so a put and a call share one correction and neither goes through a large subtraction).
 * alpha is chosen as in Andersen and Lake (2018): minimise the integrand's size at u = 0,
 *     e^{(1-alpha)k} (E[e^{alpha X}] + E_BS[e^{alpha X}]) / |alpha (alpha - 1)|
 * (both terms: the control variate's moment e^{s2 alpha(alpha-1)/2} can dwarf the model's for
 * large |alpha|, and leaving it out chose alpha = 33 and an integrand of size e^{100}), over the
 * strip where the model's moment is finite. The cost is convex in alpha on each side of [0, 1],
 * so a golden-section search on the side that shrinks e^{(1-alpha)k} finds it; alpha = 1/2 is
 * the default. For far-from-the-money strikes at short expiry this turns an integrand of size ~1
 * that oscillates for thousands of periods into one of the size of the (tiny) price.
 *
 * Fallback. Gil-Pelaez / Heston (1993): c = (1 - e^k)/2 + (1/pi) int_0^inf
 * Im[e^{-iuk} (psi(u - i) - e^k psi(u))]/u du, on the lines Im u = 0 and -1 that lie in every
 * model's strip whatever the expiry, with no control variate and no choice to make. It is slower
 * (the integrand decays like |psi|/u, not /u^2) but shares nothing with the primary beyond the cf
 * and the quadrature rule, so it is also the independent cross-check of the tests.
 *
 * Quadrature (both). [0, inf) is split into dyadic segments [0, b0], [b0, 2 b0], ..., b0 =
 * min(1/s, one period of e^{iuk}) (s the total standard deviation); each is integrated by
 * adaptive Gauss-Kronrod 7/15 with the |Kronrod - Gauss| error per panel. After a segment the
 * tail beyond its end b is bounded from an envelope of the integrand: primary, |pre| <=
 * e^{(1-alpha)k}/u^2 gives M/b with M = max env(u) u^2 over the segment; fallback, b max env(u)
 * (the next segment's size if the envelope stopped decaying, an overestimate when it decays).
 * Both assume the envelope does not grow again past the segment (true for the diffusion part;
 * the jump factors only oscillate below their running maximum). */

typedef struct fourier_ctx {
    const vr_cf_spec *cf;
    double k;      /* ln(K/F) */
    double alpha;  /* primary contour Im z = alpha */
    double s2;     /* control-variate total variance */
    int gil;       /* 1: fallback integrand */
    long nevals, max_evals;
    int bad;       /* a non-finite cf value was met */
    double bad_u;
} fourier_ctx;

static double complex ctx_log_cf(fourier_ctx *c, double complex u, int *ok)
{
    double complex e;
    c->nevals++;
    if (c->cf->log_cf(c->cf->ctx, u, &e) != 0 || !isfinite(creal(e)) || !isfinite(cimag(e))) {
        *ok = 0;
        return 0.0;
    }
    *ok = 1;
    return e;
}

/* log of the primary integrand's size at u = 0, +inf if alpha is not usable. */
static double alpha_cost(fourier_ctx *c, double alpha)
{
    if (!(alpha > c->cf->alpha_min && alpha < c->cf->alpha_max))
        return INFINITY;
    int ok;
    const double complex e = ctx_log_cf(c, -I * alpha, &ok);
    if (!ok || fabs(cimag(e)) > 1e-6 * (1.0 + fabs(creal(e))))
        return INFINITY; /* a real moment must come out real */
    const double lm = creal(e), lb = 0.5 * c->s2 * alpha * (alpha - 1.0);
    const double hi = fmax(lm, lb);
    const double r = (1.0 - alpha) * c->k + hi + log1p(exp(fmin(lm, lb) - hi)) -
                     log(fabs(alpha * (alpha - 1.0)));
    return isfinite(r) ? r : INFINITY;
}

/* Golden-section minimum of the (convex) cost on [lo, hi]. */
static double golden_min(fourier_ctx *c, double lo, double hi, double *best_cost)
{
    const double gr = 0.5 * (sqrt(5.0) - 1.0);
    double x1 = hi - gr * (hi - lo), x2 = lo + gr * (hi - lo);
    double f1 = alpha_cost(c, x1), f2 = alpha_cost(c, x2);
    for (int it = 0; it < 24 && hi - lo > 1e-3 * (1.0 + fabs(lo)); it++) {
        if (f1 <= f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - gr * (hi - lo);
            f1 = alpha_cost(c, x1);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + gr * (hi - lo);
            f2 = alpha_cost(c, x2);
        }
    }
    *best_cost = f1 <= f2 ? f1 : f2;
    return f1 <= f2 ? x1 : x2;
}

static void choose_alpha(fourier_ctx *c)
{
    double best = 0.5, best_cost = alpha_cost(c, 0.5);
    /* the side where e^{(1-alpha)k} shrinks: alpha > 1 for k > 0 (OTM call), alpha < 0 else */
    const double eps = 0.05;
    double lo, hi;
    if (c->k >= 0) {
        lo = 1.0 + eps;
        hi = fmin(c->cf->alpha_max, 1.0 + 64.0) - 1e-9;
    } else {
        lo = fmax(c->cf->alpha_min, -64.0) + 1e-9;
        hi = -eps;
    }
    if (lo < hi) {
        double cst;
        const double a = golden_min(c, lo, hi, &cst);
        if (cst < best_cost) {
            best = a;
            best_cost = cst;
        }
    }
    c->alpha = best;
}

/* The integrand at u and an envelope that bounds its size.
 * Primary: Re[pre (psi - psi_BS)], pre = -e^{(iu-alpha+1)k}/(z (z - i)), z = u + i alpha, psi
 * taken at -conj(z) = -u - i alpha (i.e. conj of the cf at u - i alpha); env = |pre| (|psi| +
 * |psi_BS|), psi_BS(w) = exp(-s2 (w^2 + i w)/2). Exponents are added before exponentiating, so
 * a large moment times a small e^{(1-alpha)k} does not overflow.
 * Fallback: Im[e^{-iuk} (psi(u - i) - e^k psi(u))]/u, env = (|psi(u - i)| + e^k |psi(u)|)/u. */
static double fourier_integrand(fourier_ctx *c, double u, double *env)
{
    int ok1, ok2 = 1;
    if (c->gil) {
        const double complex l1 = ctx_log_cf(c, u - I, &ok1);
        const double complex l2 = ctx_log_cf(c, u, &ok2);
        if (!(ok1 && ok2)) {
            c->bad = 1;
            c->bad_u = u;
            *env = 0.0;
            return 0.0;
        }
        const double complex t1 = cexp(l1 - I * u * c->k);
        const double complex t2 = cexp(l2 + (1.0 - I * u) * c->k);
        *env = (cabs(t1) + cabs(t2)) / u;
        return cimag(t1 - t2) / u;
    }
    const double complex w = u - I * c->alpha;
    const double complex z = u + I * c->alpha;
    const double complex lpsi = conj(ctx_log_cf(c, w, &ok1));
    if (!ok1) {
        c->bad = 1;
        c->bad_u = u;
        *env = 0.0;
        return 0.0;
    }
    const double complex lbs = conj(-0.5 * c->s2 * (w * w + I * w));
    const double complex lpre = (I * u - c->alpha + 1.0) * c->k;
    const double complex den = z * (z - I);
    const double complex a = cexp(lpre + lpsi) / den, b = cexp(lpre + lbs) / den;
    *env = cabs(a) + cabs(b);
    return -creal(a - b);
}


/* One 15-point rule on [a, b]: returns the Kronrod value, *err = |Kronrod - Gauss| (a plain,
 * deliberately pessimistic estimate for smooth integrands), *envmax = max of env * u^p with
 * p = 2 (primary) or 0 (fallback). */
static double gk15(fourier_ctx *c, double a, double b, double *err, double *envmax)
{
    const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
    const int pw = c->gil ? 0 : 2;
    double env;
    double fc = fourier_integrand(c, mid, &env);
    double em = env * (pw ? mid * mid : 1.0);
    double rk = fc * vr_gk15_wk[7], rg = fc * vr_gk15_wg[3];
    for (int j = 0; j < 7; j++) {
        const double dx = half * vr_gk15_x[j];
        double e1, e2;
        const double u1 = mid - dx, u2 = mid + dx;
        const double f1 = fourier_integrand(c, u1, &e1);
        const double f2 = fourier_integrand(c, u2, &e2);
        rk += vr_gk15_wk[j] * (f1 + f2);
        if (j & 1)
            rg += vr_gk15_wg[j / 2] * (f1 + f2);
        if (pw) {
            e1 *= u1 * u1;
            e2 *= u2 * u2;
        }
        em = fmax(em, fmax(e1, e2));
    }
    *err = fabs((rk - rg) * half);
    *envmax = em;
    return rk * half;
}

#define FOURIER_MAX_DEPTH 40

/* Adaptive bisection on [a, b]: a panel is accepted when its error is below tol scaled by its
 * share of the segment, so the segment error stays below tol. Iterative with an explicit stack.
 * Returns 0, or -1 (budget or depth exhausted, or a non-finite cf value). */
static int adapt_segment(fourier_ctx *c, double a, double b, double tol, double *sum,
                         double *envmax, double *errsum)
{
    struct { double a, b; int depth; } stack[FOURIER_MAX_DEPTH + 4];
    int top = 0;
    const double len = b - a;
    stack[top].a = a;
    stack[top].b = b;
    stack[top].depth = 0;
    top++;
    *sum = 0.0;
    *envmax = 0.0;
    while (top > 0) {
        top--;
        const double pa = stack[top].a, pb = stack[top].b;
        const int depth = stack[top].depth;
        double err, em;
        const double r = gk15(c, pa, pb, &err, &em);
        if (c->bad)
            return -1;
        if (err <= tol * (pb - pa) / len || depth >= FOURIER_MAX_DEPTH) {
            if (err > tol * (pb - pa) / len)
                return -1;
            *sum += r;
            *errsum += err;
            *envmax = fmax(*envmax, em);
            continue;
        }
        if (c->nevals > c->max_evals)
            return -1;
        const double m = 0.5 * (pa + pb);
        stack[top].a = m; stack[top].b = pb; stack[top].depth = depth + 1; top++;
        stack[top].a = pa; stack[top].b = m; stack[top].depth = depth + 1; top++;
    }
    return 0;
}

/* int_0^inf of the integrand to absolute tolerance tol; *errest = sum of panel estimates plus
 * the tail bound. Returns 0, or -1 with why[] filled. */
static int fourier_integral(fourier_ctx *c, double tol, double *out, double *errest, char *why,
                            size_t nwhy)
{
    /* (an infinite ln(K/F), from K/F past the doubles' range, or a tolerance that overflowed would
     * leave no interval to integrate: say which, rather than "did not reach inf on [0, 0]") */
    if (!isfinite(c->k) || !(tol > 0 && isfinite(tol))) {
        snprintf(why, nwhy, !isfinite(c->k) ? "the log-moneyness ln(K/F) = %g is not finite (K/F beyond the "
                 "range of a double)" : "the tolerance %g is not a finite positive number (the price's scale "
                 "is beyond the range of a double)", !isfinite(c->k) ? c->k : tol);
        return -1;
    }
    const double s = sqrt(c->s2);
    double b = 1.0 / s;
    const double per = 2.0 * M_PI / fmax(fabs(c->k), 1e-300);
    if (b > per)
        b = per;
    double a = 0.0, total = 0.0, errs = 0.0;
    const double seg_tol = 0.25 * tol;
    for (int seg = 0; seg < 100; seg++) {
        double sum, em;
        if (adapt_segment(c, a, b, seg_tol, &sum, &em, &errs) != 0) {
            if (c->bad)
                snprintf(why, nwhy, "characteristic function not finite at u = %g%s", c->bad_u,
                         c->gil ? " (real axis or Im u = -1)" : "");
            else
                snprintf(why, nwhy, "quadrature did not reach %.3g on [%g, %g] within %ld cf "
                         "evaluations", seg_tol, a, b, c->nevals);
            return -1;
        }
        total += sum;
        const double tail = c->gil ? em * b : em / b;
        if (seg >= 1 && tail < seg_tol) {
            *out = total;
            *errest = errs + tail;
            return 0;
        }
        a = b;
        b *= 2.0;
    }
    snprintf(why, nwhy, "integrand not below %.3g by u = %g", seg_tol, a);
    return -1;
}

vr_status vr_fourier_european(const vr_cf_spec *cf, double spot, double rate, double dividend,
                              double strike, int is_call, vr_fourier_method method, double *price,
                              vr_fourier_info *info, vr_err *err)
{
    if (cf == NULL || cf->log_cf == NULL || price == NULL)
        return vr_fail(err, VR_EINVAL, "fourier: NULL characteristic function or output pointer");
    const char *desc = cf->desc ? cf->desc : "model";
    if (!(spot > 0 && isfinite(spot)))
        return vr_fail(err, VR_EINVAL, "analytic: spot must be finite and > 0 (got %g)", spot);
    if (!(strike > 0 && isfinite(strike)))
        return vr_fail(err, VR_EINVAL, "analytic: strike must be finite and > 0 (got %g)", strike);
    if (!(cf->tau > 0 && isfinite(cf->tau)))
        return vr_fail(err, VR_EINVAL, "analytic: tau must be finite and > 0 years (got %g)",
                       cf->tau);
    if (!isfinite(rate))
        return vr_fail(err, VR_EINVAL, "analytic: rate must be finite (got %g)", rate);
    if (!isfinite(dividend))
        return vr_fail(err, VR_EINVAL, "analytic: dividend must be finite (got %g)", dividend);
    if (!(cf->variance > 0 && isfinite(cf->variance)) || !(cf->alpha_min <= 0) ||
        !(cf->alpha_max >= 1))
        return vr_fail(err, VR_EINVAL, "fourier: %s: variance %g must be > 0 and the moment "
                       "strip [%g, %g] must contain [0, 1]", desc, cf->variance, cf->alpha_min,
                       cf->alpha_max);
    const double tau = cf->tau;
    const double df = exp(-rate * tau);
    const double fwd = spot * exp((rate - dividend) * tau);
    const double k = log(strike / fwd);
    const double tol_price = 1e-10 * spot;
    /* aim 10x below the 1e-10 S contract; the integral is in units of F/pi, discounted */
    const double tol_int = 0.1 * tol_price / (df * fwd / M_PI);
    const double pv_s = spot * exp(-dividend * tau), pv_k = strike * df;
    const double lower = is_call ? fmax(pv_s - pv_k, 0.0) : fmax(pv_k - pv_s, 0.0);
    const double upper = is_call ? pv_s : pv_k;
    /* rounding noise of a few tol_price may push a deep-ITM/OTM price past a bound: clamp that,
     * but a larger violation means the integral is wrong */
    const double slack = 10.0 * tol_price;

    char why[2][200] = {"not tried", "not tried"};
    double alpha = 0.5;
    long nev[2] = {0, 0};
    for (int m = 0; m < 2; m++) {
        if ((m == 0 && method == VR_FOURIER_GIL_PELAEZ) || (m == 1 && method == VR_FOURIER_CONTOUR))
            continue;
        fourier_ctx c = {.cf = cf, .k = k, .s2 = cf->variance, .gil = m, .max_evals = 400000};
        double pr;
        if (m == 0) {
            choose_alpha(&c);
            alpha = c.alpha;
        }
        double integral, errest;
        if (fourier_integral(&c, tol_int, &integral, &errest, why[m], sizeof why[m]) != 0) {
            nev[m] = c.nevals;
            continue;
        }
        nev[m] = c.nevals;
        if (m == 0) {
            /* c - c_BS = p - p_BS: the Black-Scholes price of the requested side plus the
             * shared correction (vr_bs_price computes its OTM side directly) */
            const double sig_cv = sqrt(c.s2 / tau);
            pr = vr_bs_price(spot, strike, rate, dividend, sig_cv, tau, is_call) +
                 df * fwd / M_PI * integral;
        } else {
            /* the out-of-the-money side from the integral, the other by parity */
            const double otm_call = k >= 0;
            const double half = 0.5 * -expm1(k); /* (1 - e^k)/2 */
            const double und = otm_call ? half + integral / M_PI : -half + integral / M_PI;
            const double otm = df * fwd * und;
            if (is_call == otm_call)
                pr = otm;
            else
                pr = is_call ? otm + (pv_s - pv_k) : otm - (pv_s - pv_k);
        }
        if (!isfinite(pr) || pr < lower - slack || pr > upper + slack) {
            snprintf(why[m], sizeof why[m], "price %.10g outside the no-arbitrage bounds "
                     "[%.10g, %.10g]", pr, lower, upper);
            continue;
        }
        *price = fmin(fmax(pr, lower), upper);
        if (info != NULL) {
            info->method = m == 0 ? VR_FOURIER_CONTOUR : VR_FOURIER_GIL_PELAEZ;
            info->alpha = m == 0 ? alpha : 0.0;
            info->nevals = nev[0] + nev[1];
            info->error = df * fwd / M_PI * errest;
        }
        return VR_OK;
    }
    return vr_fail(err, VR_ENUM,
                   "analytic: %s %s S=%g K=%g tau=%g r=%g q=%g: no price to %g; contour "
                   "(alpha %g, strip [%g, %g]): %s; Gil-Pelaez: %s",
                   desc, is_call ? "call" : "put", spot, strike, tau, rate, dividend, tol_price,
                   alpha, cf->alpha_min, cf->alpha_max, why[0], why[1]);
}

vr_status vr_analytic_european(vr_model_type t, const vr_sv_params *p, double spot, double rate,
                               double dividend, double v, double strike, double tau, int is_call,
                               double *price, vr_err *err)
{
    if (p == NULL || price == NULL)
        return vr_fail(err, VR_EINVAL, "analytic: NULL parameter set or output pointer");
    if (!(spot > 0 && isfinite(spot)))
        return vr_fail(err, VR_EINVAL, "analytic: spot must be finite and > 0 (got %g)", spot);
    if (!(strike > 0 && isfinite(strike)))
        return vr_fail(err, VR_EINVAL, "analytic: strike must be finite and > 0 (got %g)", strike);
    vr_affine_cf m;
    vr_cf_spec spec;
    vr_status st = vr_affine_cf_init(&m, t, p, v, tau, &spec, err);
    if (st != VR_OK)
        return st;
    return vr_fourier_european(&spec, spot, rate, dividend, strike, is_call, VR_FOURIER_AUTO,
                               price, NULL, err);
}

/* ---------------------------------------------------------------------------------------------
 * Black-Scholes. */

static double norm_cdf(double x) { return 0.5 * erfc(-x * M_SQRT1_2); }

/* Undiscounted Black call on forward f, strike k (lfk = log(f / k): the implied-vol solver's
 * iterations share it), total volatility w = sigma sqrt(tau). */
static double black_call_l(double f, double k, double lfk, double w)
{
    if (!(w > 0))
        return fmax(f - k, 0.0);
    const double d1 = lfk / w + 0.5 * w;
    return f * norm_cdf(d1) - k * norm_cdf(d1 - w);
}

static double black_call(double f, double k, double w) { return black_call_l(f, k, log(f / k), w); }

double vr_bs_price(double spot, double strike, double rate, double dividend, double sigma,
                   double tau, int is_call)
{
    if (!(tau > 0))
        return is_call ? fmax(spot - strike, 0.0) : fmax(strike - spot, 0.0);
    const double df = exp(-rate * tau);
    const double f = spot * exp((rate - dividend) * tau);
    const double w = sigma > 0 ? sigma * sqrt(tau) : 0.0;
    /* OTM side computed directly, the other by parity; for the put, the direct formula is
     * K N(-d2) - F N(-d1), the undiscounted call with (f, k) mirrored in sign. */
    double c;
    if (is_call)
        c = black_call(f, strike, w);
    else if (!(w > 0))
        c = fmax(strike - f, 0.0);
    else {
        const double d1 = log(f / strike) / w + 0.5 * w;
        c = strike * norm_cdf(-(d1 - w)) - f * norm_cdf(-d1);
    }
    return df * c;
}

/* Implied volatility. Work with the out-of-the-money option of the pair (the other one converted
 * by parity), undiscounted and in total volatility w. The price is increasing in w, so a bracket
 * [lo, hi] is kept and Newton steps on log(price) -- well scaled even for far-OTM prices with
 * tiny vega -- are accepted only inside it; otherwise the step bisects. */
double vr_bs_implied_vol(double price, double spot, double strike, double rate, double dividend,
                         double tau, int is_call)
{
    if (!(tau > 0 && spot > 0 && strike > 0 && isfinite(price) && isfinite(spot) &&
          isfinite(strike) && isfinite(rate) && isfinite(dividend) && isfinite(tau)))
        return NAN;
    const double df = exp(-rate * tau);
    const double f = spot * exp((rate - dividend) * tau);
    const double k = strike;
    const double und = price / df;
    /* bounds for the undiscounted price */
    const double lower = is_call ? fmax(f - k, 0.0) : fmax(k - f, 0.0);
    const double upper = is_call ? f : k;
    if (!(und >= lower && und < upper))
        return NAN;
    /* OTM call (k >= f) or OTM put (k < f), expressed as a call on (f, k) or put */
    double target;
    int otm_call = k >= f;
    if (otm_call)
        target = is_call ? und : und - (k - f); /* C = P + f - k */
    else
        target = is_call ? und - (f - k) : und; /* P = C - f + k */
    if (!(target > 0))
        return 0.0;

    /* otm value as a function of w: call for k >= f, put otherwise (put = call - f + k); the
     * logs of f / k and of the target are the same at every iteration: taken once (a third of a
     * table build's logs), the same values */
    const double lfk = log(f / k), ltarget = log(target);
#define OTM_VALUE(w) (otm_call ? black_call_l(f, k, lfk, (w)) : black_call_l(f, k, lfk, (w)) - f + k)
    double lo = 0.0, hi = 1.0;
    while (OTM_VALUE(hi) < target) {
        lo = hi;
        hi *= 2.0;
        if (hi > 64.0)
            return NAN; /* price indistinguishable from the upper bound */
    }
    /* start at the inflection point sqrt(2|ln f/k|) if it lies in the bracket */
    double w = sqrt(2.0 * fabs(lfk));
    if (!(w > lo && w < hi))
        w = 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
        const double val = OTM_VALUE(w);
        if (val > target)
            hi = w;
        else
            lo = w;
        const double d1 = lfk / w + 0.5 * w;
        const double vega = f * exp(-0.5 * d1 * d1) / sqrt(2.0 * M_PI); /* d val / d w */
        double wn;
        if (val > 0 && vega > 0)
            wn = w - (log(val) - ltarget) * val / vega;
        else
            wn = 0.5 * (lo + hi);
        if (!(wn > lo && wn < hi))
            wn = 0.5 * (lo + hi);
        if (fabs(wn - w) <= 1e-15 * w || hi - lo <= 1e-15 * hi) {
            w = wn;
            break;
        }
        w = wn;
    }
#undef OTM_VALUE
    return w / sqrt(tau);
}
