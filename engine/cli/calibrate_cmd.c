/* calibrate_cmd.c: `vixrisk calibrate`, physical-parameter estimation from daily history and
 * the realism report (simulated versus historical statistics). Parses the options, loads the
 * history (vr_history.h), calls vr_calib_fit / vr_realism_* (vr_calib.h), prints the summary and
 * writes the model file. Exit codes: 0 ok, 1 runtime failure, 2 usage error; --help to stdout.
 * The model file (-o) and the realism table (--report) are checked before the history is read and
 * written through vr_outfile (temporary + rename; never over an input or a non-regular file). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_config.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_term.h"
#include "cli.h"

#define CAL_EXIT_USAGE 2
#define CAL_MAX_REALISM 8

static void cal_usage(FILE *out)
{
    fprintf(out,
            "usage: vixrisk calibrate --model heston|bates|svcj|svcj2 [--data DIR] [--from YYYY-MM-DD]\n"
            "                         [--to YYYY-MM-DD] [-o MODEL.yaml] [options]\n"
            "       vixrisk calibrate --realism MODEL.yaml [--realism MODEL2.yaml ...] [--data DIR]\n"
            "                         [--from ..] [--to ..] [--paths N] [--years Y] [--report FILE]\n"
            "       vixrisk calibrate --model M --measure pricing [--start MODEL.yaml] [--fit P,..]\n"
            "                         [--rounds R] [-o MODEL.yaml]\n"
            "\n"
            "Estimates the physical parameters of a model from daily SPX and VIX closes\n"
            "(method: docs/calibration.md), prints the estimates with standard errors (QML\n"
            "sandwich and block bootstrap) and writes a model file (docs/config.md) with\n"
            "pricing = physical. With --realism, simulates each model file and prints simulated\n"
            "against historical statistics (VIX percentiles, spikes, second legs, SPX tails, and\n"
            "by VIX bucket futures/VIX, VIX3M/VIX, VVIX) as a table with pass/fail gates. With\n"
            "--measure pricing, also fits the pricing parameters to VIX9D/VIX3M/VIX6M, the listed\n"
            "VIX futures and VVIX, and writes both measures. svcj2 (two variance factors) filters\n"
            "each day's (v, m) from its VIX and VIX3M, so its sample is the days with a VIX3M.\n"
            "\n"
            "  --data DIR            directory with spx_daily.csv, vix_daily.csv [, vix3m_daily.csv]\n"
            "                        (default: $VIXRISK_DATA, else ../shared/data)\n"
            "  --model M             a model type (heston, bates, svcj, ...)\n"
            "  --measure physical|pricing  pricing: also fit the pricing parameters (needs\n"
            "                        vix3m_daily.csv, vvix_daily.csv, the futures files)\n"
            "  --start FILE          pricing: physical parameters and the pricing start from FILE\n"
            "                        (no physical fit; any model type)\n"
            "  --fit P1,P2,..        pricing: parameters to fit (default: all that move the loss)\n"
            "  --every K             pricing: every K-th usable day enters the fit, [1, 1000];\n"
            "                        at least 10 days must enter it (default 5)\n"
            "  --vvix-days N         pricing: VVIX days per VIX bucket, [0, 1000] (default 3)\n"
            "  --max-eval N          pricing: loss evaluations of the optimiser, [10, 1e5]; checked\n"
            "                        between its steps, so the last step may pass it by a few\n"
            "                        (default 800)\n"
            "  --v-anchor W          pricing, svcj2: weight of (ln(mean v / target))^2 in the loss,\n"
            "                        target the realised SPX variance less its jump part,\n"
            "                        [0, 1e6], 0 = off (default 1)\n"
            "  --cap NAME=HI         pricing: upper end of NAME's search range (repeatable)\n"
            "  --pricing-from FILE   svcj2 (required): the pricing set of this svcj2 model file\n"
            "                        filters (v, m); without --measure pricing it is written as\n"
            "                        the file's pricing set, with it it starts the pricing fit\n"
            "  --rounds R            pricing, svcj2: at most R rounds of (pricing fit, refilter,\n"
            "                        physical fit), [1, 50] (default 1); stops at a fixed point\n"
            "  --tol X               pricing, svcj2: a fixed point when a round moves no physical\n"
            "                        and no pricing parameter by more than X relative,\n"
            "                        [1e-12, 1]\n"
            "                        (default 1e-3); warns when --rounds end without one\n"
            "  --fixed-tie           pricing, svcj2: every round's pricing fit keeps round 1's\n"
            "                        tied parameters (diffusion, SPX jump law), ridge centre\n"
            "                        and state anchor target\n"
            "  --reach-penalty W     pricing, svcj2: add W x (share of fit days outside the\n"
            "                        model's reach) to the loss, [0, 1e6], 0 = off (default 0)\n"
            "  --floored keep|drop   svcj2: drop leaves out of the physical fit every transition\n"
            "                        that touches a day outside the model's reach (a floored\n"
            "                        factor), within the m step for m (default keep)\n"
            "  --from D, --to D      window of dates, inclusive (default: all shared dates);\n"
            "                        each end given must lie within the dates SPX and VIX\n"
            "                        share (an end outside them is refused, not clipped);\n"
            "                        the physical fit needs at least 100 daily observations\n"
            "  -o, --out FILE        write the calibrated model file\n"
            "  --proxy               v = (VIX/100)^2 instead of inverting VIX^2 = a + b v\n"
            "  --jump-threshold K    jump rule: |return| > K local sds, [2, 20] (default 4)\n"
            "  --window N            days of the local (bipower) sd, [5, 252] (default 21)\n"
            "  --bootstrap N         block-bootstrap replications, 0 = off (default 200)\n"
            "  --block N             bootstrap block length in days, [1, 2520] and at most\n"
            "                        half the window's days (default 21)\n"
            "  --seed S              bootstrap / simulation seed (default 1)\n"
            "  --rate R              rate written to the model file, [-1, 1] (default 0.03)\n"
            "  --dividend Q          dividend yield written to the model file, [-1, 1] (default 0.015)\n"
            "  --realism FILE        realism report for this model file (repeatable, up to %d)\n"
            "  --paths N             realism: simulated paths, [1, 100000] (default 2000)\n"
            "  --years Y             realism: years per path, [0.1, 50] with the burn-in at most 50 (default 10)\n"
            "  --burn-in Y           realism: years dropped at the start, [0, 50] (default 1)\n"
            "  --threads T           realism and the pricing fit: OpenMP threads, 0 = default\n"
            "                        (default 0)\n"
            "  --report FILE         realism: also write the table (markdown) to FILE\n"
            "  --pricing-states F,V  realism: states per VIX bucket priced for the futures and\n"
            "                        VVIX rows (default 300,40; fewer for the slow svcj2)\n"
            "  -h, --help            this help\n"
            "\n"
            "-o and --report take a file, or a directory (existing, or ending in '/') to write\n"
            "<model>.yaml or realism.md in; they are checked before the history is read.\n",
            CAL_MAX_REALISM);
    vr_cli_help_footer(out);
}

static int cal_bad(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "vixrisk calibrate: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n(see vixrisk calibrate --help)\n");
    return CAL_EXIT_USAGE;
}

/* A decimal number in [lo, hi], read as `price`, the configs and the data files read numbers
 * (vr_parse_decimal: strtod alone took "0x.08" for 0.03125 and " 1e-3" with its blank); one too
 * small or too large for a double (1e-400, 1e999) is refused, not rounded into the range. -0 is
 * 0: the model file and `model` printed "rate: -0". */
static int cal_double(const char *opt, const char *s, double lo, double hi, double *out)
{
    double x = 0;
    const int rc = vr_parse_decimal(s, &x);
    if (rc != 1 || x < lo || x > hi) {
        fprintf(stderr, "vixrisk calibrate: %s: expected a number in [%g, %g], got '%s'%s\n", opt,
                lo, hi, s, rc == 0 ? " (decimal digits: no hex, blanks, inf or nan)" : "");
        return 0;
    }
    *out = x + 0.0;
    return 1;
}

static int cal_size(const char *opt, const char *s, unsigned long long lo, unsigned long long hi,
                    unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    if (!(s[0] >= '0' && s[0] <= '9')) { /* (strtoull would skip blanks and wrap " -1" to 2^64 - 1) */
        fprintf(stderr, "vixrisk calibrate: %s: expected an integer in [%llu, %llu], got '%s'\n",
                opt, lo, hi, s);
        return 0;
    }
    const unsigned long long x = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || x < lo || x > hi) {
        fprintf(stderr, "vixrisk calibrate: %s: expected an integer in [%llu, %llu], got '%s'\n",
                opt, lo, hi, s);
        return 0;
    }
    *out = x;
    return 1;
}

enum {
    OPT_DATA = 256, OPT_MODEL, OPT_FROM, OPT_TO, OPT_PROXY, OPT_JK, OPT_WINDOW, OPT_BOOT,
    OPT_BLOCK, OPT_SEED, OPT_RATE, OPT_DIV, OPT_REALISM, OPT_PATHS, OPT_YEARS, OPT_BURN,
    OPT_THREADS, OPT_REPORT, OPT_MEASURE, OPT_FIT, OPT_EVERY, OPT_VVIXD, OPT_START, OPT_ROUNDS,
    OPT_PFROM, OPT_PSTATES, OPT_MAXEVAL, OPT_ANCHOR, OPT_TOL, OPT_FIXTIE, OPT_FLOORED, OPT_REACH, OPT_CAP
};

/* svcj2: the window's days that have a VIX3M (its states need both indices), compacted. */
typedef struct cal_days2 {
    size_t n, dropped;
    double *spx, *vix, *vix3m;
    size_t *row; /* history row of each kept day */
    vr_sv_params filter; /* the pricing set of --pricing-from: the first filter, the pricing start */
} cal_days2;

static void cal_days2_free(cal_days2 *d)
{
    free(d->spx);
    free(d->vix);
    free(d->vix3m);
    free(d->row);
    memset(d, 0, sizeof *d);
}

static vr_status cal_days2_make(const vr_history *h, size_t i0, size_t i1, cal_days2 *d,
                                vr_err *err)
{
    memset(d, 0, sizeof *d);
    const size_t n = i1 - i0;
    d->spx = malloc(n * sizeof *d->spx);
    d->vix = malloc(n * sizeof *d->vix);
    d->vix3m = malloc(n * sizeof *d->vix3m);
    d->row = malloc(n * sizeof *d->row);
    if (!d->spx || !d->vix || !d->vix3m || !d->row)
        return vr_fail(err, VR_ENOMEM, "calibrate: %zu days", n);
    for (size_t t = i0; t < i1; t++) {
        if (!(h->vix3m[t] > 0)) {
            d->dropped++;
            continue;
        }
        d->spx[d->n] = h->spx[t];
        d->vix[d->n] = h->vix[t];
        d->vix3m[d->n] = h->vix3m[t];
        d->row[d->n] = t;
        d->n++;
    }
    if (d->n < 100) {
        char a[16], b[16], f[16] = "";
        vr_history_format_date(h->date[i0], a);
        vr_history_format_date(h->date[i1 - 1], b);
        /* the hint says why the days are missing: a window that is short, one that starts before
         * the VIX3M history does, or gaps inside it */
        size_t first = 0; /* the history's first VIX3M close */
        while (first < h->n && !(h->vix3m[first] > 0))
            first++;
        char hint[160];
        if (d->dropped == 0)
            snprintf(hint, sizeof hint, "the window is too short; give a longer one");
        else if (first >= h->n)
            snprintf(hint, sizeof hint, "the data has no VIX3M close (vix3m_daily.csv)");
        else if (first > i0 && (first >= i1 || first - i0 == d->dropped))
            snprintf(hint, sizeof hint, "the VIX3M history starts on %s; use --from then or later",
                     vr_history_format_date(h->date[first], f));
        else
            snprintf(hint, sizeof hint, "%zu of the window's days lack a VIX3M close", d->dropped);
        return vr_fail(err, VR_EINVAL,
                       "calibrate: svcj2 needs VIX3M: the window %s..%s has %zu days with a VIX3M "
                       "close, need at least 100 (%s)",
                       a, b, d->n, hint);
    }
    return VR_OK;
}

/* The command line as one string (for the report and the model file's header). */
static void cal_cmdline(int argc, char **argv, char *buf, size_t cap)
{
    size_t k = (size_t)snprintf(buf, cap, "vixrisk");
    for (int i = 0; i < argc && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, " %s", argv[i]);
}

/* Largest |a - b| / (|a| + |b|) over the svcj2 parameters (the alternation's report). */
static double cal_s2_change(const vr_svcj2_params *a, const vr_svcj2_params *b)
{
    const double *x = (const double *)a, *y = (const double *)b;
    double mx = 0;
    for (size_t i = 0; i < sizeof *a / sizeof(double); i++) {
        const double s = fabs(x[i]) + fabs(y[i]), c = s > 0 ? fabs(x[i] - y[i]) / s : 0;
        if (c > mx)
            mx = c;
    }
    return mx;
}

/* svcj2's default pricing fit: kappa_v, kappa_m, theta, lambda0, lambda1, mu_v (the order of
 * the parameter table, vr_model_params.h) */
#define VR_S2_PRICING_FIT_MASK (0x7ul | (0x7ul << 6))
/* sigma_v, sigma_m, rho */
#define VR_S2_DIFFUSION_MASK (0x7ul << 3)

/* The pricing start: the parameters the fit moves from `pricing`, every other one from the
 * physical estimate. */
/* The anchor of svcj2's backed-out v: the realised SPX variance less the physical jumps' share,
 * (lambda0 + lambda1 mean v) E[Z_s^2], Z_s | Z_v ~ N(mu_s + rho_j Z_v, sigma_s^2), Z_v ~ Exp(mu_v);
 * at least half the realised variance. */
static double v_anchor(const vr_calib_result *res)
{
    const vr_svcj2_params *p = &res->est.s2;
    const double ez2 = p->sigma_s * p->sigma_s + p->mu_s * p->mu_s +
                       2.0 * p->mu_s * p->rho_j * p->mu_v + 2.0 * p->rho_j * p->rho_j * p->mu_v * p->mu_v;
    const double jv = (p->lambda0 + p->lambda1 * res->mean_v) * ez2;
    return fmax(0.5 * res->realized_var, res->realized_var - jv);
}

static vr_sv_params tie_params(const vr_sv_params *pricing, const vr_sv_params *physical,
                               unsigned long fit_mask)
{
    const vr_model_def *md = vr_model_def_of(VR_MODEL_SVCJ2);
    vr_sv_params out = *physical;
    for (int i = 0; i < md->nparams; i++)
        if (fit_mask & (1ul << i))
            vr_param_set(&out, &md->params[i], vr_param_get(pricing, &md->params[i]));
    return out;
}

/* The pricing measure: the fit days of [i0, i1) (VIX family and futures), the pricing fit started
 * at the physical estimates, then the physical fit again with the variance backed out through the
 * calibrated pricing coefficients (the VIX is a pricing-measure quantity), and the state of the
 * last day under the pricing parameters. */
static vr_status cal_pricing(const char *data, const vr_history *h, size_t i0, size_t i1,
                             vr_calib_opts *co, vr_calib_result *res, unsigned long fit_mask,
                             size_t every, size_t vvix_days, int threads, int max_eval,
                             double w_anchor, double w_reach, const double *caps,
                             const vr_sv_params *start, vr_pfit_result *pres, double *x_last,
                             const cal_days2 *d2, int rounds, int fixed_tie, double tol,
                             double *round_change, double *pricing_change, int *rounds_done,
                             int *converged, vr_err *err)
{
    vr_status st = VR_OK;
    vr_futures fu;
    memset(&fu, 0, sizeof fu);
    vr_pfit_day *days = NULL;
    if ((st = vr_futures_load(data, &fu, err)) != VR_OK)
        return st;
    const size_t n = i1 - i0;
    days = calloc(n, sizeof *days);
    if (!days) {
        st = vr_fail(err, VR_ENOMEM, "calibrate: %zu days", n);
        goto done;
    }
    for (size_t t = i0; t < i1; t++) {
        vr_pfit_day *d = &days[t - i0];
        d->date = h->date[t];
        d->vix = h->vix[t];
        d->idx[0] = h->vix9d[t];
        d->idx[1] = h->vix3m[t];
        d->idx[2] = h->vix6m[t];
        d->vvix = h->vvix[t];
        d->cm[0] = d->cm[1] = NAN;
        const long q = vr_futures_find(&fu, h->date[t]);
        if (q < 0)
            continue;
        d->cm[0] = vr_futures_cm(&fu, (size_t)q, VR_CM_DAYS_1, h->vix[t]);
        d->cm[1] = vr_futures_cm(&fu, (size_t)q, VR_CM_DAYS_2, h->vix[t]);
        const int nf = fu.count[q] < VR_PFIT_MAXF ? fu.count[q] : VR_PFIT_MAXF;
        for (int k = 0; k < nf; k++) {
            d->fut_T[k] = (double)vr_date_diff(h->date[t], fu.expiry[(size_t)q * VR_FUT_MAX +
                                                                      (size_t)k]) / 365.0;
            d->fut[k] = fu.settle[(size_t)q * VR_FUT_MAX + (size_t)k];
        }
        d->nfut = nf;
    }
    vr_pfit_opts po;
    vr_sv_params s2start;
    if (d2 && !start) {
        /* svcj2: the pricing fit moves the drifts and the jump intensity and size of v (the
         * risk premia the VIX family identifies); the rest equals the physical estimate. The
         * diffusion coefficients (sigma_v, sigma_m, rho) are the same under both measures
         * (Girsanov); the SPX jump law (mu_s, sigma_s, rho_j) would need SPX options, which the
         * data lack: fitted to the VIX family alone it drifts to signs no SPX skew has. */
        if (fit_mask == 0)
            fit_mask = VR_S2_PRICING_FIT_MASK;
        /* from the --pricing-from set where that combination is a valid set, else from the
         * physical estimate (no risk premium) */
        s2start = tie_params(&d2->filter, &res->est, fit_mask);
        if (vr_sv_params_validate(co->type, &s2start, "pricing", NULL, NULL) != VR_OK)
            s2start = res->est;
    }
    vr_pfit_opts_default(&po, co->type, start ? start : d2 ? &s2start : &res->est);
    po.fit_mask = fit_mask;
    if (d2 && !start) {
        po.w_v = w_anchor;
        po.w_reach = w_reach;
        po.v_target = v_anchor(res);
    }
    po.every = every;
    po.vvix_per_bucket = vvix_days;
    po.threads = threads;
    po.max_eval = max_eval;
    memcpy(po.cap_hi, caps, sizeof po.cap_hi);
    fprintf(stderr, "vixrisk calibrate: pricing fit of %s (%s)\n", vr_model_type_name(co->type),
            fu.source);
    if ((st = vr_pricing_fit(days, n, &po, pres, err)) != VR_OK)
        goto done;
    vr_pfit_print(stdout, pres);
    const vr_model_ops *ops = vr_model_ops_get(co->type);
    if (d2 && !start) {
        /* svcj2: the filter needs the pricing parameters and the pricing fit starts at (and is
         * ridged towards) the physical ones: alternate a fixed number of rounds, each one
         * refiltering (v, m) with the round's pricing set and re-estimating the physical set;
         * the next round's pricing fit starts at the previous pricing estimate */
        /* --fixed-tie: the parameters the pricing fit does not move (the diffusion coefficients
         * and the SPX jump law) stay those of the first physical estimate, and the ridge stays on
         * round 1's start, in every round. Passing each round's physical estimate on made the
         * pricing fit chase the physical fit's noise: on states filtered with a fitted pricing
         * set m is floored on 17-48% of the days and the physical sigma_m moved between 0.37 and
         * 2.2 from rounds whose pricing sets differed by 5% (docs/calibration.md). The state
         * anchor's target (the realised variance less the physical jumps' part) is round 1's too:
         * it depends on the physical jump estimates, and with it every round's loss moved with
         * the physical fit (with --floored drop the alternation cycled between two states, the
         * target alternating 0.02688, 0.02661). Only so does every round fit the same loss. */
        const vr_sv_params phys0 = res->est, centre = po.start;
        const double target0 = po.v_target;
        for (int round = 1; round <= rounds; round++) {
            if (round > 1) {
                const vr_sv_params pprev = pres->est;
                const vr_sv_params prev = tie_params(&pres->est, fixed_tie ? &phys0 : &res->est,
                                                     fit_mask);
                vr_pfit_opts_default(&po, co->type, &prev);
                po.fit_mask = fit_mask;
                po.every = every;
                po.vvix_per_bucket = vvix_days;
                po.threads = threads;
                po.max_eval = max_eval;
                memcpy(po.cap_hi, caps, sizeof po.cap_hi);
                po.w_v = w_anchor;
                po.w_reach = w_reach;
                po.v_target = fixed_tie ? target0 : v_anchor(res);
                if (fixed_tie)
                    po.ridge_centre = &centre;
                if ((st = vr_pricing_fit(days, n, &po, pres, err)) != VR_OK)
                    goto done;
                *pricing_change = cal_s2_change(&pprev.s2, &pres->est.s2);
                fprintf(stdout, "\nround %d: pricing fit (largest relative change of a pricing "
                        "parameter: %.3g)\n", round, *pricing_change);
                vr_pfit_print(stdout, pres);
            }
            const vr_svcj2_params before = res->est.s2;
            co->pricing = &pres->est;
            vr_calib_result_free(res);
            st = vr_calib_fit2(d2->spx, d2->vix, d2->vix3m, d2->n, co, res, err);
            co->pricing = NULL;
            if (st != VR_OK)
                goto done;
            *round_change = cal_s2_change(&before, &res->est.s2);
            *rounds_done = round;
            fprintf(stdout, "\nround %d: physical parameters on (v, m) filtered with the pricing "
                    "set (largest relative change of a physical parameter: %.3g):\n", round,
                    *round_change);
            vr_calib_print(stdout, res);
            /* a fixed point: neither the physical set nor (after round 1) the pricing set moved
             * by more than tol in this round */
            if (round > 1 && *round_change < tol && *pricing_change < tol) {
                *converged = 1;
                fprintf(stdout, "\nalternation: fixed point after %d rounds (largest relative "
                        "change %.3g physical, %.3g pricing; tolerance %g)\n", round,
                        *round_change, *pricing_change, tol);
                break;
            }
        }
        if (!*converged && rounds > 1)
            fprintf(stderr, "vixrisk calibrate: WARNING: the svcj2 alternation reached no fixed "
                    "point in %d round%s (the last round moved a physical parameter by %.3g and a "
                    "pricing parameter by %.3g, tolerance %g): the estimates depend on the round "
                    "count%s\n", rounds, rounds == 1 ? "" : "s", *round_change, *pricing_change,
                    tol, fixed_tie ? "" : " (see --fixed-tie)");
        /* the diffusion coefficients equal the final physical ones (they do not enter the VIX
         * indices' coefficients, so the filtered states stay those of the last round; the SPX
         * jump law does enter them, through the jump's log-contract term, and keeps the value
         * the last pricing fit used); with --fixed-tie the pricing set is written as fitted, its
         * diffusion coefficients those of the first physical estimate */
        if (!fixed_tie) {
            pres->est = tie_params(&pres->est, &res->est, ~VR_S2_DIFFUSION_MASK);
            /* the diffusion coefficients move the futures' convexity and VVIX: the errors the
             * model file states are those of the set it holds, not of the set the fit found */
            vr_pfit_result wr;
            po.start = pres->est;
            po.evaluate_only = 1;
            if ((st = vr_pricing_fit(days, n, &po, &wr, err)) != VR_OK)
                goto done;
            wr.start = pres->start;
            wr.fit_mask = pres->fit_mask;
            wr.evals = pres->evals;
            wr.converged = pres->converged;
            *pres = wr;
            fprintf(stdout, "\nthe pricing set written (diffusion coefficients sigma_v, sigma_m "
                    "and rho from the last physical fit; loss without the ridge):\n");
            vr_pfit_print(stdout, pres);
        }
        x_last[0] = res->v_last;
        x_last[1] = res->m_last;
        goto done;
    }
    if (start) {
        /* physical parameters given (--start): not re-estimated */
        vr_state_from_term(ops, &pres->est, h->vix[i1 - 1], h->vix3m[i1 - 1], x_last);
        goto done;
    }
    /* physical parameters again, on the variance backed out with the pricing coefficients */
    const vr_vix_coef c30 = ops->vix_coef(&pres->est, VR_VIX_TAU_30D);
    co->coef = &c30;
    vr_calib_result_free(res);
    st = vr_calib_fit(h->spx + i0, h->vix + i0, n, co, res, err);
    co->coef = NULL;
    if (st != VR_OK)
        goto done;
    fprintf(stdout, "\nphysical parameters on the variance backed out with the pricing "
            "coefficients:\n");
    vr_calib_print(stdout, res);
    vr_state_from_term(ops, &pres->est, h->vix[i1 - 1], h->vix3m[i1 - 1], x_last);
done:
    free(days);
    vr_futures_free(&fu);
    return st;
}

int vr_cmd_calibrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"model", required_argument, NULL, OPT_MODEL},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"out", required_argument, NULL, 'o'},
        {"proxy", no_argument, NULL, OPT_PROXY},
        {"jump-threshold", required_argument, NULL, OPT_JK},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"bootstrap", required_argument, NULL, OPT_BOOT},
        {"block", required_argument, NULL, OPT_BLOCK},
        {"seed", required_argument, NULL, OPT_SEED},
        {"rate", required_argument, NULL, OPT_RATE},
        {"dividend", required_argument, NULL, OPT_DIV},
        {"realism", required_argument, NULL, OPT_REALISM},
        {"paths", required_argument, NULL, OPT_PATHS},
        {"years", required_argument, NULL, OPT_YEARS},
        {"burn-in", required_argument, NULL, OPT_BURN},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"report", required_argument, NULL, OPT_REPORT},
        {"measure", required_argument, NULL, OPT_MEASURE},
        {"fit", required_argument, NULL, OPT_FIT},
        {"every", required_argument, NULL, OPT_EVERY},
        {"vvix-days", required_argument, NULL, OPT_VVIXD},
        {"max-eval", required_argument, NULL, OPT_MAXEVAL},
        {"v-anchor", required_argument, NULL, OPT_ANCHOR},
        {"cap", required_argument, NULL, OPT_CAP},
        {"tol", required_argument, NULL, OPT_TOL},
        {"fixed-tie", no_argument, NULL, OPT_FIXTIE},
        {"floored", required_argument, NULL, OPT_FLOORED},
        {"reach-penalty", required_argument, NULL, OPT_REACH},
        {"start", required_argument, NULL, OPT_START},
        {"rounds", required_argument, NULL, OPT_ROUNDS},
        {"pricing-from", required_argument, NULL, OPT_PFROM},
        {"pricing-states", required_argument, NULL, OPT_PSTATES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *model = NULL, *out = NULL, *report = NULL;
    const char *realism[CAL_MAX_REALISM];
    size_t nreal = 0;
    int32_t from = 0, to = 0;
    int have_model = 0, pricing = 0;
    const char *fit_list = NULL, *start_file = NULL, *pfrom = NULL;
    size_t pf_every = 5, pf_vvix = 3, pf_max_eval = 800;
    double pf_anchor = 1.0;
    int anchor_given = 0;
    double pf_reach = 0;
    const char *cap_args[VR_PFIT_MAXP];
    int ncap = 0;
    double caps[VR_PFIT_MAXP] = {0};
    int rounds = 0; /* 0: not given (1 for svcj2) */
    double tol = 1e-3;
    int fixed_tie = 0, rounds_done = 0, alt_converged = 0;
    double pricing_change = NAN;
    vr_calib_opts co;
    vr_calib_opts_default(&co, VR_MODEL_HESTON);
    double rate = 0.03, dividend = 0.015;
    vr_realism_sim rs = {.paths = 2000, .years = 10, .burn_in = 1, .seed = 1, .threads = 0,
                         .fut_states = 300, .vvix_states = 40};
    unsigned long long u;
    int c;
    char cmdline[2048];
    cal_cmdline(argc, argv, cmdline, sizeof cmdline);
    optind = 0; /* full reset of getopt (GNU) */
    opterr = 0;
    unsigned char seen[OPT_CAP - OPT_DATA + 1] = {0}; /* the long options given */
    unsigned char once[VR_CLI_SEEN] = {0}; /* (vr_cli_once) */
    static const int repeatable[] = {OPT_REALISM, OPT_CAP, 0};
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        if (!vr_cli_once("calibrate", longopts, c, once, repeatable))
            return CAL_EXIT_USAGE;
        if (c >= OPT_DATA && c <= OPT_CAP)
            seen[c - OPT_DATA] = 1;
        switch (c) {
        case OPT_DATA:
            if (!vr_cli_parse_data("calibrate", optarg))
                return CAL_EXIT_USAGE;
            data = optarg;
            break;
        case OPT_MODEL: {
            model = optarg;
            const vr_model_def *md = vr_model_def_find(optarg);
            if (!md) {
                char names[256];
                size_t k = 0;
                names[0] = '\0';
                for (int i = 0; i < vr_model_def_count() && k < sizeof names; i++)
                    k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "",
                                          vr_model_def_at(i)->name);
                return cal_bad("--model: expected one of %s, got '%s'", names, optarg);
            }
            co.type = md->type;
            have_model = 1;
            break;
        }
        case OPT_MEASURE:
            if (strcmp(optarg, "physical") == 0)
                pricing = 0;
            else if (strcmp(optarg, "pricing") == 0)
                pricing = 1;
            else
                return cal_bad("--measure: expected physical or pricing, got '%s'%s", optarg, "");
            break;
        case OPT_FIT: fit_list = optarg; break;
        case OPT_START: start_file = optarg; break;
        case OPT_PFROM: pfrom = optarg; break;
        case OPT_PSTATES: {
            /* F,V: futures and VVIX states per VIX bucket */
            char *end = NULL;
            errno = 0;
            const unsigned long f = strtoul(optarg, &end, 10);
            unsigned long w = 0;
            int ok = optarg[0] >= '0' && optarg[0] <= '9' && end && *end == ',' && errno == 0;
            if (ok) {
                const char *q = end + 1;
                w = strtoul(q, &end, 10);
                ok = q[0] >= '0' && q[0] <= '9' && *end == '\0' && errno == 0;
            }
            if (!ok || f < 1 || f > 100000 || w > f)
                return cal_bad("--pricing-states: expected F,V with 1 <= F <= 100000 and 0 <= V <= "
                               "F (states per VIX bucket priced for futures and VVIX), got '%s'%s",
                               optarg, "");
            rs.fut_states = (size_t)f;
            rs.vvix_states = (size_t)w;
            break;
        }
        case OPT_ROUNDS:
            if (!cal_size("--rounds", optarg, 1, 50, &u))
                return CAL_EXIT_USAGE;
            rounds = (int)u;
            break;
        case OPT_TOL:
            if (!cal_double("--tol", optarg, 1e-12, 1, &tol))
                return CAL_EXIT_USAGE;
            break;
        case OPT_FIXTIE: fixed_tie = 1; break;
        case OPT_FLOORED:
            if (strcmp(optarg, "keep") == 0)
                co.floored = VR_CALIB_FLOORED_KEEP;
            else if (strcmp(optarg, "drop") == 0)
                co.floored = VR_CALIB_FLOORED_DROP;
            else
                return cal_bad("--floored: expected keep or drop, got '%s'%s", optarg, "");
            break;
        case OPT_EVERY:
            if (!cal_size("--every", optarg, 1, 1000, &u))
                return CAL_EXIT_USAGE;
            pf_every = (size_t)u;
            break;
        case OPT_VVIXD:
            if (!cal_size("--vvix-days", optarg, 0, 1000, &u))
                return CAL_EXIT_USAGE;
            pf_vvix = (size_t)u;
            break;
        case OPT_MAXEVAL:
            if (!cal_size("--max-eval", optarg, 10, 100000, &u))
                return CAL_EXIT_USAGE;
            pf_max_eval = (size_t)u;
            break;
        case OPT_ANCHOR:
            if (!cal_double("--v-anchor", optarg, 0, 1e6, &pf_anchor))
                return CAL_EXIT_USAGE;
            anchor_given = 1;
            break;
        case OPT_REACH:
            if (!cal_double("--reach-penalty", optarg, 0, 1e6, &pf_reach))
                return CAL_EXIT_USAGE;
            break;
        case OPT_CAP:
            if (ncap >= VR_PFIT_MAXP)
                return cal_bad("--cap: at most %s%s caps", "16", "");
            cap_args[ncap++] = optarg;
            break;
        case OPT_FROM:
        case OPT_TO: {
            int32_t d;
            const int drc = vr_history_parse_iso_date(optarg, &d);
            if (drc != 0) {
                fprintf(stderr, "vixrisk calibrate: %s: expected %s, got '%s'\n(see vixrisk calibrate --help)\n",
                        c == OPT_FROM ? "--from" : "--to", vr_history_date_expected(drc), optarg);
                return CAL_EXIT_USAGE;
            }
            if (c == OPT_FROM)
                from = d;
            else
                to = d;
            break;
        }
        case 'o': out = optarg; break;
        case OPT_PROXY: co.invert = 0; break;
        case OPT_JK:
            if (!cal_double("--jump-threshold", optarg, 2, 20, &co.jump_k))
                return CAL_EXIT_USAGE;
            break;
        case OPT_WINDOW:
            if (!cal_size("--window", optarg, 5, 252, &u))
                return CAL_EXIT_USAGE;
            co.local_window = (size_t)u;
            break;
        case OPT_BOOT:
            if (!cal_size("--bootstrap", optarg, 0, 100000, &u))
                return CAL_EXIT_USAGE;
            co.bootstrap = (size_t)u;
            break;
        case OPT_BLOCK:
            if (!cal_size("--block", optarg, 1, 2520, &u))
                return CAL_EXIT_USAGE;
            co.block_len = (size_t)u;
            break;
        case OPT_SEED:
            if (!cal_size("--seed", optarg, 0, UINT64_MAX, &u))
                return CAL_EXIT_USAGE;
            co.seed = rs.seed = (uint64_t)u;
            break;
        case OPT_RATE:
            if (!cal_double("--rate", optarg, -1, 1, &rate))
                return CAL_EXIT_USAGE;
            break;
        case OPT_DIV:
            if (!cal_double("--dividend", optarg, -1, 1, &dividend))
                return CAL_EXIT_USAGE;
            break;
        case OPT_REALISM:
            if (nreal == CAL_MAX_REALISM)
                return cal_bad("--realism: at most %s model files%s", "8", "");
            realism[nreal++] = optarg;
            break;
        case OPT_PATHS:
            if (!cal_size("--paths", optarg, 1, 100000, &u))
                return CAL_EXIT_USAGE;
            rs.paths = (size_t)u;
            break;
        case OPT_YEARS:
            if (!cal_double("--years", optarg, 0.1, VR_REALISM_MAX_YEARS, &rs.years))
                return CAL_EXIT_USAGE;
            break;
        case OPT_BURN:
            if (!cal_double("--burn-in", optarg, 0, VR_REALISM_MAX_YEARS, &rs.burn_in))
                return CAL_EXIT_USAGE;
            break;
        case OPT_THREADS:
            if (!cal_size("--threads", optarg, 0, VR_CLI_MAX_THREADS, &u))
                return CAL_EXIT_USAGE;
            rs.threads = (int)u;
            break;
        case OPT_REPORT: report = optarg; break;
        case 'h': cal_usage(stdout); return 0;
        case ':':
            return cal_bad("%s: missing value%s", argv[optind - 1], "");
        default:
            return cal_bad("unknown option '%s'%s", argv[optind - 1], "");
        }
    }
    if (optind < argc)
        return cal_bad("unexpected argument '%s'%s", argv[optind], "");
    if (start_file && !pricing)
        return cal_bad("--start needs --measure pricing%s%s", "", "");
    if (start_file && nreal == 0 && !have_model) {
        /* the model type comes from the file */
        vr_model tmp;
        vr_err e0 = {0};
        if (vr_model_load(start_file, &tmp, &e0) != VR_OK)
            return cal_bad("--start: %s%s", e0.msg, "");
        co.type = tmp.type;
        have_model = 1;
    }
    if (nreal == 0 && !have_model)
        return cal_bad("--model heston|bates|svcj|svcj2 (or --realism FILE, or --start FILE with "
                       "--measure pricing) is required%s%s", "", "");
    if (nreal > 0 && (have_model || out))
        return cal_bad("--realism cannot be combined with --model / --out%s%s", "", "");
    if (report && nreal == 0)
        return cal_bad("--report needs --realism%s%s", "", "");
    if (from > 0 && to > 0 && from > to)
        return cal_bad("--from is after --to%s%s", "", "");
    if (co.bootstrap > 0 && co.block_len < 1)
        return cal_bad("--block must be >= 1%s%s", "", "");
    (void)model;
    if (!data)
        data = vr_history_default_dir();
    if (!data)
        return cal_bad("no data directory: give --data DIR or set VIXRISK_DATA%s%s", "", "");

    unsigned long fit_mask = 0;
    if (fit_list) {
        const vr_model_def *md = vr_model_def_of(co.type);
        char buf[512];
        snprintf(buf, sizeof buf, "%s", fit_list);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            int found = -1;
            for (int i = 0; md && i < md->nparams; i++)
                if (strcmp(md->params[i].name, tok) == 0)
                    found = i;
            if (found < 0)
                return cal_bad("--fit: '%s' is not a parameter of model %s", tok,
                               md ? md->name : "?");
            fit_mask |= 1ul << found;
        }
    }
    for (int k = 0; k < ncap; k++) {
        const vr_model_def *md = vr_model_def_of(co.type);
        char name[64];
        const char *eq = strchr(cap_args[k], '=');
        const size_t len = eq ? (size_t)(eq - cap_args[k]) : 0;
        if (!eq || len == 0 || len >= sizeof name)
            return cal_bad("--cap: expected NAME=VALUE (a parameter of the model and its upper "
                           "end in the pricing fit), got '%s'%s", cap_args[k], "");
        memcpy(name, cap_args[k], len);
        name[len] = '\0';
        int found = -1;
        for (int i = 0; md && i < md->nparams; i++)
            if (strcmp(md->params[i].name, name) == 0)
                found = i;
        if (found < 0)
            return cal_bad("--cap: '%s' is not a parameter of model %s", name, md ? md->name : "?");
        const vr_param_def *d = &md->params[found];
        char opt[80];
        snprintf(opt, sizeof opt, "--cap %s", name);
        if (!cal_double(opt, eq + 1, d->lo, d->hi, &caps[found]))
            return CAL_EXIT_USAGE; /* (its message said why: a second one contradicted it) */
        if (!(caps[found] > d->lo))
            return cal_bad("--cap %s: the cap must lie above the parameter's lower end%s", name, "");
    }
    if (ncap > 0 && !pricing)
        return cal_bad("--cap bounds the pricing fit: it needs --measure pricing%s%s", "", "");
    if (pricing && nreal > 0)
        return cal_bad("--measure pricing cannot be combined with --realism%s%s", "", "");
    {
        /* an option the chosen mode does not read is refused, not silently ignored */
        enum { FOR_REALISM, FOR_FIT, FOR_PRICING, FOR_SIM };
        static const struct { int opt, mode; const char *name; } only[] = {
            {OPT_PATHS, FOR_REALISM, "--paths"},       {OPT_YEARS, FOR_REALISM, "--years"},
            {OPT_BURN, FOR_REALISM, "--burn-in"},      {OPT_PSTATES, FOR_REALISM, "--pricing-states"},
            {OPT_PROXY, FOR_FIT, "--proxy"},           {OPT_JK, FOR_FIT, "--jump-threshold"},
            {OPT_WINDOW, FOR_FIT, "--window"},         {OPT_BOOT, FOR_FIT, "--bootstrap"},
            {OPT_BLOCK, FOR_FIT, "--block"},           {OPT_RATE, FOR_FIT, "--rate"},
            {OPT_DIV, FOR_FIT, "--dividend"},          {OPT_FIT, FOR_PRICING, "--fit"},
            {OPT_EVERY, FOR_PRICING, "--every"},       {OPT_VVIXD, FOR_PRICING, "--vvix-days"},
            {OPT_MAXEVAL, FOR_PRICING, "--max-eval"},  {OPT_THREADS, FOR_SIM, "--threads"},
        };
        for (size_t i = 0; i < sizeof only / sizeof only[0]; i++) {
            if (!seen[only[i].opt - OPT_DATA])
                continue;
            const int m = only[i].mode;
            if (m == FOR_REALISM && nreal == 0)
                return cal_bad("%s is an option of the realism report: it needs --realism FILE%s",
                               only[i].name, "");
            if (m == FOR_FIT && nreal > 0)
                return cal_bad("%s is an option of the calibration: --realism does not use it%s",
                               only[i].name, "");
            if (m == FOR_PRICING && !pricing)
                return cal_bad("%s is an option of the pricing fit: it needs --measure pricing%s",
                               only[i].name, "");
            if (m == FOR_SIM && nreal == 0 && !pricing)
                return cal_bad("%s sets the threads of the realism simulation and the pricing "
                               "fit: it needs --realism or --measure pricing%s", only[i].name, "");
        }
        if (fit_list && fit_mask == 0)
            return cal_bad("--fit: expected parameter names separated by commas, got '%s'%s",
                           fit_list, "");
        /* a path is the burn-in and the years kept, at most VR_REALISM_MAX_YEARS in all:
         * refused here, before the history is read and the first model simulated */
        char ys[VR_NUM_STR], bs[VR_NUM_STR];
        if (nreal > 0 && rs.years + rs.burn_in > VR_REALISM_MAX_YEARS)
            return cal_bad("--years %s: a simulated path is its years and the burn-in (%s), at most 50 "
                           "years in all (more --paths give a longer sample)",
                           vr_num_str(rs.years, ys), vr_num_str(rs.burn_in, bs));
        _Static_assert(VR_REALISM_MAX_YEARS == 50, "the message above and --help say 50");
    }
    const int two = nreal == 0 && co.type == VR_MODEL_SVCJ2;
    if (rounds > 0 && !(two && pricing && !start_file))
        return cal_bad("--rounds alternates the svcj2 filter and the pricing fit: it needs "
                       "--model svcj2 --measure pricing (without --start)%s%s", "", "");
    if ((seen[OPT_TOL - OPT_DATA] || fixed_tie) && !(two && pricing && !start_file))
        return cal_bad("--tol and --fixed-tie control the svcj2 alternation: they need --model "
                       "svcj2 --measure pricing (without --start)%s%s", "", "");
    if (seen[OPT_FLOORED - OPT_DATA] && !(two && !start_file))
        return cal_bad("--floored chooses what the svcj2 physical fit does with the days outside "
                       "the model's reach: it needs --model svcj2 (without --start or "
                       "--realism)%s%s", "", "");
    if (rounds == 0)
        rounds = 1;
    if (seen[OPT_REACH - OPT_DATA] && !(two && pricing && !start_file))
        return cal_bad("--reach-penalty charges the svcj2 pricing fit for the days it puts outside "
                       "the model's reach: it needs --model svcj2 --measure pricing (without "
                       "--start)%s%s", "", "");
    if (anchor_given && !(two && pricing && !start_file))
        return cal_bad("--v-anchor anchors the states of the svcj2 pricing fit: it needs --model "
                       "svcj2 --measure pricing (without --start)%s%s", "", "");
    if (pfrom && !(two && !start_file))
        return cal_bad("--pricing-from gives the svcj2 filter its pricing set: it needs --model "
                       "svcj2 (without --start)%s%s", "", "");
    if (two && !start_file && !pfrom)
        return cal_bad("--model svcj2 needs --pricing-from FILE: an svcj2 model file whose pricing "
                       "set filters (v, m) from VIX and VIX3M (and starts the pricing fit with "
                       "--measure pricing), e.g. configs/models/svcj2_example.yaml%s%s", "", "");
    if (two && !co.invert)
        return cal_bad("--proxy: svcj2 filters its two factors from VIX and VIX3M exactly; the "
                       "proxy v = (VIX/100)^2 is for one-factor models%s%s", "", "");

    /* outputs checked before any work; inputs are every data file the fits and the realism rows
     * read (the daily closes with VIX9D, VIX6M and VVIX, the futures files: vr_cli_data_files)
     * and the model files named (-o over vvix_daily.csv used to replace it after the fit) */
    static char csvbuf[VR_CLI_NDATA_FILES][4096];
    const char *inputs[VR_CLI_NDATA_FILES + 2 + CAL_MAX_REALISM];
    int nin = 0;
    for (int k = 0; k < VR_CLI_NDATA_FILES; k++) {
        snprintf(csvbuf[k], sizeof csvbuf[k], "%s/%s", data, vr_cli_data_files[k]);
        inputs[nin++] = csvbuf[k];
    }
    for (size_t j = 0; j < nreal; j++)
        inputs[nin++] = realism[j];
    if (start_file)
        inputs[nin++] = start_file;
    if (pfrom)
        inputs[nin++] = pfrom;
    static vr_outfile of_model, of_report; /* 8 KiB each: not on the stack */
    char def_model[64];
    snprintf(def_model, sizeof def_model, "%s.yaml", vr_model_type_name(co.type));
    int prc;
    if (out && (prc = vr_cli_prepare_out(&of_model, "calibrate", out, def_model, inputs, nin)) != 0)
        return prc;
    if (report && (prc = vr_cli_prepare_out(&of_report, "calibrate", report, "realism.md", inputs, nin)) != 0)
        return prc;

    /* the files the measure needs: a usage error (exit 2) naming the file, before any work */
    {
        static const char *const need_phys[] = {"spx_daily.csv", "vix_daily.csv"};
        static const char *const need_pricing[] = {"vix3m_daily.csv", "vvix_daily.csv"};
        char pbuf[4096];
        for (size_t k = 0; k < 2; k++) {
            snprintf(pbuf, sizeof pbuf, "%s/%s", data, need_phys[k]);
            if (access(pbuf, R_OK) != 0)
                return cal_bad("%s: cannot read (%s): every calibration needs it", pbuf,
                               strerror(errno));
        }
        if (two) {
            snprintf(pbuf, sizeof pbuf, "%s/vix3m_daily.csv", data);
            if (access(pbuf, R_OK) != 0)
                return cal_bad("%s: cannot read (%s): svcj2 filters (v, m) from VIX and VIX3M",
                               pbuf, strerror(errno));
        }
        if (pricing) {
            for (size_t k = 0; k < 2; k++) {
                snprintf(pbuf, sizeof pbuf, "%s/%s", data, need_pricing[k]);
                if (access(pbuf, R_OK) != 0)
                    return cal_bad("%s: cannot read (%s): --measure pricing needs it", pbuf,
                                   strerror(errno));
            }
            char p2[4096];
            snprintf(pbuf, sizeof pbuf, "%s/vix_futures_contracts.csv", data);
            snprintf(p2, sizeof p2, "%s/vix_futures_term_structure.csv", data);
            if (access(pbuf, R_OK) != 0 && access(p2, R_OK) != 0)
                return cal_bad("%s and %s: neither can be read: --measure pricing needs the "
                               "VIX futures", pbuf, p2);
        }
    }
    int rc = 0;
    vr_err err = {0};
    vr_status st;
    vr_history h;
    memset(&h, 0, sizeof h);
    vr_calib_result res;
    memset(&res, 0, sizeof res);
    vr_realism_stats *cols = NULL;
    vr_futures fut;
    memset(&fut, 0, sizeof fut);
    double *cm1 = NULL, *cm2 = NULL;
    vr_pfit_result pres;
    memset(&pres, 0, sizeof pres);
    char reach[512] = ""; /* the last day outside the model's reach under the pricing parameters */
    double x_last[VR_FACTORS_MAX] = {0};
    cal_days2 d2;
    memset(&d2, 0, sizeof d2);
    double round_change = NAN;
    if ((st = vr_history_load(data, &h, &err)) != VR_OK)
        goto fail;
    size_t i0, i1;
    if ((st = vr_history_window(&h, from, to, &i0, &i1, &err)) != VR_OK)
        goto fail;
    char d0[16], d1[16];
    vr_history_format_date(h.date[i0], d0);
    vr_history_format_date(h.date[i1 - 1], d1);
    fprintf(stderr, "vixrisk calibrate: %s: %zu days %s..%s (%zu dates in only one of SPX/VIX "
            "were dropped over the whole files)\n",
            data, i1 - i0, d0, d1, h.gaps_reported);
    /* A two-factor state (v0, m0) is backed out of the VIX and the VIX3M of the window's last
     * day, the day whose SPX close is the file's spot. Without a VIX3M there, --start left m0 at
     * 0 and v0 from the VIX alone, and the svcj2 filter (which drops such days) took the state
     * from an earlier day than the spot; either was written without a word. Refused, as
     * `model --asof` refuses the day, before any fit (a window without any VIX3M close is left to
     * the svcj2 filter's own message, which says where vix3m_daily.csv starts). */
    if (nreal == 0 && vr_model_ops_get(co.type)->nfactors > 1 && !(h.vix3m[i1 - 1] > 0)) {
        size_t b = i1 - 1;
        while (b > i0 && !(h.vix3m[b - 1] > 0))
            b--;
        if (b > i0 || start_file) {
            char hint[96] = "; the window has no day with both";
            if (b > i0) {
                char db[16];
                vr_history_format_date(h.date[b - 1], db);
                snprintf(hint, sizeof hint, "; the last one before it is %s (--to %s)", db, db);
            }
            st = vr_fail(&err, VR_EINVAL,
                         "%s, the window's last day, has no close in %s/vix3m_daily.csv: %s has %d "
                         "variance factors, identified from VIX and VIX3M, and the model file's "
                         "spot, v0 and m0 all come from that day; end the window on a day with "
                         "both indices%s", d1, data, vr_model_type_name(co.type),
                         vr_model_ops_get(co.type)->nfactors, hint);
            goto fail;
        }
    }

    if (nreal > 0) {
        cols = calloc(nreal + 1, sizeof *cols);
        const char *names[CAL_MAX_REALISM + 1];
        char labels[CAL_MAX_REALISM + 1][96];
        if (!cols) {
            st = vr_fail(&err, VR_ENOMEM, "realism: columns");
            goto fail;
        }
        {
            /* the futures curve is optional here: without its files the futures rows are n/a.
             * A file that is there but cannot be read is an error like any other data file's
             * (it was a warning, and the report said "no futures files" with its 8 gates n/a) */
            char pc[4096], pt[4096];
            snprintf(pc, sizeof pc, "%s/vix_futures_contracts.csv", data);
            snprintf(pt, sizeof pt, "%s/vix_futures_term_structure.csv", data);
            if (access(pc, F_OK) != 0 && access(pt, F_OK) != 0) {
                fprintf(stderr, "vixrisk calibrate: no futures rows: neither %s nor %s exists\n",
                        pc, pt);
            } else if ((st = vr_futures_load(data, &fut, &err)) != VR_OK) {
                goto fail;
            }
            cm1 = malloc((i1 - i0) * sizeof *cm1);
            cm2 = malloc((i1 - i0) * sizeof *cm2);
            if (!cm1 || !cm2) {
                st = vr_fail(&err, VR_ENOMEM, "realism: futures");
                goto fail;
            }
            for (size_t t = i0; t < i1; t++) {
                const long q = fut.n ? vr_futures_find(&fut, h.date[t]) : -1;
                cm1[t - i0] = q < 0 ? NAN : vr_futures_cm(&fut, (size_t)q, VR_CM_DAYS_1, h.vix[t]);
                cm2[t - i0] = q < 0 ? NAN : vr_futures_cm(&fut, (size_t)q, VR_CM_DAYS_2, h.vix[t]);
            }
            const vr_realism_data rd = {i1 - i0, h.spx + i0, h.vix + i0, h.vix3m + i0,
                                        h.vvix + i0, cm1, cm2};
            if ((st = vr_realism_history_data(&rd, &cols[0], &err)) != VR_OK)
                goto fail;
        }
        snprintf(labels[0], sizeof labels[0], "history %s..%s", d0, d1);
        names[0] = labels[0];
        rs.span_years = cols[0].years;
        for (size_t j = 0; j < nreal; j++) {
            vr_model m;
            if ((st = vr_model_load(realism[j], &m, &err)) != VR_OK)
                goto fail;
            fprintf(stderr, "vixrisk calibrate: simulating %s (%zu paths x %g years)\n",
                    realism[j], rs.paths, rs.years);
            if ((st = vr_realism_simulate(&m, &rs, &cols[j + 1], &err)) != VR_OK)
                goto fail;
            const char *base = strrchr(realism[j], '/');
            snprintf(labels[j + 1], sizeof labels[j + 1], "%s", base ? base + 1 : realism[j]);
            names[j + 1] = labels[j + 1];
        }
        FILE *outs[2] = {stdout, NULL};
        if (report) {
            if ((st = vr_outfile_begin(&of_report, &err)) != VR_OK)
                goto fail;
            if ((outs[1] = fopen(of_report.tmp, "w")) == NULL) {
                st = vr_fail(&err, VR_EIO, "%s: cannot write: %s", of_report.final, strerror(errno));
                goto fail;
            }
        }
        for (int k = 0; k < 2; k++) {
            FILE *f = outs[k];
            if (!f)
                continue;
            fprintf(f, "Command: `%s`\n\n", cmdline);
            const int fails = vr_realism_print(f, names, cols, nreal + 1);
            fprintf(f, "\n* extremes: history = the whole sample; simulation = median over spans "
                    "of %.1f years (paths joined, and cut where a span ends), so both describe a "
                    "history of the same length. Simulation: %zu paths x %g years = %.0f simulated "
                    "years, daily QE steps, seed %llu, %g-year burn-in from each factor's mean "
                    "(v = theta*; svcj2's m = theta).\n",
                    rs.span_years, rs.paths, rs.years, (double)rs.paths * rs.years,
                    (unsigned long long)rs.seed, rs.burn_in);
            fprintf(f, "\nGates: a model value passes when it lies within the stated tolerance "
                    "of the history column (factor F: between history/F and history x F; "
                    "rising: the highest bucket's vol of log VIX changes above the lowest's). "
                    "%d gate%s failed over the %zu model column%s.\n",
                    fails, fails == 1 ? "" : "s", nreal, nreal == 1 ? "" : "s");
            fprintf(f, "\nPricing-measure rows. History: days of the window with data, per "
                    "bucket (<15, 15-20, 20-30, >=30): futures %zu/%zu/%zu/%zu (constant "
                    "maturity, linear in days to expiry between listed contracts, %s), VIX3M "
                    "%zu/%zu/%zu/%zu, VVIX %zu/%zu/%zu/%zu (from %d). Models: the states of "
                    "every 21st simulated day, the first %zu (futures) and %zu (VVIX) of each "
                    "bucket, priced with the pricing parameters through the model interface "
                    "(VVIX: 30-day log contract replicated from the model's VIX options).\n",
                    cols[0].fut_n[0], cols[0].fut_n[1], cols[0].fut_n[2], cols[0].fut_n[3],
                    fut.n ? fut.source : "no futures files", cols[0].v3m_n[0], cols[0].v3m_n[1],
                    cols[0].v3m_n[2], cols[0].v3m_n[3], cols[0].vvix_n[0], cols[0].vvix_n[1],
                    cols[0].vvix_n[2], cols[0].vvix_n[3], (int)VR_VVIX_FIRST_DATE, rs.fut_states,
                    rs.vvix_states);
        }
        if (outs[1]) {
            const int bad = ferror(outs[1]) | fclose(outs[1]);
            outs[1] = NULL;
            if (bad) {
                st = vr_fail(&err, VR_EIO, "%s: write failed: %s", of_report.final, strerror(errno));
                goto fail;
            }
            if ((st = vr_outfile_commit(&of_report, &err)) != VR_OK)
                goto fail;
            fprintf(stderr, "vixrisk calibrate: wrote %s\n", of_report.final);
        }
        goto finish;
    }

    vr_model sm;
    memset(&sm, 0, sizeof sm);
    if (start_file) {
        if ((st = vr_model_load(start_file, &sm, &err)) != VR_OK)
            goto fail;
        if (have_model && sm.type != co.type) {
            st = vr_fail(&err, VR_EINVAL, "--start %s is a %s model, --model says %s", start_file,
                         vr_model_type_name(sm.type), vr_model_type_name(co.type));
            goto fail;
        }
        co.type = sm.type;
        res.type = sm.type;
        res.est = sm.physical;
        fprintf(stdout, "physical parameters and the pricing start from %s\n", start_file);
    } else if (two) {
        {
            vr_model pm;
            if ((st = vr_model_load(pfrom, &pm, &err)) != VR_OK)
                goto fail;
            if (pm.type != VR_MODEL_SVCJ2) {
                st = vr_fail(&err, VR_EINVAL, "--pricing-from %s is a %s model; the svcj2 filter "
                             "needs an svcj2 pricing set", pfrom, vr_model_type_name(pm.type));
                goto fail;
            }
            if ((st = cal_days2_make(&h, i0, i1, &d2, &err)) != VR_OK)
                goto fail;
            d2.filter = pm.pricing;
        }
        co.pricing = &d2.filter;
        vr_history_format_date(h.date[d2.row[0]], d0);
        fprintf(stderr, "vixrisk calibrate: svcj2: %zu days with VIX3M from %s (%zu days of the "
                "window without one dropped)\n", d2.n, d0, d2.dropped);
        st = vr_calib_fit2(d2.spx, d2.vix, d2.vix3m, d2.n, &co, &res, &err);
        co.pricing = NULL;
        if (st != VR_OK)
            goto fail;
        fprintf(stdout, "(v, m) filtered with the pricing set of %s\n", pfrom);
        vr_calib_print(stdout, &res);
    } else {
        if ((st = vr_calib_fit(h.spx + i0, h.vix + i0, i1 - i0, &co, &res, &err)) != VR_OK)
            goto fail;
        if (!res.converged) {
            /* the estimate is the last iterate of an inversion that did not settle (on short
             * windows it can lock into a 2-cycle the damping does not break): which of the
             * alternating sets came out would depend on the iteration count */
            st = vr_fail(&err, VR_ENUM,
                         "%s on %s..%s (%zu days): the inversion VIX^2 = a + b v "
                         "reached no fixed point in %d iterations (last kappa %.4g, theta %.4g, "
                         "sigma %.4g still moving), so the estimates are not defined; use a "
                         "longer window or --proxy; nothing written",
                         vr_model_type_name(co.type), d0, d1, i1 - i0, res.iterations,
                         res.est.kappa, res.est.theta, res.est.sigma);
            goto fail;
        }
        vr_calib_print(stdout, &res);
    }
    if (pricing) {
        if ((st = cal_pricing(data, &h, i0, i1, &co, &res, fit_mask, pf_every, pf_vvix,
                              rs.threads, (int)pf_max_eval, pf_anchor, pf_reach, caps, start_file ? &sm.pricing : NULL, &pres, x_last,
                              two && !start_file ? &d2 : NULL, rounds, fixed_tie, tol,
                              &round_change, &pricing_change, &rounds_done, &alt_converged,
                              &err)) != VR_OK)
            goto fail;
        /* the state written is the last day's under the pricing parameters; where that day lies
         * outside the model's reach it is the nearest reachable state (a factor clamped at 0 or
         * the filter's floor), which gives another VIX than the day's: said here and in the
         * file (--start from 2025 wrote v0 0, m0 0, a model VIX 16.0 against 15.03, unsaid) */
        const vr_model_ops *ops = vr_model_ops_get(co.type);
        const vr_vix_coef c30 = ops->vix_coef(&pres.est, VR_VIX_TAU_30D);
        const double mv = vr_vix_level_x(&c30, x_last, ops->nfactors);
        double mv3 = NAN;
        int off = !(fabs(mv / h.vix[i1 - 1] - 1) <= 1e-6);
        if (ops->nfactors > 1) {
            const vr_vix_coef c93 = ops->vix_coef(&pres.est, VR_VIX_TAU_93D);
            mv3 = vr_vix_level_x(&c93, x_last, ops->nfactors);
            off |= !(fabs(mv3 / h.vix3m[i1 - 1] - 1) <= 1e-6);
        }
        if (off) {
            char xs[128] = "", m3[64] = "", r3[64] = "";
            for (int j = 0, q = 0; j < ops->nfactors && q >= 0 && (size_t)q < sizeof xs; j++)
                q += snprintf(xs + q, sizeof xs - (size_t)q, "%s%s0 = %.6g", j ? ", " : "",
                              ops->factor_names[j], x_last[j]);
            if (ops->nfactors > 1) {
                snprintf(r3, sizeof r3, ", VIX3M %.2f", h.vix3m[i1 - 1]);
                snprintf(m3, sizeof m3, ", VIX3M %.4f", mv3);
            }
            snprintf(reach, sizeof reach, "the last day, %s (VIX %.2f%s), lies outside the model's "
                     "reach under the pricing parameters: the state written (%s) is the nearest "
                     "reachable one, and gives VIX %.4f%s.", d1, h.vix[i1 - 1], r3, xs, mv, m3);
            fprintf(stderr, "vixrisk calibrate: WARNING: %s\n", reach);
        }
    }
    if (out) {
        char comment[8192];
        time_t now = time(NULL);
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%d", gmtime(&now));
        int k = snprintf(comment, sizeof comment,
                 "Calibrated %s model (%s), written %s by:\n"
                 "  %s\n"
                 "Data: %s, %zu days %s..%s.\n"
                 "Method: docs/calibration.md (variance %s, CIR Gaussian QML, jump threshold %g "
                 "local sds).\n"
                 "spot = last SPX close, v0 = variance on the last day; rate and dividend are "
                 "not estimated (options --rate, --dividend).",
                 vr_model_type_name(co.type),
                 pricing ? "physical parameters from daily history, pricing parameters from the "
                           "VIX term structure, futures and VVIX"
                         : "physical parameters from daily history",
                 when, cmdline, h.source, two && !start_file ? d2.n : i1 - i0, d0, d1,
                 two ? (pricing ? "(v, m) filtered from VIX and VIX3M with the calibrated pricing "
                                  "coefficients; QML of the Euler transitions of v and m"
                                : "(v, m) filtered from VIX and VIX3M with the pricing set of "
                                  "--pricing-from; QML of the Euler transitions of v and m")
                 : pricing ? "inverted from VIX^2 = a + b v with the calibrated pricing a, b"
                 : co.invert ? "inverted from VIX^2 = a + b v with the model's own a, b"
                             : "proxy v = (VIX/100)^2",
                 co.jump_k);
        char pd0[16] = "", pd1[16] = "", ri[VR_PFIT_NIDX + 2][16];
        if (pricing && k > 0 && (size_t)k < sizeof comment)
            k += snprintf(comment + k, sizeof comment - (size_t)k,
                          "\nPricing fit: %zu days %s..%s (every %zu-th usable day), loss %.4g; "
                          "RMS log errors: VIX %.4f, VIX9D %s, VIX3M %s, VIX6M %s, futures %s "
                          "(%zu prices), VVIX %s (%zu day%s); %zu days outside the model's "
                          "reach.%s",
                          pres.n_days, vr_history_format_date(pres.first_date, pd0),
                          vr_history_format_date(pres.last_date, pd1), pf_every, pres.loss, pres.rms_vix,
                          vr_pfit_rms_str(pres.rms_idx[0], pres.n_idx[0], ri[0]),
                          vr_pfit_rms_str(pres.rms_idx[1], pres.n_idx[1], ri[1]),
                          vr_pfit_rms_str(pres.rms_idx[2], pres.n_idx[2], ri[2]),
                          vr_pfit_rms_str(pres.rms_fut, pres.n_fut, ri[3]), pres.n_fut,
                          vr_pfit_rms_str(pres.rms_vvix, pres.n_vvix, ri[4]), pres.n_vvix,
                          pres.n_vvix == 1 ? "" : "s", pres.n_clamped,
                          /* (the console says so too; the file kept no trace of it) */
                          pres.converged ? "" : " NOT converged: the fit stopped at its evaluation "
                                                "limit (--max-eval).");
        if (reach[0] && k > 0 && (size_t)k < sizeof comment)
            k += snprintf(comment + k, sizeof comment - (size_t)k, "\nT%s", reach + 1);
        if (two && pricing && !start_file && k > 0 && (size_t)k < sizeof comment) {
            /* a pricing change exists from round 2 on (round 1 has no previous pricing set:
             * the file said 'a pricing parameter by nan' after one round) */
            char pch[64] = "";
            if (rounds_done > 1)
                snprintf(pch, sizeof pch, " and a pricing parameter by %.3g", pricing_change);
            k += snprintf(comment + k, sizeof comment - (size_t)k,
                          "\nAlternation (svcj2): %d round%s (at most %d) of pricing fit -> "
                          "refilter (v, m) -> physical fit%s; the last round moved a physical "
                          "parameter by at most %.3g%s (relative): %s (tolerance %g).%s",
                          rounds_done, rounds_done == 1 ? "" : "s", rounds,
                          fixed_tie ? ", tied parameters, ridge centre and anchor target held at "
                                      "round 1's (--fixed-tie)" : "",
                          round_change, pch,
                          alt_converged ? "a fixed point"
                          : rounds_done > 1 ? "NOT a fixed point" : "one round, not checked", tol,
                          fixed_tie ? ""
                                    : " The pricing fit's loss and errors above are those of "
                                      "this file's set, whose sigma_v, sigma_m and rho are the "
                                      "last physical fit's (the loss without the ridge).");
        }
        if (two && !start_file && k > 0 && (size_t)k < sizeof comment)
            k += snprintf(comment + k, sizeof comment - (size_t)k,
                          "\nsvcj2 filter: %zu days outside the model's reach (a factor floored "
                          "at %g); %zu jump days.", res.n_floored, VR_CALIB_V_FLOOR, res.n_jumps);
        if (two && !start_file && res.floored_drop && k > 0 && (size_t)k < sizeof comment)
            k += snprintf(comment + k, sizeof comment - (size_t)k,
                          " The physical fit left out the transitions touching them "
                          "(--floored drop): %zu of %zu daily, %zu of %zu %zu-day transitions of "
                          "m.", res.n_left_out, res.n - 1, res.n_left_out_m, res.n - res.m_step,
                          res.m_step);
        if (!start_file && (res.at_bound || res.few_jumps || res.at_floor || res.few_vjumps) && k > 0 &&
            (size_t)k < sizeof comment) {
            /* the physical estimate was moved into the model's domain, or a rule set a jump
             * size: the file must not show the bound or the rule's value as if it were the
             * estimate (a one-day window of 2026 wrote sigma_s 0.01 with nothing to say so) */
            k += snprintf(comment + k, sizeof comment - (size_t)k, "\nPhysical parameters not "
                          "estimated from the data:\n");
            if (k > 0 && (size_t)k < sizeof comment)
                k += (int)vr_calib_bounds_str(&res, "  ", comment + k, sizeof comment - (size_t)k);
        }
        vr_model m;
        memset(&m, 0, sizeof m);
        m.type = co.type;
        m.spot = h.spx[i1 - 1];
        m.rate = rate;
        m.dividend = dividend;
        m.v0 = res.v_last;
        m.m0 = res.m_last;
        m.physical = res.est;
        m.pricing = res.est;
        char pnote[600];
        snprintf(pnote, sizeof pnote, "%s",
                 pricing ? "calibrated to the VIX family (see above)"
                         : "= physical (no variance risk premium applied)");
        if (two && !pricing && !start_file) {
            m.pricing = d2.filter;
            snprintf(pnote, sizeof pnote, "the pricing set of %s (filtered (v, m); not fitted "
                     "here)", pfrom);
        }
        if (pricing) {
            const vr_model_def *md = vr_model_def_of(co.type);
            m.pricing = pres.est;
            /* the state of the last day, factor j into the model's j-th state entry */
            for (int j = 0; md && j < md->nstate && j < VR_FACTORS_MAX; j++)
                vr_param_set(&m, &md->state[j], x_last[j]);
        }
        char *full = malloc(strlen(comment) + 4096);
        if (!full) {
            st = vr_fail(&err, VR_ENOMEM, "calibrate: comment");
            goto fail;
        }
        {
            /* the physical estimates with their standard errors */
            const vr_model_def *md = vr_model_def_of(co.type);
            size_t q = (size_t)sprintf(full, "%s\n%s%s", comment,
                                       start_file ? "Physical parameters taken from "
                                                  : "Estimates (physical), standard errors: QML "
                                                    "sandwich / block bootstrap",
                                       start_file ? start_file : "");
            for (int i = 0; md && !start_file && i < md->nparams && q < strlen(comment) + 3900; i++) {
                char a[VR_CALIB_SE_STR], b[VR_CALIB_SE_STR];
                if (vr_calib_param_left_out(&md->params[i], vr_param_get(&res.est, &md->params[i])))
                    continue;
                q += (size_t)sprintf(full + q, "\n  %-8s %12.6g  se %10s / %10s",
                                     md->params[i].name, vr_param_get(&res.est, &md->params[i]),
                                     vr_calib_se_str(vr_param_get(&res.se_qml, &md->params[i]), a),
                                     vr_calib_se_str(vr_param_get(&res.se_boot, &md->params[i]), b));
            }
        }
        if ((st = vr_outfile_begin(&of_model, &err)) == VR_OK)
            st = vr_calib_write_file(of_model.tmp, &m, full, pnote, &err);
        free(full);
        if (st != VR_OK || (st = vr_outfile_commit(&of_model, &err)) != VR_OK)
            goto fail;
        fprintf(stderr, "vixrisk calibrate: wrote %s\n", of_model.final);
    }
    goto finish;
fail:
    {
        /* the library's messages name their module ("calibrate: ..."), as "vixrisk calibrate: "
         * does already: one prefix is enough (as report's) */
        static const char lib[] = "calibrate: ";
        if (strncmp(err.msg, lib, sizeof lib - 1) == 0)
            memmove(err.msg, err.msg + sizeof lib - 1, strlen(err.msg) - (sizeof lib - 1) + 1);
    }
    rc = vr_cli_fail("calibrate", st, &err);
finish:
    vr_outfile_abort(&of_model);
    vr_outfile_abort(&of_report);
    free(cols);
    free(cm1);
    free(cm2);
    vr_futures_free(&fut);
    vr_calib_result_free(&res);
    vr_history_free(&h);
    cal_days2_free(&d2);
    return rc;
}
