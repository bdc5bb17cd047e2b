/* run.c: `vixrisk run` orchestration: evaluate every scenario's policies on common paths
 * (vr_eval_scenario_ex, with one pricing cache for the run: scenarios with equal pricing inputs
 * share one set of tables), summarise each policy (summary.c, or stream.c under
 * `simulation.store_paths: false`) and score its layers (attrib.c), write the run file
 * (io/runfile_write.c, layout in vr_runfile.h and docs/hdf5.md) through vr_outfile (the target is
 * checked before any simulation; a short temporary beside it is renamed at the end, and removed by
 * vr_outfile_signal_cleanup if a signal ends the program), and print the verdict (verdict.c) and
 * then each scenario's ranking and attribution and the stress matrix (table.c). Nothing here knows
 * attribute names or prints scores itself.
 *
 * On N MPI ranks (docs/scale.md) every rank runs the same code on its own contiguous range of
 * blocks (vr_dist_paths); rank 0 alone opens, writes and renames the file. Per scenario: every
 * rank evaluates its paths; the ranks agree on the outcome (vr_dist_agree: a failure anywhere
 * stops every rank at the same point, with the failing rank's message); the trade logs of the
 * logged paths are gathered to rank 0; then either every policy's per-path arrays (with the
 * attribution) are gathered to rank 0 in path order and scored there exactly as in one process,
 * or the streaming accumulators are merged into rank 0's. Either way the file holds the bits of
 * the single-process run. */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/runfile_write.h"
#include "run/run_internal.h"
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_kernels.h"
#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_term.h"

typedef struct progress_ctx {
    double t0;
    int scen, nscen;
} progress_ctx;

static void progress(void *vctx, size_t done, size_t total)
{
    progress_ctx *p = vctx;
    const double el = omp_get_wtime() - p->t0;
    const double rate = el > 0 ? done / el : 0;
    const double eta = rate > 0 ? (total - done) / rate : 0;
    const int w = 30, fill = total ? (int)(w * (double)done / total) : w;
    fprintf(stderr, "\rscenario %d/%d [%.*s%*s] %zu/%zu paths  %.0f paths/s  ETA %.0fs ", p->scen + 1,
            p->nscen, fill, "##############################", w - fill, "", done, total, rate, eta);
    if (done == total)
        fprintf(stderr, "\n");
}

#define TRY(expr) do { if ((st = (expr)) != VR_OK) goto done; } while (0)

/* Every name becomes an HDF5 group: check them all before simulating anything. */
static vr_status check_names(const vr_run_spec *s, vr_err *err)
{
    for (int i = 0; i < s->nscen; i++)
        if (!vr_runfile_name_ok(s->scen[i].name))
            return vr_fail(err, VR_ECONFIG, "run: scenario name '%.60s' cannot name a group in the run "
                           "file (1-%d characters from " VR_RF_NAME_CHARS ", not starting with '.')",
                           s->scen[i].name, VR_NAME_MAX - 1);
    for (int p = 0; p < s->npol; p++) {
        if (!vr_runfile_name_ok(s->pol[p].name))
            return vr_fail(err, VR_ECONFIG, "run: policy name '%.60s' cannot name a group in the run "
                           "file (1-%d characters from " VR_RF_NAME_CHARS ", not starting with '.')",
                           s->pol[p].name, VR_NAME_MAX - 1);
        for (int l = 0; l < s->pol[p].nlayers; l++)
            if (!vr_runfile_name_ok(s->pol[p].layers[l].name))
                return vr_fail(err, VR_ECONFIG, "run: layer name '%.60s' of policy %s cannot name a "
                               "group in the run file (1-%d characters from " VR_RF_NAME_CHARS ", not "
                               "starting with '.')", s->pol[p].layers[l].name, s->pol[p].name,
                               VR_NAME_MAX - 1);
    }
    return VR_OK;
}

/* History window of a replay/bootstrap scenario: its dates and the days only one of SPX/VIX has
 * (the join dropped them, so a day's move then spans two sessions: reported, never filled in). */
static int64_t window_gaps(const vr_scenario *sc, char d0[16], char d1[16], FILE *note)
{
    const vr_history *hs = sc->hist;
    const int32_t f = hs->date[sc->hist_i0], t = hs->date[sc->hist_i1 - 1];
    vr_history_format_date(f, d0);
    vr_history_format_date(t, d1);
    int64_t gaps = 0;
    for (size_t k = 0; k < hs->n_gaps; k++)
        if (hs->gaps[k].date >= f && hs->gaps[k].date <= t) {
            if (gaps == 0 && note)
                fprintf(note, "note: %s: dates in %s..%s with only one of SPX/VIX, skipped:", sc->name, d0, d1);
            if (note && gaps < 10) {
                char dd[16];
                fprintf(note, " %s", vr_history_format_date(hs->gaps[k].date, dd));
            }
            gaps++;
        }
    if (gaps > 0 && note)
        fprintf(note, "%s (%lld in all)\n", gaps > 10 ? " ..." : "", (long long)gaps);
    return gaps;
}

/* Replay days with a property (no VIX3M close; a VIX close below the model's floor): counted for
 * the run file and noted with the first runs of such days, so that such days never pass unseen. */
typedef int (*day_pred)(const vr_history *hs, size_t i, double arg);

static int64_t replay_days_noted(const vr_scenario *sc, day_pred pred, double arg, FILE *note,
                                 const char *what, const char *where)
{
    const vr_history *hs = sc->hist;
    int64_t n = 0;
    for (size_t i = sc->hist_i0; i < sc->hist_i1; i++)
        n += pred(hs, i, arg) != 0;
    if (n == 0 || note == NULL)
        return n;
    /* (the window's days: the start and the days run after it, which the run's table counts) */
    fprintf(note, "note: %s: %s on %lld of the window's %zu days (", sc->name, what, (long long)n,
            sc->hist_i1 - sc->hist_i0);
    int runs = 0;
    for (size_t i = sc->hist_i0; i < sc->hist_i1; i++) {
        if (!pred(hs, i, arg))
            continue;
        size_t j = i;
        while (j + 1 < sc->hist_i1 && pred(hs, j + 1, arg))
            j++;
        char a[16], b[16];
        if (runs < 5) {
            vr_history_format_date(hs->date[i], a);
            vr_history_format_date(hs->date[j], b);
            if (j > i)
                fprintf(note, "%s%s..%s", runs ? ", " : "", a, b);
            else
                fprintf(note, "%s%s", runs ? ", " : "", a);
        } else if (runs == 5) {
            fprintf(note, ", ...");
        }
        runs++;
        i = j;
    }
    fprintf(note, "): %s\n", where);
    return n;
}

static int day_no_vix3m(const vr_history *hs, size_t i, double unused)
{
    (void)unused;
    return !(hs->vix3m != NULL && hs->vix3m[i] > 0);
}

static int day_vix_below(const vr_history *hs, size_t i, double below)
{
    return hs->vix[i] < below;
}

/* A replay's days without a VIX3M close: there the market view's VIX3M (the VIX/VIX3M trigger) is
 * the model's at the replayed state, not the market's. */
static int64_t replay_vix3m_missing(const vr_scenario *sc, FILE *note)
{
    return replay_days_noted(sc, day_no_vix3m, 0.0, note, "no VIX3M close",
                             "there the VIX/VIX3M trigger sees the model's VIX3M at the replayed "
                             "state (run file: vix3m_model_days)");
}

/* A replay's days whose VIX close is below the model's floor (100 sqrt(a) of the 30-day index under
 * the pricing parameters, every factor at 0): the replayed state sits at the floor, the market
 * view shows the close (eval.c). */
static int64_t replay_vix_floor(const vr_scenario *sc, FILE *note)
{
    const double floor_vix = vr_model_vix_floor(&sc->model);
    char what[96];
    snprintf(what, sizeof what, "VIX close below the model's floor of %.2f", floor_vix);
    return replay_days_noted(sc, day_vix_below, floor_vix * (1.0 - 1e-9), note, what,
                             "there the triggers see the close and the marks the model at its "
                             "floor (run file: vix_floor_days)");
}

/* The days of a scenario's shocks that move the VIX (a preset's each day it keeps). */
static int shock_days(const vr_scenario *sc)
{
    int n = 0;
    for (int k = 0; k < sc->nshocks; k++)
        n += !isnan(sc->shocks[k].vix_level) || !isnan(sc->shocks[k].vix_change);
    return n > 0 ? n : 1;
}

/* A share in percent as the notes print it: two decimals, or "<0.01" for a share above 0 that
 * would print as 0.00 (1 path-day of 151,800 read "0.00%"). */
static const char *pct_str(double share, char *buf, size_t cap)
{
    if (share > 0 && share < 0.005)
        snprintf(buf, cap, "<0.01");
    else
        snprintf(buf, cap, "%.2f", share);
    return buf;
}

/* A bootstrap's path-days whose resampled VIX fell below the model's floor, or a model scenario's
 * path-days on which a shock asked for a VIX below it, over every rank (collective; rank 0 gets the
 * count in *n). A bootstrap's triggers saw that VIX and the marks the model at its floor, as on a
 * replay's such days, which replay_vix_floor notes; these were not noted at all (a bootstrap of
 * 2017 with svcj_cal.yaml, floor 10.59, spent about a third of its path-days there, down to
 * 8.96). A shocked path sits at the floor: a vix_change of -5 from VIX 20 on a model whose floor
 * is 18.74 moved it by 1.26 points, with nothing to tell (until 2026-12-07). */
static vr_status scenario_vix_floor(const vr_scenario *sc, const vr_scenario_result *res, size_t paths,
                                    int days, FILE *note, int64_t *n, int64_t *top, vr_err *err)
{
    typedef struct { int64_t n; double min; int64_t top; double max; } floor_count;
    const int ranks = vr_dist_size(), me = vr_dist_rank();
    const floor_count mine = {res->vix_floor_n, res->vix_floor_min, res->vix_top_n, res->vix_top_max};
    floor_count *all = calloc((size_t)ranks, sizeof *all);
    vr_status st = vr_dist_agree(all != NULL ? VR_OK : vr_fail(err, VR_ENOMEM, "run: floor counts"), err);
    if (st == VR_OK)
        st = vr_dist_gather_bytes(&mine, sizeof mine, all, err);
    *n = 0;
    *top = 0;
    if (st == VR_OK && me == 0) {
        double lo = INFINITY, hi = 0;
        for (int r = 0; r < ranks; r++) {
            *n += all[r].n;
            lo = all[r].min < lo ? all[r].min : lo;
            *top += all[r].top;
            hi = all[r].max > hi ? all[r].max : hi;
        }
        /* a bootstrap path's VIX compounds the drawn days' changes, so it can pass the window's
         * highest close, which alone sized the tables: 29 of 2,000 paths of a 2008 window went
         * from its 80.86 to 109 past a top of 96, marked by extrapolation, unnoted (until
         * 2026-12-07) */
        if (*top > 0 && note != NULL)
            fprintf(note,
                    "note: %s: the resampled VIX is above the top of the VIX option tables (VIX %.1f) on %lld of "
                    "%.0f path-days (as high as %.1f): there VIX options are marked by extrapolation, their calls "
                    "below their value (docs/numerics.md); SPX options and VIX futures are not affected (run file: "
                    "vix_top_path_days)\n",
                    sc->name, vr_model_vix_table_top(&sc->model), (long long)*top,
                    (double)paths * (double)(days + 1), hi);
        const double floor_vix = vr_model_vix_floor(&sc->model);
        const double total = (double)paths * (double)(days + 1);
        char pc[16];
        if (*n > 0 && note != NULL && sc->source == VR_SOURCE_MODEL)
            fprintf(note,
                    "note: %s: a shock asked for a VIX below the model's floor of %.2f on %lld path-day%s "
                    "(%s%% of the %zu paths' shock days, as low as %.2f): those paths sat at the floor "
                    "instead (run file: vix_floor_path_days)\n",
                    sc->name, floor_vix, (long long)*n, *n == 1 ? "" : "s",
                    pct_str(100.0 * (double)*n / ((double)paths * (double)shock_days(sc)), pc, sizeof pc), paths, lo);
        else if (*n > 0 && note != NULL)
            fprintf(note,
                    "note: %s: the resampled VIX is below the model's floor of %.2f on %lld of %.0f path-days "
                    "(%s%%, as low as %.2f): there the triggers see that VIX and the marks the model at its "
                    "floor (run file: vix_floor_path_days)\n",
                    sc->name, floor_vix, (long long)*n, total, pct_str(100.0 * (double)*n / total, pc, sizeof pc), lo);
    }
    free(all);
    return st;
}

/* A count per (policy, layer) of one rank (res->sized_zero or res->sized_capped), summed over
 * every rank (collective; rank 0 gets the sums in total).
 * sized_zero: the path-days on which a layer's action came to 0 whole contracts (its size rounded
 * to 0, a sizing guard refused it, or a spread's short leg had no bid) and bought nothing. A layer sized so that it never bought (a
 * future by pct_of_max_loss at a stress level too close to its price, a put by pct_of_credit at a
 * huge spot) looked like a hedge that did nothing: 0 activations, dES99 +0 +- 0, with nothing to
 * say why (until 2026-12-07).
 * sized_capped: the purchases whose size size.max_contracts cut to the cap. */
static vr_status scenario_sized_sum(const int64_t mine[VR_MAX_POLICIES][VR_MAX_LAYERS],
                                    int64_t total[VR_MAX_POLICIES][VR_MAX_LAYERS], vr_err *err)
{
    const int ranks = vr_dist_size(), me = vr_dist_rank();
    const size_t per = sizeof(int64_t) * VR_MAX_POLICIES * VR_MAX_LAYERS;
    int64_t *all = calloc((size_t)ranks, per);
    vr_status st = vr_dist_agree(all != NULL ? VR_OK : vr_fail(err, VR_ENOMEM, "run: sizing counts"), err);
    if (st == VR_OK)
        st = vr_dist_gather_bytes(mine, per, all, err);
    memset(total, 0, per);
    if (st == VR_OK && me == 0)
        for (int r = 0; r < ranks; r++)
            for (int p = 0; p < VR_MAX_POLICIES; p++)
                for (int l = 0; l < VR_MAX_LAYERS; l++)
                    total[p][l] += all[((size_t)r * VR_MAX_POLICIES + (size_t)p) * VR_MAX_LAYERS + (size_t)l];
    free(all);
    return st;
}

/* The note of a layer that bought nothing on some path-days because its size came to 0 whole
 * contracts (n of them; acts: the layer's actions over all paths). */
static void sized_zero_note(FILE *f, const vr_scenario *sc, const vr_policy *pol, int l, int64_t n, double acts,
                            size_t paths)
{
    const vr_layer *ly = &pol->layers[l];
    if (acts < 0.5)
        fprintf(f,
                "note: %s: policy %s, layer %s never bought: on each of the %lld path-day%s (%zu path%s) its trigger "
                "called for a purchase, its size came to 0 whole contracts (a size that rounds to 0, one its "
                "sizing guard refused, or a spread whose short leg had no bid: docs/config.md, \"size\") "
                "(run file: sized_zero_days)\n",
                sc->name, pol->name, ly->name, (long long)n, n == 1 ? "" : "s", paths, paths == 1 ? "" : "s");
    else
        fprintf(f,
                "note: %s: policy %s, layer %s: on %lld path-day%s its trigger called for a purchase and its size "
                "came to 0 whole contracts (a size that rounds to 0, one its sizing guard refused, or a spread "
                "whose short leg had no bid), so it bought nothing then (it acted %.0f times on %zu path%s; "
                "docs/config.md, \"size\") (run file: sized_zero_days)\n",
                sc->name, pol->name, ly->name, (long long)n, n == 1 ? "" : "s", acts, paths, paths == 1 ? "" : "s");
}

/* The note of a layer whose size.max_contracts cut n of its purchases to the cap (acts: the
 * layer's actions over all paths): the hedge held less than its sizing rule asked for then. */
static void sized_capped_note(FILE *f, const vr_scenario *sc, const vr_policy *pol, int l, int64_t n, double acts,
                              size_t paths)
{
    const vr_layer *ly = &pol->layers[l];
    fprintf(f,
            "note: %s: policy %s, layer %s: size.max_contracts (%d) cut %lld of its purchases (it acted %.0f times "
            "on %zu path%s): the sizing rule asked for more contracts then (run file: sized_capped_purchases)\n",
            sc->name, pol->name, ly->name, ly->action.max_contracts, (long long)n, acts, paths,
            paths == 1 ? "" : "s");
}

/* The state a scenario starts from into x (VR_FACTORS_MAX): its model's v0 (and m0), or for a
 * replay the state backed out of the window's first day (as the path generator does); returns
 * its VIX under the pricing parameters. */
static double initial_state(const vr_scenario *sc, double *x)
{
    const vr_model_ops *ops = vr_model_ops_get(sc->model.type);
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        x[j] = 0;
    ops->state0(&sc->model, x);
    if (sc->source == VR_SOURCE_HISTORY && vr_model_m_fixed(&sc->model)) { /* (as the generator) */
        const vr_vix_coef c30 = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_30D);
        ops->state_from_vix(&c30, sc->hist->vix[sc->hist_i0], x);
    } else if (sc->source == VR_SOURCE_HISTORY) {
        const size_t i = sc->hist_i0;
        const vr_vix_coef c30 = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_30D);
        const vr_vix_coef c93 = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_93D);
        vr_state_from_term_replay(ops, &c30, &c93, sc->hist->vix[i],
                                  sc->hist->vix3m != NULL ? sc->hist->vix3m[i] : NAN, x);
    }
    const vr_vix_coef c = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_30D);
    return vr_vix_level_x(&c, x, ops->nfactors);
}

/* The output name a directory target gets: "<config stem>.h5". */
static void default_name(const vr_run_cfg *cfg, char *buf, size_t cap)
{
    const char *cf = cfg->file ? cfg->file : "run.yaml", *slash = strrchr(cf, '/');
    const char *bn = slash ? slash + 1 : cf, *dot = strrchr(bn, '.');
    snprintf(buf, cap, "%.*s.h5", dot && dot != bn ? (int)(dot - bn) : (int)strlen(bn), bn);
}

/* The trade logs of paths 0..res->nlog (each on the rank that ran it: [lo, hi) here) into rank 0's
 * res->logs (collective, several ranks). Every rank learns every log's length; the records go in
 * path order, policy within path, so each rank's records are one contiguous run of rows. */
static vr_status gather_logs(vr_scenario_result *res, size_t lo, size_t hi, vr_err *err)
{
    vr_status st = VR_OK;
    const int me = vr_dist_rank(), ranks = vr_dist_size(), npol = res->npol;
    const size_t nl = (size_t)res->nlog * (size_t)npol, mine_lo = lo;
    const size_t mine_hi = hi < (size_t)res->nlog ? hi : (size_t)res->nlog;
    uint64_t *cnt = NULL, *all = NULL;
    vr_trade *rec = NULL;
    if (nl == 0)
        return VR_OK;
    cnt = calloc(nl, sizeof *cnt);
    all = calloc(nl * (size_t)ranks, sizeof *all);
    if (!cnt || !all) {
        st = vr_fail(err, VR_ENOMEM, "run: trade log lengths of %zu logs", nl);
        goto gathered;
    }
    /* cnt[path * npol + p]: this rank's logs, 0 for paths it did not run */
    for (size_t k = mine_lo; k < mine_hi; k++)
        for (int p = 0; p < npol; p++)
            cnt[k * (size_t)npol + (size_t)p] = res->logs[(size_t)p * (size_t)res->nlog + k].n;
gathered:
    st = vr_dist_agree(st, err);
    if (st == VR_OK)
        st = vr_dist_allgather_bytes(cnt, nl * sizeof *cnt, all, err);
    if (st != VR_OK)
        goto done;
    size_t total = 0, r0 = 0, r1 = 0;
    for (size_t i = 0; i < nl; i++) {
        uint64_t c = 0;
        for (int r = 0; r < ranks; r++)
            c += all[(size_t)r * nl + i];
        cnt[i] = c; /* every log's length (one rank ran its path) */
        if (i < mine_lo * (size_t)npol)
            r0 += c;
        if (i < mine_hi * (size_t)npol)
            r1 += c;
        total += c;
    }
    if (r1 < r0)
        r1 = r0;
    rec = malloc((total ? total : 1) * sizeof *rec);
    if (rec == NULL)
        st = vr_fail(err, VR_ENOMEM, "run: trade logs of %zu records", total);
    for (size_t k = mine_lo, at = r0; st == VR_OK && k < mine_hi; k++)
        for (int p = 0; p < npol; p++) {
            const vr_trade_log *lg = &res->logs[(size_t)p * (size_t)res->nlog + k];
            if (lg->n > 0)
                memcpy(rec + at, lg->rec, lg->n * sizeof *rec);
            at += lg->n;
        }
    if ((st = vr_dist_agree(st, err)) != VR_OK)
        goto done;
    if ((st = vr_dist_gather_rows(rec, sizeof *rec, total, r0, r1, err)) != VR_OK || me != 0)
        goto done;
    /* rank 0: the logs of the paths it did not run, from the gathered records */
    for (size_t k = 0, at = 0; k < (size_t)res->nlog; k++)
        for (int p = 0; p < npol; p++) {
            const size_t c = cnt[k * (size_t)npol + (size_t)p];
            vr_trade_log *lg = &res->logs[(size_t)p * (size_t)res->nlog + k];
            if (k >= mine_hi && c > 0) {
                free(lg->rec);
                if ((lg->rec = malloc(c * sizeof *lg->rec)) == NULL) {
                    lg->n = lg->cap = 0;
                    st = vr_fail(err, VR_ENOMEM, "run: trade log of path %zu (%zu records)", k, c);
                    goto done;
                }
                memcpy(lg->rec, rec + at, c * sizeof *rec);
                lg->n = lg->cap = c;
            }
            at += c;
        }
done:
    free(cnt);
    free(all);
    free(rec);
    return st;
}

/* A scenario's per-path outputs on rank 0 under stored paths: the store, a buffer of one policy's
 * arrays to gather into on several ranks, and the baseline's order of the paths. */
typedef struct scen_store {
    vr_path_store *store;
    vr_path_out buf;
    size_t *order;
} scen_store;

static void scen_store_close(scen_store *ss)
{
    vr_path_store_destroy(ss->store);
    vr_path_out_free(&ss->buf);
    free(ss->order);
    memset(ss, 0, sizeof *ss);
}

vr_status vr_run_store_limit(size_t *bytes, vr_err *err)
{
    unsigned long long b = 0;
    const vr_status st = vr_env_mib("VIXRISK_PATH_STORE_MB", VR_PATH_STORE_MB, SIZE_MAX >> 20, &b, err);
    if (st == VR_OK)
        *bytes = (size_t)b;
    return st;
}

vr_status vr_run_store_check(const vr_run_cfg *cfg, const char *dir, vr_err *err)
{
    if (!cfg->store_paths)
        return VR_OK;
    size_t limit = 0;
    vr_status st = vr_run_store_limit(&limit, err);
    for (int sc = 0; sc < cfg->spec.nscen && st == VR_OK; sc++)
        st = vr_path_store_fits(dir, &cfg->spec, vr_scenario_paths(&cfg->spec, &cfg->spec.scen[sc]), limit, err);
    return st;
}

/* The store in the run file's directory (in memory below the limit); on several ranks also the
 * buffer policies are gathered into. */
static vr_status scen_store_open(const vr_outfile *out, const vr_run_spec *s, size_t n, size_t limit,
                                 int nslots, scen_store *ss, vr_err *err)
{
    char dir[VR_OUTFILE_PATH_MAX];
    vr_outfile_dir(out, dir, sizeof dir);
    vr_status st = vr_path_store_create(dir, s, n, limit, nslots, &ss->store, err);
    if (st == VR_OK && vr_dist_size() > 1 && !vr_path_out_alloc(&ss->buf, n, vr_path_store_max_nattr(ss->store)))
        st = vr_fail(err, VR_ENOMEM, "run: gathered outputs of %zu paths", n);
    if (st != VR_OK)
        scen_store_close(ss);
    return st;
}

/* vr_pol_pnl_fn of the attribution: a derived policy's P&L from the store (slot 1: the baseline's
 * stays in slot 0). */
static vr_status store_pnl(void *ctx, int q, const double **pnl, vr_err *err)
{
    scen_store *ss = ctx;
    return vr_path_store_get_pnl(ss->store, q, 1, pnl, err);
}

/* The summaries of every policy from the store against the baseline's P&L (base), policies on
 * nslots threads (each sorts its P&L and its drawdowns; the baseline's tail, for every policy's
 * pairing, is sorted once here; scratch: nslots x n doubles). The same bits for any nslots; a
 * failure reports the first failing policy's. */
static vr_status store_summaries(vr_path_store *store, const vr_run_cfg *cfg, size_t n,
                                 const vr_path_out *base, double *scratch, int nslots,
                                 vr_pol_summary *row, vr_err *err)
{
    const int npol = cfg->spec.npol;
    double base_tail[2] = {0, 0}; /* the baseline's VaR99 and ES99, for every policy's pairing */
    if (n >= 2)
        vr_stats_tail99(base->pnl, n, scratch, &base_tail[0], &base_tail[1]);
    vr_status *sts = calloc((size_t)npol, sizeof *sts);
    vr_err *errs = calloc((size_t)npol, sizeof *errs);
    if (!sts || !errs) {
        free(sts);
        free(errs);
        return vr_fail(err, VR_ENOMEM, "run: summaries of %d policies", npol);
    }
#pragma omp parallel num_threads(nslots)
    {
        const int t = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
        for (int p = 0; p < npol; p++) {
            vr_path_out o;
            sts[p] = vr_path_store_get(store, p, t, VR_PS_SUMMARY, &o, &errs[p]);
            if (sts[p] == VR_OK)
                sts[p] = vr_pol_summary_compute_tail(&o, base, base_tail, n, cfg->thresholds,
                                                     scratch + (size_t)t * n, &row[p], &errs[p]);
        }
    }
    vr_status st = VR_OK;
    for (int p = 0; p < npol && st == VR_OK; p++)
        if ((st = sts[p]) != VR_OK)
            *err = errs[p];
    free(sts);
    free(errs);
    return st;
}

/* Rank 0 prints the stages of scenario sc (n paths, `days` days) on f: its own (sg) added to
 * the other ranks'; and stores them in *sum_out (for the run file). Collective: every rank calls
 * it when the run is timed. */
static vr_status stages_report(FILE *f, const vr_run_spec *s, int sc, size_t n, int days,
                               const vr_eval_stages *sg, vr_eval_stages *sum_out, vr_err *err)
{
    const int ranks = vr_dist_size();
    vr_eval_stages *all = vr_dist_rank() == 0 ? calloc((size_t)ranks, sizeof *all) : NULL;
    vr_status st = VR_OK;
    if (vr_dist_rank() == 0 && all == NULL)
        st = vr_fail(err, VR_ENOMEM, "run: the stages of %d ranks", ranks);
    if ((st = vr_dist_agree(st, err)) == VR_OK) /* (no rank may wait in a gather rank 0 left) */
        st = vr_dist_gather_bytes(sg, sizeof *sg, all, err);
    if (st == VR_OK && all != NULL) {
        vr_eval_stages sum = all[0]; /* (rank 0 has the first blocks: paths whenever any rank has) */
        for (int r = 1; r < ranks; r++)
            if (all[r].path_days > 0) /* a rank with no paths (a replay's one path, more ranks than
                                         blocks) reports a thread that ran nothing: not added */
                vr_eval_stages_add(&sum, &all[r]);
        fprintf(f, "stages of scenario %s: %zu path%s x %d day%s x %d polic%s, %d thread%s", s->scen[sc].name,
                n, n == 1 ? "" : "s", days, days == 1 ? "" : "s", s->npol, s->npol == 1 ? "y" : "ies", sum.threads,
                sum.threads == 1 ? "" : "s");
        if (ranks > 1)
            fprintf(f, " on %d ranks", ranks);
        fprintf(f, ", %.2f s; ns of thread time per path-day:\n", sum.seconds);
        vr_eval_stages_print(f, &sum, "  ");
        *sum_out = sum;
    }
    free(all);
    return st;
}

/* Scenario `sc` evaluated on this rank's paths and its samples gathered (every rank): the
 * per-path outputs go into the streaming scores (stream), or on one process into the store
 * (store), or on several ranks into res->out (each rank's slice; the caller gathers them into
 * rank 0's store). Rank 0 then holds the samples and trade logs in res, and when the run is timed
 * (opts->stages) the ranks' stages added up in *timed (threads > 0). */
static vr_status scenario_eval(const vr_run_cfg *cfg, const vr_run_opts *opts, int sc,
                               vr_pricing_cache *pricing, vr_run_stream *stream, vr_path_store *store,
                               vr_scenario_result *res, vr_eval_stages *timed, vr_err *err)
{
    const vr_run_spec *s = &cfg->spec;
    const int me = vr_dist_rank();
    const size_t n = vr_scenario_paths(s, &s->scen[sc]), bp = vr_eval_block_paths(s, sc);
    vr_eval_stages sg;
    vr_eval_opts eo = {0, 0, stream != NULL, stream ? vr_run_stream_feed : NULL, stream, pricing,
                       opts->stages != NULL ? &sg : NULL};
    if (store != NULL && vr_dist_size() == 1) {
        eo.no_store = 1;
        eo.on_block = vr_path_store_feed;
        eo.block_ctx = store;
    }
    vr_dist_paths(n, bp, &eo.path_lo, &eo.path_hi);
    progress_ctx pc = {omp_get_wtime(), sc, s->nscen};
    const int bar = me == 0 && !opts->quiet && isatty(STDERR_FILENO);
    vr_status st = vr_eval_scenario_ex(s, sc, &eo, res, bar ? progress : NULL, &pc, err);
    if (st == VR_OK && stream)
        st = vr_run_stream_status(stream, err);
    if (st == VR_OK && eo.on_block == vr_path_store_feed)
        st = vr_path_store_status(store, err);
    if ((st = vr_dist_agree(st, err)) != VR_OK)
        return st;
    if (eo.stages != NULL && (st = stages_report(opts->stages, s, sc, n, res->ndays - 1, &sg, timed, err)) != VR_OK)
        return st;
    /* sample paths: rows of the paths each rank ran (nsample <= paths, so rank 0 has them all
     * on one process) */
    const size_t ns = (size_t)res->nsample, nd = (size_t)res->ndays;
    const size_t lo = eo.path_lo < ns ? eo.path_lo : ns, hi = eo.path_hi < ns ? eo.path_hi : ns;
    st = vr_dist_gather_rows(res->sample_spx, nd * sizeof(float), ns, lo, hi, err);
    if (st == VR_OK)
        st = vr_dist_gather_rows(res->sample_vix, nd * sizeof(float), ns, lo, hi, err);
    for (int p = 0; p < s->npol && st == VR_OK; p++)
        st = vr_dist_gather_rows(res->sample_act + (size_t)p * ns * nd, nd, ns, lo, hi, err);
    if (st == VR_OK && vr_dist_size() > 1)
        st = gather_logs(res, eo.path_lo, eo.path_hi, err);
    return st;
}

static vr_status run_execute(const vr_run_cfg *cfg, const vr_run_opts *opts, vr_err *err);

/* simulation.threads bounds every parallel region of the run, the table builds included (they
 * run on OpenMP's default team); the caller's setting is restored. */
vr_status vr_run_execute(const vr_run_cfg *cfg, const vr_run_opts *opts, vr_err *err)
{
    const int prev = omp_get_max_threads();
    if (cfg->spec.threads > 0)
        omp_set_num_threads(cfg->spec.threads);
    const vr_status st = run_execute(cfg, opts, err);
    omp_set_num_threads(prev);
    return st;
}

static vr_status run_execute(const vr_run_cfg *cfg, const vr_run_opts *opts, vr_err *err)
{
    const vr_run_spec *s = &cfg->spec;
    const double t0 = omp_get_wtime();
    const int me = vr_dist_rank(), ranks = vr_dist_size();
    vr_status st = VR_OK;
    vr_h5 *h = NULL;
    double *scratch = NULL, *matrix = NULL;
    vr_pol_summary *ps = NULL;
    vr_run_stream *stream = NULL;
    vr_pricing_cache *pricing = NULL; /* scenarios with equal pricing inputs share their tables */
    scen_store ss; /* rank 0, stored paths: the scenario's per-path outputs (pathstore.c) */
    char *verdict = NULL;
    vr_scenario_result res;
    vr_outfile out;
    memset(&res, 0, sizeof res);
    memset(&out, 0, sizeof out);
    memset(&ss, 0, sizeof ss);
    size_t store_mem = 0; /* bytes of per-path outputs kept in memory (scen_store_open) */
    TRY(check_names(s, err));
    /* every rank reads its own environment; they agree before any collective step */
    st = vr_run_store_limit(&store_mem, err);
    TRY(vr_dist_agree(st, err));
    /* A step that may fail on one rank alone (memory, the CPU's kernels) leaves st set and the
     * ranks agree on it before the next collective step: leaving at once would leave the others
     * waiting there. */
    st = vr_pricing_cache_create(&pricing, err);
    /* the output is checked before any work, by rank 0 alone (the others write nothing) */
    if (st == VR_OK && me == 0) {
        char defname[256];
        default_name(cfg, defname, sizeof defname);
        const char *inputs[1] = {cfg->file};
        st = vr_outfile_prepare(&out, opts->out_path, defname, inputs, 1, err);
        if (st == VR_OK)
            st = vr_h5_create_prepared(&out, &h, err);
    }
    TRY(vr_dist_agree(st, err));
    /* score buffers (rank 0): n doubles of sort scratch for scenarios scored from stored paths
     * (their per-path outputs: scen_store_open, per scenario) */
    size_t maxp = 1;
    for (int sc = 0; sc < s->nscen; sc++) {
        const size_t n = vr_scenario_paths(s, &s->scen[sc]);
        if ((cfg->store_paths || n < 2) && n > maxp)
            maxp = n;
    }
    ps = calloc((size_t)s->npol * (size_t)s->nscen, sizeof *ps);
    matrix = calloc((size_t)s->nscen * (size_t)s->npol, sizeof *matrix);
    /* policies are summarised on the run's threads, each with its scratch (store_summaries) */
    int nslots = omp_get_max_threads();
    nslots = nslots < 1 ? 1 : nslots > s->npol ? s->npol : nslots;
    /* a slot holds a policy's summary arrays and a sort scratch, 64 B a path: two always, more
     * only within the store's memory (so memory does not grow with the thread count) */
    const size_t slots_fit = store_mem / (64 * maxp) > 2 ? store_mem / (64 * maxp) : 2;
    if ((size_t)nslots > slots_fit)
        nslots = (int)slots_fit;
    if (!ps || !matrix || (me == 0 && (scratch = malloc((size_t)nslots * maxp * sizeof *scratch)) == NULL))
        st = vr_fail(err, VR_ENOMEM, "run: the score buffers of %zu paths (%.1f GiB) cannot be allocated%s", maxp,
                     (double)nslots * (double)maxp * sizeof *scratch / 1073741824.0,
                     cfg->store_paths ? ": set simulation.store_paths: false (the scores are then streamed, in "
                                        "bounded memory; docs/scale.md), or run fewer paths" : "");
    const vk_table *kt = NULL;
    if (st == VR_OK)
        st = vr_kernels_resolve(s->kt, &kt, err);
    if (st == VR_OK && me == 0) {
        char ts[64];
        const time_t now = time(NULL);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        const int threads = s->threads > 0 ? s->threads : omp_get_max_threads();
        vr_rf_run_info ri = {kt->isa, threads, ranks, ts};
        st = vr_rf_write_root(h, cfg, &ri, err);
    }
    TRY(vr_dist_agree(st, err));
    int base = 0;
    for (int p = 0; p < s->npol; p++)
        if (strcmp(s->pol[p].name, cfg->baseline) == 0) base = p;
    for (int sc = 0; sc < s->nscen; sc++) {
        const vr_scenario *scen = &s->scen[sc];
        const double ts0 = omp_get_wtime();
        const size_t np = vr_scenario_paths(s, scen), bp = vr_eval_block_paths(s, sc);
        /* one path (a replay) has no distribution to stream: it is scored from its outputs */
        const int streamed = !cfg->store_paths && np >= 2;
        if (streamed)
            st = vr_run_stream_create(np, s->npol, base, cfg->thresholds, &stream, err);
        else if (me == 0) {
            st = scen_store_open(&out, s, np, store_mem, nslots, &ss, err);
            if (st == VR_OK && opts->table && vr_path_store_bytes(ss.store) > store_mem &&
                !vr_path_store_on_disk(ss.store))
                fprintf(stderr, "note: %s: the per-path outputs (%.0f MB) stay in memory: the output's "
                                "directory lacks room for them beside the run file (docs/scale.md, "
                                "\"Memory\")\n", scen->name, vr_path_store_bytes(ss.store) / 1e6);
        }
        TRY(vr_dist_agree(st, err));
        vr_eval_stages timed = {0}; /* run --stages: rank 0's sum of the ranks' stages */
        TRY(scenario_eval(cfg, opts, sc, pricing, stream, ss.store, &res, &timed, err));
        int64_t floor_path_days = 0, top_path_days = 0;
        int64_t sized_zero[VR_MAX_POLICIES][VR_MAX_LAYERS], sized_capped[VR_MAX_POLICIES][VR_MAX_LAYERS];
        TRY(scenario_sized_sum(res.sized_zero, sized_zero, err));
        TRY(scenario_sized_sum(res.sized_capped, sized_capped, err));
        if (scen->source == VR_SOURCE_BOOTSTRAP || (scen->source == VR_SOURCE_MODEL && scen->nshocks > 0))
            TRY(scenario_vix_floor(scen, &res, np, vr_scenario_days(s, scen), opts->table && me == 0 ? stderr : NULL,
                                   &floor_path_days, &top_path_days, err));
        double tg = omp_get_wtime();
        vr_pol_summary *row = ps + (size_t)sc * (size_t)s->npol;
        if (streamed) {
            st = vr_run_stream_reduce(stream, err);
            for (int p = 0; p < s->npol && st == VR_OK && me == 0; p++)
                st = vr_run_stream_summary(stream, p, &row[p], err);
            TRY(vr_dist_agree(st, err));
        }
        tg = omp_get_wtime() - tg;
        const int days = vr_scenario_days(s, scen);
        if (me == 0) {
            char d0[16], d1[16];
            double x0[VR_FACTORS_MAX];
            const double vix0 = initial_state(scen, x0);
            vr_rf_scen_info info = {omp_get_wtime() - ts0, res.build_seconds, np, days, NULL, NULL, 0,
                                    res.nlog, vix0, scen->source == VR_SOURCE_HISTORY ? x0 : NULL, NULL, 0, 0, 0, 0,
                                    timed.threads > 0 ? &timed : NULL};
            if (scen->source != VR_SOURCE_MODEL) {
                info.window_gaps = window_gaps(scen, d0, d1, opts->table ? stderr : NULL);
                info.window_from = d0;
                info.window_to = d1;
            }
            if (scen->source == VR_SOURCE_HISTORY) {
                info.vix3m_model_days = replay_vix3m_missing(scen, opts->table ? stderr : NULL);
                info.vix_floor_days = replay_vix_floor(scen, opts->table ? stderr : NULL);
            } else {
                info.vix_floor_path_days = floor_path_days;
                info.vix_top_path_days = top_path_days;
            }
            if (scen->source != VR_SOURCE_HISTORY && cfg->start != NULL && cfg->start[sc].date > 0)
                info.start = &cfg->start[sc];
            st = vr_rf_write_scenario(h, scen, &info, err);
        }
        /* several ranks: every policy's outputs to rank 0's store, one policy at a time */
        if (!streamed && ranks > 1) {
            const double tk = omp_get_wtime();
            for (int p = 0; p < s->npol && st == VR_OK; p++) {
                if (me == 0)
                    ss.buf.nattr = 1 + s->pol[p].nlayers;
                st = vr_dist_gather_out(&res.out[p], me == 0 ? &ss.buf : NULL, np, bp, err);
                if (st == VR_OK && me == 0)
                    st = vr_path_store_put(ss.store, p, &ss.buf, err);
                st = vr_dist_agree(st, err);
            }
            TRY(st);
            vr_path_out_free(&ss.buf); /* the store has them: scoring reads it */
            tg += omp_get_wtime() - tk;
        }
        if (me == 0) {
            /* stored paths: each policy read back from the store, scored against the baseline's
             * P&L, then (after every summary: an ablated policy reads its derived ones') its
             * attribution, then written; streamed: the scores are there, the attribution takes
             * no per-path arrays */
            vr_path_out cur;
            memset(&cur, 0, sizeof cur);
            if (!streamed) {
                vr_path_out bv;
                memset(&bv, 0, sizeof bv);
                const double *bpnl = NULL;
                st = vr_path_store_get_pnl(ss.store, base, 0, &bpnl, err);
                bv.pnl = (double *)bpnl;
                if (st == VR_OK)
                    st = store_summaries(ss.store, cfg, np, &bv, scratch, nslots, row, err);
                if (st == VR_OK && np >= 2)
                    st = vr_pol_attrib_order(bpnl, np, &ss.order, err);
            }
            for (int p = 0; p < s->npol && st == VR_OK; p++) {
                const vr_path_out *o = NULL;
                if (!streamed) {
                    st = vr_path_store_get(ss.store, p, 0, VR_PS_ALL, &cur, err);
                    o = &cur;
                }
                if (st == VR_OK)
                    st = vr_pol_attrib_policy(s->pol, s->npol, p, base, o, np, days, scen->model.spot, ss.order,
                                              store_pnl, &ss,
                                              row, err);
                if (st != VR_OK)
                    break;
                for (int l = 0; l < s->pol[p].nlayers; l++) {
                    const int64_t nz = sized_zero[p][l];
                    row[p].layer[l][VR_RF_LAYER_SIZED_ZERO] = nz > 0 ? (double)nz : NAN; /* (stored when > 0) */
                    /* (the note once, for the configured policy: not again for each of its ablation
                     * variants, which hold the same layer) */
                    if (nz > 0 && opts->table && s->pol[p].abl_kind == VR_ABL_NONE)
                        sized_zero_note(stderr, scen, &s->pol[p], l, nz, row[p].mean_act[l] * (double)np, np);
                    const int64_t nc = sized_capped[p][l];
                    row[p].layer[l][VR_RF_LAYER_SIZED_CAPPED] = nc > 0 ? (double)nc : NAN; /* (when > 0) */
                    if (nc > 0 && opts->table && s->pol[p].abl_kind == VR_ABL_NONE)
                        sized_capped_note(stderr, scen, &s->pol[p], l, nc, row[p].mean_act[l] * (double)np, np);
                }
                if (!cfg->store_paths)
                    o = NULL;
                st = vr_rf_write_policy(h, scen->name, &s->pol[p], o, np, &row[p], cfg->baseline,
                                        cfg->compress, err);
                if (st == VR_OK)
                    st = vr_rf_write_attrib(h, scen->name, s, p, o, np, cfg->compress, err);
                if (st == VR_OK && res.nlog > 0)
                    st = vr_rf_write_trade_log(h, scen->name, s, sc, &res, p, err);
            }
            if (st == VR_OK)
                st = vr_rf_write_samples(h, scen->name, s, &res, err);
            if (st == VR_OK)
                vr_run_matrix_note(matrix, cfg, sc, row);
        }
        TRY(vr_dist_agree(st, err));
        if (me == 0 && ranks > 1 && opts->table && !opts->quiet)
            fprintf(stderr, "scenario %s: %d ranks, %s to rank 0 in %.3f s\n", scen->name, ranks,
                    streamed ? "scores merged" : "per-path outputs gathered and stored", tg);
        vr_scenario_result_free(&res);
        vr_run_stream_destroy(stream);
        stream = NULL;
        scen_store_close(&ss);
    }
    /* the verdict reads every scenario's numbers: it comes first on the console, then the tables
     * and the stress matrix (rank 0). They are printed once the run file is in place: printing
     * them before, into a pipe already closed (`vixrisk run ... | head`), killed the run with
     * SIGPIPE and left its temporary file behind. */
    if (me == 0) {
        if ((verdict = vr_verdict_text(cfg, ps)) == NULL)
            st = vr_fail(err, VR_ENOMEM, "run: verdict");
        if (st == VR_OK)
            st = vr_h5_attr_str(h, "/", vr_rf_root[VR_RF_ROOT_VERDICT].name, verdict, err);
        if (st == VR_OK)
            st = vr_rf_write_wall(h, omp_get_wtime() - t0, err);
        if (st == VR_OK) {
            st = vr_h5_commit(h, err);
            h = NULL;
        }
        if (st == VR_OK && opts->table) {
            fprintf(opts->table, "%s", verdict);
            for (int sc = 0; sc < s->nscen; sc++)
                vr_run_print_table(opts->table, cfg, sc, ps + (size_t)sc * (size_t)s->npol);
            vr_run_print_matrix(opts->table, cfg, matrix);
        }
    }
    st = vr_dist_agree(st, err);
done:
    vr_scenario_result_free(&res);
    vr_run_stream_destroy(stream);
    vr_pricing_cache_destroy(pricing);
    if (h)
        vr_h5_abort(h);
    scen_store_close(&ss);
    free(scratch);
    free(matrix);
    free(ps);
    free(verdict);
    return st;
}
