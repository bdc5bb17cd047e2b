/* calib_internal.h: what both physical-parameter fits share (calib.c for the one-factor models,
 * calib_svcj2.c for svcj2; docs/calibration.md): the checks of their common options and the
 * moving-block bootstrap.
 *
 * A replication resamples the n transitions (t = 1..n, transition t going from day t-1 to day t)
 * as consecutive blocks of L, each starting at a uniform position in 1..n-L+1, concatenated until
 * n are drawn (the last block cut short); states and labels stay those of the full series. The
 * block starts come from splitmix64, whose statistical quality is ample for this and whose stream
 * is fixed by the seed, so the bootstrap standard errors are reproducible bit for bit. The
 * standard error of each parameter is the sample standard deviation over the replications that
 * could be estimated. Static inline: two callers, no exported symbol. */
#ifndef VIXRISK_CALIB_INTERNAL_H
#define VIXRISK_CALIB_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_status.h"

/* The options both fits take, for n observations: n >= 100, dt in (0, 1], the jump threshold in
 * [2, 20], the local window in [5, 252] days, and at most 100000 bootstrap replications with
 * blocks of 1..n/2 days. VR_EINVAL naming the option after `who` ("calibrate: ..."). */
static inline vr_status vr_calib_check_opts(const vr_calib_opts *o, size_t n, const char *who,
                                            vr_err *err)
{
    if (n < 100)
        return vr_fail(err, VR_EINVAL, "%s: %zu observations, need at least 100", who, n);
    if (!(o->dt > 0 && o->dt <= 1))
        return vr_fail(err, VR_EINVAL, "%s: dt must be in (0, 1] (got %g)", who, o->dt);
    if (!(o->jump_k >= 2 && o->jump_k <= 20))
        return vr_fail(err, VR_EINVAL, "%s: jump threshold must be in [2, 20] (got %g)", who,
                       o->jump_k);
    if (o->local_window < 5 || o->local_window > 252)
        return vr_fail(err, VR_EINVAL, "%s: local window must be in [5, 252] (got %zu)", who,
                       o->local_window);
    if (o->bootstrap > 100000 || (o->bootstrap > 0 && (o->block_len < 1 || o->block_len > n / 2)))
        return vr_fail(err, VR_EINVAL,
                       "%s: bootstrap %zu replications with block %zu: need <= 100000 and "
                       "1 <= block <= n/2 = %zu (n = %zu observations in the window)", who,
                       o->bootstrap, o->block_len, n / 2, n);
    return VR_OK;
}

/* splitmix64: advances *s and returns the next output. */
static inline uint64_t vr_calib_splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* One replication's transitions: idx[0..n) in blocks of L (1 <= L <= n), starts drawn from *s. */
/* The parameters a rule set instead of the data (calib.c): res->few_jumps, the jump sizes, when
 * the window had fewer than 2 jump days; res->at_floor when the size spread was floored;
 * res->few_vjumps, svcj2's intensity (lambda0, lambda1), when the v rule labelled fewer than 2
 * days. vr_calib_rule_se_nan then makes their standard errors NAN. */
void vr_calib_rule_masks(vr_model_type t, int few_jumps, int at_floor, int few_vjumps,
                         vr_calib_result *res);
void vr_calib_rule_se_nan(vr_calib_result *res);

static inline void vr_calib_block_indices(size_t *idx, size_t n, size_t L, uint64_t *s)
{
    size_t k = 0;
    while (k < n) {
        const size_t start = 1 + (size_t)(vr_calib_splitmix(s) % (uint64_t)(n - L + 1));
        for (size_t j = 0; j < L && k < n; j++)
            idx[k++] = start + j;
    }
}

/* sd[j] = sample standard deviation of column j of boot (nrep >= 2 rows of ncol, row-major). */
static inline void vr_calib_boot_sd(const double *boot, size_t nrep, int ncol, double *sd)
{
    for (int j = 0; j < ncol; j++) {
        double mu = 0, q = 0;
        for (size_t b = 0; b < nrep; b++)
            mu += boot[b * (size_t)ncol + (size_t)j];
        mu /= (double)nrep;
        for (size_t b = 0; b < nrep; b++)
            q += (boot[b * (size_t)ncol + (size_t)j] - mu) * (boot[b * (size_t)ncol + (size_t)j] - mu);
        sd[j] = sqrt(q / (double)(nrep - 1));
    }
}

/* Standard errors of the co-jump regression z = mu_s + rho_j z_v + e on the nj jump days (z the
 * day's log return, z_v its variance jump; moments over those days: variances vz and vv, covariance
 * czv, mean mv): OLS errors with the residual's own variance, vz - 2 rho czv + rho^2 vv (rho as
 * fitted, possibly capped). The residual holds the day's diffusive move besides the jump's own
 * spread sigma_s; the errors once used sigma_s alone, whose estimate subtracts that share and
 * sits at its floor of 0.001 when the diffusion explains the spread, which put the QML error of
 * rho_j 57 times below the bootstrap's (svcj, 2018-2020). */
static inline void vr_calib_cojump_se(double vz, double vv, double czv, double mv, double rho, double nn,
                                      double *se_rho, double *se_mu_s)
{
    const double res = vz - 2.0 * rho * czv + rho * rho * vv;
    const double s2 = res > 0 ? res : 0.0;
    *se_rho = vv > 0 ? sqrt(s2 / (vv * nn)) : NAN;
    *se_mu_s = sqrt(s2 / nn + mv * mv * *se_rho * *se_rho);
}

#endif
