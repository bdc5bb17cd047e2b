/* sim.c: the block driver (see vr_sim.h).
 *
 * The driver knows nothing of a model but its descriptor (vr_model_ops.h): the number of
 * variance factors, the per-step constants and the step kernel, and how an observed VIX maps to
 * the state (history replays, bootstrap, shocks).
 *
 * Each thread owns one workspace (state, increment, ln S, the variance factors and the
 * random-number buffers of one block), allocated once before the parallel loop and reused for
 * every block it runs: first touches of fresh pages are expensive on these machines, and a
 * block's working set (about 10 arrays x block x 8 bytes = 80 KiB at the default block of 1024)
 * then stays in L2.
 * Blocks go to threads dynamically, in runs of up to vr_sim_spec.group consecutive blocks; that
 * changes only which thread runs a block, never the numbers in it. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_kernels.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vr_term.h"

#define VR_SIM_DEFAULT_BLOCK 1024

typedef vr_path_buf sim_ws;

static void ws_free(sim_ws *w)
{
    if (w == NULL)
        return;
    vr_free(w->state);
    vr_free(w->inc);
    vr_free(w->log_s);
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        vr_free(w->x[j]);
    for (int j = 0; j < VR_PATH_TMP; j++)
        vr_free(w->tmp[j]);
    memset(w, 0, sizeof *w);
}

static int ws_alloc(sim_ws *w, size_t block, int nfactors)
{
    const size_t d = block * sizeof(double);
    memset(w, 0, sizeof *w);
    w->state = vr_aligned_alloc(block * sizeof(uint64_t));
    w->inc = vr_aligned_alloc(block * sizeof(uint64_t));
    w->log_s = vr_aligned_alloc(d);
    int ok = w->state && w->inc && w->log_s;
    for (int j = 0; j < nfactors; j++)
        ok = (w->x[j] = vr_aligned_alloc(d)) != NULL && ok;
    for (int j = 0; j < VR_PATH_TMP; j++)
        ok = (w->tmp[j] = vr_aligned_alloc(d)) != NULL && ok;
    return ok;
}

/* The block as observers see it. */
static vr_sim_block block_view(const sim_ws *w, int nfactors, size_t path0, size_t n, size_t npad,
                               int thread)
{
    vr_sim_block b = {path0, n, npad, w->log_s, w->x[0], thread, nfactors, {NULL}, NULL, NULL};
    for (int j = 0; j < nfactors; j++)
        b.x[j] = w->x[j];
    return b;
}

/* Set lane i's factors to those that give `vix` (starting from its current factors). */
static void lane_from_vix(const vr_model_ops *ops, const vr_vix_coef *c, sim_ws *w, size_t i, double vix)
{
    double x[VR_FACTORS_MAX] = {0};
    for (int j = 0; j < ops->nfactors; j++)
        x[j] = w->x[j][i];
    ops->state_from_vix(c, vix, x);
    for (int j = 0; j < ops->nfactors; j++)
        w->x[j][i] = x[j];
}

/* Lane i's factors (two-factor models) from a VIX and a VIX3M (NAN: the VIX alone), as a replay
 * backs them out of a day (vr_state_from_term_replay): on a day with the VIX alone m is kept unless
 * the VIX needs it lower, so the VIX is matched above the model's floor. */
static void lane_from_term(const vr_model_ops *ops, const vr_sim_spec *s, sim_ws *w, size_t i,
                           double vix, double vix3m)
{
    double x[VR_FACTORS_MAX] = {0};
    for (int j = 0; j < ops->nfactors; j++)
        x[j] = w->x[j][i];
    vr_state_from_term_replay(ops, &s->vixc, &s->vixc3m, vix, vix3m, x);
    for (int j = 0; j < ops->nfactors; j++)
        w->x[j][i] = x[j];
}

/* History replay: lane i's factors from the day's VIX and, when the spec gives the VIX3M
 * coefficients and the data have the day's VIX3M, from both (a two-factor model then reproduces
 * the real VIX3M too). */
static void lane_from_day(const vr_model_ops *ops, const vr_sim_spec *s, sim_ws *w, size_t i,
                          size_t day)
{
    const double v3 = s->hist->vix3m ? s->hist->vix3m[day] : NAN;
    if (ops->nfactors < 2 || s->keep_m) {
        lane_from_vix(ops, &s->vixc, w, i, s->hist->vix[day]);
        return;
    }
    const int with3m = (s->vixc3m.bx[0] != 0 || s->vixc3m.bx[1] != 0) && v3 > 0;
    lane_from_term(ops, s, w, i, s->hist->vix[day], with3m ? v3 : NAN);
}

/* Bootstrap path of a two-factor model on the historical day `day`: the path's VIX with that
 * day's term structure, VIX3M = VIX x (the day's VIX3M / VIX). The ratio, not a resampled VIX3M
 * change: the path's VIX is matched to history by level and the ratio mean-reverts, so a VIX3M
 * walking on its own changes would drift away from any term structure history saw. Days without
 * a VIX3M close (before 2009-09-18) keep m, as a replay does. */
static void lane_from_boot_day(const vr_model_ops *ops, const vr_sim_spec *s, sim_ws *w, size_t i,
                               double vix, size_t day)
{
    const double v3 = s->hist->vix3m ? s->hist->vix3m[day] : NAN;
    lane_from_term(ops, s, w, i, vix, v3 > 0 ? vix * (v3 / s->hist->vix[day]) : NAN);
}

static double lane_vix(const vr_model_ops *ops, const vr_vix_coef *c, const sim_ws *w, size_t i)
{
    double x[VR_FACTORS_MAX] = {0};
    for (int j = 0; j < ops->nfactors; j++)
        x[j] = w->x[j][i];
    return vr_vix_level_x(c, x, ops->nfactors);
}

vr_status vr_sim_spec_check(const vr_sim_spec *s, vr_err *err)
{
    if (s->paths == 0)
        return vr_fail(err, VR_EINVAL, "paths must be >= 1 (got 0)");
    if (!(s->horizon > 0 && s->horizon <= 50))
        return vr_fail(err, VR_EINVAL, "expiry/horizon must be in (0, 50] years (got %g)", s->horizon);
    if (s->steps == 0 || s->steps > 100000000)
        return vr_fail(err, VR_EINVAL, "steps must be in [1, 1e8] (got %zu)", s->steps);
    if (s->block % VK_LANES_MAX != 0 || s->block > (1u << 20))
        return vr_fail(err, VR_EINVAL, "block must be a multiple of %d and <= 1048576 (got %zu)",
                       VK_LANES_MAX, s->block);
    if (s->threads < 0 || s->threads > 4096)
        return vr_fail(err, VR_EINVAL, "threads must be in [0, 4096] (got %d)", s->threads);
    if (vr_model_ops_get(s->type) == NULL)
        return vr_fail(err, VR_EINVAL, "unknown model type %d", (int)s->type);
    if (s->scheme == VR_SCHEME_EULER && !vr_model_ops_get(s->type)->euler)
        return vr_fail(err, VR_EINVAL, "scheme euler is not implemented for model %s%s (use qe)",
                       vr_model_ops_get(s->type)->name,
                       s->type == VR_MODEL_SVCJ2 ? " (also an svcj model with lambda1)" : "");
    if (s->single && s->source == VR_SOURCE_MODEL && s->scheme != VR_SCHEME_QE)
        return vr_fail(err, VR_EINVAL, "precision single has the QE scheme only (got scheme euler)");
    if (s->single && s->source == VR_SOURCE_MODEL && !vr_model_ops_get(s->type)->single)
        return vr_fail(err, VR_EINVAL,
                       "precision single is implemented for heston, bates and svcj, not for %s%s: use "
                       "precision double", vr_model_ops_get(s->type)->name,
                       s->type == VR_MODEL_SVCJ2 ? " (also an svcj model with lambda1)" : "");
    if (s->source != VR_SOURCE_MODEL) {
        if (s->hist == NULL || s->hist_i1 < s->hist_i0 + 2 || s->hist_i1 > s->hist->n)
            return vr_fail(err, VR_EINVAL, "history window must hold at least 2 days");
        if (s->source == VR_SOURCE_HISTORY && s->hist_i0 + s->steps >= s->hist_i1)
            return vr_fail(err, VR_EINVAL, "history window has %zu days, the run needs %zu",
                           s->hist_i1 - s->hist_i0, s->steps + 1);
        if (s->source == VR_SOURCE_BOOTSTRAP && !(s->block_mean >= 1))
            return vr_fail(err, VR_EINVAL, "block_mean must be >= 1 day (got %g)", s->block_mean);
    }
    /* the model's own limits on the step (e.g. the jump table's lambda dt) come from its
     * path_coef: built and dropped here so that a spec check (config loading, `check`) sees
     * every limit vr_sim_run would report */
    if (s->source == VR_SOURCE_MODEL) {
        const vr_model_ops *ops = vr_model_ops_get(s->type);
        void *coef = NULL;
        const vr_status st = ops->path_coef(&s->params, s->rate, s->dividend,
                                            s->horizon / (double)s->steps, &coef, err);
        if (st != VR_OK)
            return st;
        ops->path_coef_free(coef);
    }
    return VR_OK;
}

/* Initial state and streams of paths [path0, path0 + n); padding lanes get copies of the last
 * path's stream so that they compute valid (ignored) numbers. */
static void block_init(const vr_sim_spec *s, int nfactors, sim_ws *w, size_t path0, size_t n,
                       size_t npad)
{
    const double ls0 = log(s->spot);
    const double x0[VR_FACTORS_MAX] = {s->v0, s->m0};
    for (size_t i = 0; i < npad; i++) {
        vk_pcg32 r;
        vk_pcg32_stream(&r, s->seed, s->scenario, path0 + (i < n ? i : n - 1));
        w->state[i] = r.state;
        w->inc[i] = r.inc;
        w->log_s[i] = ls0;
        for (int j = 0; j < nfactors; j++)
            w->x[j][i] = x0[j];
    }
}

/* Lane i's factors to those that give `vix` under a shock: v alone, or for a two-factor model
 * whose m can move (not keep_m) v with m kept unless the VIX needs it lower, as a replay's day of
 * VIX alone (lane_from_term), so that any VIX down to the model's floor (every factor at 0) is
 * reached. A level a path's m put out of reach of v alone ran above it: svcj2 shocked to VIX 12
 * left 128 of 500 paths above it, up to 14.60, with nothing to tell (until 2026-12-07). */
static void lane_to_shock_vix(const vr_model_ops *ops, const vr_sim_spec *s, sim_ws *w, size_t i, double vix)
{
    if (ops->nfactors < 2 || s->keep_m)
        lane_from_vix(ops, &s->vixc, w, i, vix);
    else
        lane_from_term(ops, s, w, i, vix, NAN);
}

/* The shocks of `step` on the block's lanes; returns 1 if any acted. asked[i] (npad lanes) is then
 * the VIX a shock asked of lane i where the state cannot show it (below the model's floor: the
 * lane sits there), NaN elsewhere: the evaluator counts them for the run's note. */
static int apply_shocks(const vr_sim_spec *s, const vr_model_ops *ops, sim_ws *w, size_t npad,
                        size_t step, double *asked, const double *ls_from)
{
    int acted = 0;
    for (int j = 0; j < s->nshocks; j++) {
        const vr_shock *q = &s->shocks[j];
        if (q->step != step)
            continue;
        if (!acted)
            for (size_t i = 0; i < npad; i++)
                asked[i] = NAN;
        acted = 1;
        for (size_t i = 0; i < npad; i++) {
            if (!isnan(q->spx_return))
                w->log_s[i] = (q->replace ? ls_from[i] : w->log_s[i]) + log1p(q->spx_return);
            double to = NAN;
            if (!isnan(q->vix_level))
                to = q->vix_level;
            if (!isnan(q->vix_change)) {
                const double vix = lane_vix(ops, &s->vixc, w, i);
                to = vix + q->vix_change > 0 ? vix + q->vix_change : 0;
            }
            if (isnan(to))
                continue;
            lane_to_shock_vix(ops, s, w, i, to);
            if (lane_vix(ops, &s->vixc, w, i) > to * (1 + 1e-9) + 1e-12)
                asked[i] = to;
        }
    }
    return acted;
}

/* ln S of the lanes at the end of `step` into ls_from where a shock replaces the moves since then
 * (vr_shock.replace: a preset's day starts from the previous day's close). */
static void shock_mark_from(const vr_sim_spec *s, const sim_ws *w, size_t npad, size_t step, double *ls_from)
{
    for (int j = 0; j < s->nshocks; j++)
        if (s->shocks[j].replace && s->shocks[j].from == step) {
            memcpy(ls_from, w->log_s, npad * sizeof *ls_from);
            return;
        }
}

/* The bootstrap's day pairs (j-1, j) sorted by the VIX on day j-1. A new block starts at a day
 * whose VIX is among the nearest 5% of the pool to the path's current VIX (a "matched" stationary
 * bootstrap): resampling VIX changes without it turns the VIX into a random walk that loses its
 * mean reversion and wanders to levels history never saw within a few months. */
typedef struct boot_pool {
    size_t n;
    double *lvix;   /* sorted ln VIX_{j-1} */
    size_t *day;    /* the matching j */
    size_t half;    /* half-width of the neighbourhood, in pool entries */
} boot_pool;

static int cmp_pair(const void *a, const void *b)
{
    const double *x = a, *y = b;
    const int c = (x[0] > y[0]) - (x[0] < y[0]);
    return c ? c : (x[1] > y[1]) - (x[1] < y[1]); /* ties by day: a deterministic order */
}

static int pool_build(const vr_sim_spec *s, boot_pool *bp)
{
    memset(bp, 0, sizeof *bp);
    if (s->source != VR_SOURCE_BOOTSTRAP)
        return 1;
    const size_t n = s->hist_i1 - s->hist_i0 - 1;
    double *tmp = malloc(2 * n * sizeof *tmp);
    bp->lvix = malloc(n * sizeof *bp->lvix);
    bp->day = malloc(n * sizeof *bp->day);
    if (!tmp || !bp->lvix || !bp->day) {
        free(tmp);
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        const size_t j = s->hist_i0 + 1 + k;
        tmp[2 * k] = log(s->hist->vix[j - 1]);
        tmp[2 * k + 1] = (double)j;
    }
    qsort(tmp, n, 2 * sizeof *tmp, cmp_pair);
    for (size_t k = 0; k < n; k++) {
        bp->lvix[k] = tmp[2 * k];
        bp->day[k] = (size_t)tmp[2 * k + 1];
    }
    free(tmp);
    bp->n = n;
    bp->half = n / 40 > 0 ? n / 40 : 1;
    return 1;
}

static void pool_free(boot_pool *bp)
{
    free(bp->lvix);
    free(bp->day);
}

/* A day j to start a block from, near ln VIX = x, chosen by the uniform u. */
static size_t pool_pick(const boot_pool *bp, double x, double u)
{
    size_t lo = 0, hi = bp->n; /* first entry with lvix >= x */
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (bp->lvix[mid] < x) lo = mid + 1; else hi = mid;
    }
    size_t a = lo > bp->half ? lo - bp->half : 0;
    size_t b = a + 2 * bp->half;
    if (b > bp->n) {
        b = bp->n;
        a = b > 2 * bp->half ? b - 2 * bp->half : 0;
    }
    size_t k = a + (size_t)(u * (double)(b - a));
    if (k >= b) k = b - 1;
    return bp->day[k];
}

/* History and bootstrap paths: one day per step, scalar (the work is a table read per path). */
static void block_run_hist(const vr_sim_spec *s, const vr_model_ops *ops, const boot_pool *bp,
                           const vr_sim_observer *obs, sim_ws *w, size_t path0, size_t n,
                           size_t npad, int thread)
{
    const vr_history *h = s->hist;
    const size_t i0 = s->hist_i0, i1 = s->hist_i1;
    (void)i1;
    /* the model's random-number buffers are free here: block positions, log VIX and the path's
     * VIX (shown to observers: below the model's floor the factors cannot give it) live in them */
    size_t *cur = (size_t *)w->tmp[0];
    double *lvix = w->tmp[1], *vix = w->tmp[2];
    const double x0[VR_FACTORS_MAX] = {s->v0, s->m0};
    for (size_t i = 0; i < npad; i++) {
        for (int j = 0; j < ops->nfactors; j++)
            w->x[j][i] = x0[j];
        if (s->source == VR_SOURCE_HISTORY) {
            w->log_s[i] = log(h->spx[i0]);
            lane_from_day(ops, s, w, i, i0);
            vix[i] = h->vix[i0];
        } else {
            vk_pcg32 r;
            vk_pcg32_stream(&r, s->seed, s->scenario, path0 + (i < n ? i : n - 1));
            w->state[i] = r.state;
            w->inc[i] = r.inc;
            w->log_s[i] = log(s->spot);
            vix[i] = lane_vix(ops, &s->vixc, w, i);
            lvix[i] = log(vix[i]);
            cur[i] = 0;
        }
    }
    vr_sim_block b = block_view(w, ops->nfactors, path0, n, npad, thread);
    b.vix = vix;
    if (obs && obs->on_step)
        obs->on_step(obs->ctx, &b, 0);
    const double p_new = 1.0 / s->block_mean;
    const int boot_term = ops->nfactors >= 2 && !s->keep_m && (s->vixc3m.bx[0] != 0 || s->vixc3m.bx[1] != 0);
    for (size_t k = 1; k <= s->steps; k++) {
        for (size_t i = 0; i < npad; i++) {
            if (s->source == VR_SOURCE_HISTORY) {
                w->log_s[i] = log(h->spx[i0 + k]);
                lane_from_day(ops, s, w, i, i0 + k);
                vix[i] = h->vix[i0 + k];
                continue;
            }
            /* stationary bootstrap: a new block with probability 1/L, else the next day */
            vk_pcg32 r = {w->state[i], w->inc[i]};
            const uint32_t a1 = vk_pcg32_next(&r), a2 = vk_pcg32_next(&r);
            const uint32_t b1 = vk_pcg32_next(&r), b2 = vk_pcg32_next(&r);
            w->state[i] = r.state;
            const double u1 = vk_u01_from_u32(a1, a2), u2 = vk_u01_from_u32(b1, b2);
            if (k == 1 || u1 < p_new || cur[i] + 1 >= i1)
                cur[i] = pool_pick(bp, lvix[i], u2);
            else
                cur[i] = cur[i] + 1;
            const size_t j = cur[i];
            w->log_s[i] += log(h->spx[j] / h->spx[j - 1]);
            lvix[i] += log(h->vix[j] / h->vix[j - 1]);
            vix[i] = exp(lvix[i]);
            if (boot_term)
                lane_from_boot_day(ops, s, w, i, vix[i], j);
            else
                lane_from_vix(ops, &s->vixc, w, i, vix[i]);
        }
        if (obs && obs->on_step)
            obs->on_step(obs->ctx, &b, k);
    }
    if (obs && obs->on_block_done)
        obs->on_block_done(obs->ctx, &b);
}

static void block_run(const vr_sim_spec *s, const vk_table *kt, const vr_model_ops *ops,
                      const void *coef, const boot_pool *bp, const vr_sim_observer *obs, sim_ws *w,
                      double *asked, double *ls_from, size_t path0, size_t n, size_t npad, int thread)
{
    if (s->source != VR_SOURCE_MODEL) {
        block_run_hist(s, ops, bp, obs, w, path0, n, npad, thread);
        return;
    }
    block_init(s, ops->nfactors, w, path0, n, npad);
    const vr_sim_block b = block_view(w, ops->nfactors, path0, n, npad, thread);
    if (obs && obs->on_step)
        obs->on_step(obs->ctx, &b, 0);
    const int step = s->single ? VR_STEP_QE_SINGLE : (int)s->scheme;
    if (s->nshocks > 0)
        shock_mark_from(s, w, npad, 0, ls_from);
    for (size_t k = 1; k <= s->steps; k++) {
        ops->path_step(kt, coef, step, w, npad);
        int acted = 0;
        if (s->nshocks > 0) {
            acted = apply_shocks(s, ops, w, npad, k, asked, ls_from);
            shock_mark_from(s, w, npad, k, ls_from); /* (after k's own shocks: a day's close) */
        }
        if (obs && obs->on_step) {
            vr_sim_block bs = b; /* a shock's day: the VIX it asked where not shown */
            bs.shock_asked = acted ? asked : NULL;
            obs->on_step(obs->ctx, &bs, k);
        }
    }
    if (obs && obs->on_block_done)
        obs->on_block_done(obs->ctx, &b);
}

size_t vr_sim_block_paths(const vr_sim_spec *spec)
{
    /* fewer paths than a block: shrink the block (rounded up to the lane multiple) */
    const size_t block = spec->block ? spec->block : VR_SIM_DEFAULT_BLOCK;
    const size_t need = (spec->paths + VK_LANES_MAX - 1) / VK_LANES_MAX * VK_LANES_MAX;
    return need < block ? need : block;
}

vr_status vr_sim_run(const vr_sim_spec *spec, const vr_sim_observer *obs, vr_err *err)
{
    vr_sim_spec s = *spec;
    if (s.block == 0)
        s.block = VR_SIM_DEFAULT_BLOCK;
    vr_status st = vr_sim_spec_check(&s, err);
    if (st != VR_OK)
        return st;
    const vk_table *kt = NULL;
    if ((st = vr_kernels_resolve(s.kt, &kt, err)) != VR_OK)
        return st;
    if (s.fast_log && (kt = vk_fast_log(kt)) == NULL)
        return vr_fail(err, VR_EINVAL, "fast_log needs a kernel table of vk_select");
    const vr_model_ops *ops = vr_model_ops_get(s.type);
    const double dt = s.horizon / (double)s.steps;
    void *coef = NULL;
    boot_pool bp;
    sim_ws *ws = NULL;
    double **asked = NULL; /* per thread: a shock's VIX asked where not shown (apply_shocks), then
                              ln S where a preset's day starts (shock_mark_from): 2 x block */
    memset(&bp, 0, sizeof bp);
    if (s.source == VR_SOURCE_MODEL &&
        (st = ops->path_coef(&s.params, s.rate, s.dividend, dt, &coef, err)) != VR_OK)
        return st;

    const size_t block = vr_sim_block_paths(&s);
    const size_t hi = s.path_hi ? s.path_hi : s.paths;
    const size_t b0 = s.path_lo / block, nblocks = hi > s.path_lo ? (hi - s.path_lo + block - 1) / block : 0;
    int nth = s.threads > 0 ? s.threads : omp_get_max_threads();
    if ((size_t)nth > nblocks)
        nth = nblocks ? (int)nblocks : 1;
    if (hi > s.paths || s.path_lo > hi || s.path_lo % block != 0 || (hi % block != 0 && hi != s.paths)) {
        st = vr_fail(err, VR_EINVAL, "sim: path range [%zu, %zu) of %zu paths is not whole blocks of %zu",
                     s.path_lo, hi, s.paths, block);
        goto done;
    }
    if (nblocks == 0)
        goto done;
    if (!pool_build(&s, &bp)) {
        st = vr_fail(err, VR_ENOMEM, "sim: bootstrap pool");
        goto done;
    }
    ws = calloc((size_t)nth, sizeof *ws);
    asked = calloc((size_t)nth, sizeof *asked);
    if (ws == NULL || asked == NULL) {
        st = vr_fail(err, VR_ENOMEM, "sim: workspace for %d threads", nth);
        goto done;
    }
    for (int t = 0; t < nth; t++) {
        if (!ws_alloc(&ws[t], block, ops->nfactors) ||
            (s.nshocks > 0 && (asked[t] = vr_aligned_alloc(2 * block * sizeof(double))) == NULL)) {
            st = vr_fail(err, VR_ENOMEM, "sim: block buffers of %zu paths", block);
            goto done;
        }
    }

    /* s.group consecutive blocks per turn, but at least 16 turns per thread */
    const size_t most = nblocks / (16 * (size_t)nth);
    const size_t grp = s.group < most ? s.group : most;
    const int chunk = grp > 1 ? (int)grp : 1;
#pragma omp parallel for num_threads(nth) schedule(dynamic, chunk)
    for (size_t bi = b0; bi < b0 + nblocks; bi++) {
        const int t = omp_get_thread_num();
        const size_t path0 = bi * block;
        const size_t n = path0 + block <= s.paths ? block : s.paths - path0;
        const size_t npad = (n + VK_LANES_MAX - 1) / VK_LANES_MAX * VK_LANES_MAX;
        block_run(&s, kt, ops, coef, &bp, obs, &ws[t], asked[t], asked[t] ? asked[t] + block : NULL, path0, n,
                  npad, t);
    }

done:
    for (int t = 0; ws != NULL && t < nth; t++)
        ws_free(&ws[t]);
    for (int t = 0; asked != NULL && t < nth; t++)
        vr_free(asked[t]);
    free(ws);
    free(asked);
    pool_free(&bp);
    if (coef != NULL)
        ops->path_coef_free(coef);
    return st;
}

typedef struct terminal_ctx {
    double *log_s;
    double *const *x;
} terminal_ctx;

static void terminal_done(void *ctx, const vr_sim_block *b)
{
    terminal_ctx *c = ctx;
    memcpy(c->log_s + b->path0, b->log_s, b->n * sizeof(double));
    for (int j = 0; j < b->nfactors; j++)
        if (c->x[j])
            memcpy(c->x[j] + b->path0, b->x[j], b->n * sizeof(double));
}

vr_status vr_sim_terminal_x(const vr_sim_spec *spec, double *log_s, double *const x[VR_FACTORS_MAX],
                            vr_err *err)
{
    terminal_ctx c = {log_s, x};
    const vr_sim_observer obs = {&c, NULL, terminal_done};
    return vr_sim_run(spec, &obs, err);
}

vr_status vr_sim_terminal(const vr_sim_spec *spec, double *log_s, double *var, vr_err *err)
{
    double *x[VR_FACTORS_MAX] = {var};
    return vr_sim_terminal_x(spec, log_s, x, err);
}
