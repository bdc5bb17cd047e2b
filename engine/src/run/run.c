/* run.c: `vixrisk run` orchestration: evaluate every scenario's policies on common paths
 * (vr_eval_scenario_ex), summarise each policy (summary.c, or stream.c under
 * `simulation.store_paths: false`), write the run file (io/runfile_write.c, layout in
 * vr_runfile.h and docs/hdf5.md) through vr_outfile (the target is checked before any
 * simulation; a short temporary beside it is renamed at the end, and removed by
 * vr_outfile_signal_cleanup if a signal ends the program), and print each scenario's ranking
 * (table.c). Nothing here knows attribute names or prints scores itself.
 *
 * On N MPI ranks (docs/scale.md) every rank runs the same code on its own contiguous range of
 * blocks (vr_dist_paths); rank 0 alone opens, writes and renames the file. Per scenario: every
 * rank evaluates its paths; the ranks agree on the outcome (vr_dist_agree: a failure anywhere
 * stops every rank at the same point, with the failing rank's message); then either each policy's
 * per-path arrays are gathered to rank 0 in path order (baseline first, then one policy at a
 * time) and scored there exactly as in one process, or the streaming accumulators are merged into
 * rank 0's. Either way the file holds the bits of the single-process run. */
#include <omp.h>
#include <stdio.h>
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

/* The output name a directory target gets: "<config stem>.h5". */
static void default_name(const vr_run_cfg *cfg, char *buf, size_t cap)
{
    const char *cf = cfg->file ? cfg->file : "run.yaml", *slash = strrchr(cf, '/');
    const char *bn = slash ? slash + 1 : cf, *dot = strrchr(bn, '.');
    snprintf(buf, cap, "%.*s.h5", dot && dot != bn ? (int)(dot - bn) : (int)strlen(bn), bn);
}

/* Scenario `sc` evaluated and its samples gathered (every rank); rank 0 then holds in res the
 * samples and, when stream is NULL and there is one rank, every path's outputs. */
static vr_status scenario_eval(const vr_run_cfg *cfg, const vr_run_opts *opts, int sc,
                               vr_run_stream *stream, vr_scenario_result *res, vr_err *err)
{
    const vr_run_spec *s = &cfg->spec;
    const int me = vr_dist_rank();
    const size_t n = vr_scenario_paths(s, &s->scen[sc]), bp = vr_eval_block_paths(s, sc);
    vr_eval_opts eo = {0, 0, stream != NULL, stream ? vr_run_stream_feed : NULL, stream};
    vr_dist_paths(n, bp, &eo.path_lo, &eo.path_hi);
    progress_ctx pc = {omp_get_wtime(), sc, s->nscen};
    const int bar = me == 0 && !opts->quiet && isatty(STDERR_FILENO);
    vr_status st = vr_eval_scenario_ex(s, sc, &eo, res, bar ? progress : NULL, &pc, err);
    if (st == VR_OK && stream)
        st = vr_run_stream_status(stream, err);
    if ((st = vr_dist_agree(st, err)) != VR_OK)
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
    return st;
}

vr_status vr_run_execute(const vr_run_cfg *cfg, const vr_run_opts *opts, vr_err *err)
{
    const vr_run_spec *s = &cfg->spec;
    const double t0 = omp_get_wtime();
    const int me = vr_dist_rank(), ranks = vr_dist_size();
    vr_status st = VR_OK;
    vr_h5 *h = NULL;
    double *scratch = NULL;
    vr_pol_summary *ps = NULL;
    vr_run_stream *stream = NULL;
    vr_path_out gout[2]; /* rank 0 of several: the baseline's and one policy's gathered outputs */
    vr_scenario_result res;
    vr_outfile out;
    memset(&res, 0, sizeof res);
    memset(&out, 0, sizeof out);
    memset(gout, 0, sizeof gout);
    TRY(check_names(s, err));
    /* the output is checked before any work, by rank 0 alone (the others write nothing) */
    if (me == 0) {
        char defname[256];
        default_name(cfg, defname, sizeof defname);
        const char *inputs[1] = {cfg->file};
        st = vr_outfile_prepare(&out, opts->out_path, defname, inputs, 1, err);
        if (st == VR_OK)
            st = vr_h5_create_prepared(&out, &h, err);
    }
    TRY(vr_dist_agree(st, err));
    /* score buffers (rank 0): n doubles of sort scratch for scenarios scored from stored paths,
     * and on several ranks the gathered outputs of two policies */
    size_t maxp = 1;
    for (int sc = 0; sc < s->nscen; sc++) {
        const size_t n = vr_scenario_paths(s, &s->scen[sc]);
        if ((cfg->store_paths || n < 2) && n > maxp)
            maxp = n;
    }
    ps = calloc((size_t)s->npol, sizeof *ps);
    if (ps == NULL || (me == 0 && (scratch = malloc(maxp * sizeof *scratch)) == NULL)) {
        st = vr_fail(err, VR_ENOMEM, "run: score buffers");
        goto done;
    }
    const vk_table *kt = NULL;
    TRY(vr_kernels_resolve(s->kt, &kt, err));
    if (me == 0) {
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
            TRY(vr_run_stream_create(np, s->npol, base, cfg->thresholds, &stream, err));
        TRY(scenario_eval(cfg, opts, sc, stream, &res, err));
        double tg = omp_get_wtime();
        if (streamed) {
            st = vr_run_stream_reduce(stream, err);
            for (int p = 0; p < s->npol && st == VR_OK && me == 0; p++)
                st = vr_run_stream_summary(stream, p, &ps[p], err);
            TRY(vr_dist_agree(st, err));
        }
        tg = omp_get_wtime() - tg;
        if (me == 0) {
            char d0[16], d1[16];
            vr_rf_scen_info info = {omp_get_wtime() - ts0, res.build_seconds, np, vr_scenario_days(s, scen),
                                    NULL, NULL, 0};
            if (scen->source != VR_SOURCE_MODEL) {
                info.window_gaps = window_gaps(scen, d0, d1, opts->table ? stderr : NULL);
                info.window_from = d0;
                info.window_to = d1;
            }
            st = vr_rf_write_scenario(h, scen, &info, err);
        }
        if (ranks > 1 && !streamed && me == 0 && gout[0].pnl == NULL) {
            /* per-path outputs of two policies, sized for the largest scenario */
            int ok = 1;
#define ALLOC(f, T, k) ok = (gout[g].f = malloc(maxp * (k) * sizeof(T))) != NULL && ok;
            for (int g = 0; g < 2; g++) {
                VR_PATH_OUT_FIELDS(ALLOC)
            }
#undef ALLOC
            if (!ok && st == VR_OK)
                st = vr_fail(err, VR_ENOMEM, "run: gathered outputs of %zu paths", maxp);
        }
        TRY(vr_dist_agree(st, err));
        /* several ranks: the baseline's outputs are gathered first (every policy's paired
         * scores need them), then one policy at a time, written in the configuration's order */
        const vr_path_out *bo = NULL;
        if (!streamed && ranks > 1) {
            const double tk = omp_get_wtime();
            TRY(vr_dist_gather_out(&res.out[base], me == 0 ? &gout[0] : NULL, np, bp, err));
            tg += omp_get_wtime() - tk;
            bo = &gout[0];
        } else if (!streamed) {
            bo = &res.out[base];
        }
        for (int p = 0; p < s->npol; p++) {
            const vr_path_out *o = NULL;
            if (!streamed && ranks > 1 && p != base) {
                const double tk = omp_get_wtime();
                TRY(vr_dist_gather_out(&res.out[p], me == 0 ? &gout[1] : NULL, np, bp, err));
                tg += omp_get_wtime() - tk;
                o = &gout[1];
            } else if (!streamed) {
                o = p == base ? bo : &res.out[p];
            }
            if (me != 0 || st != VR_OK)
                continue;
            if (!streamed)
                st = vr_pol_summary_compute(o, bo, np, cfg->thresholds, scratch, &ps[p], err);
            if (st == VR_OK)
                st = vr_rf_write_policy(h, scen->name, &s->pol[p], cfg->store_paths ? o : NULL, np, &ps[p],
                                        cfg->baseline, cfg->compress, err);
        }
        if (me == 0 && st == VR_OK)
            st = vr_rf_write_samples(h, scen->name, s, &res, err);
        TRY(vr_dist_agree(st, err));
        if (me == 0 && ranks > 1 && opts->table && !opts->quiet)
            fprintf(stderr, "scenario %s: %d ranks, %s to rank 0 in %.3f s\n", scen->name, ranks,
                    streamed ? "scores merged" : "per-path outputs gathered", tg);
        if (me == 0 && opts->table)
            vr_run_print_table(opts->table, cfg, sc, ps);
        vr_scenario_result_free(&res);
        vr_run_stream_destroy(stream);
        stream = NULL;
    }
    if (me == 0) {
        st = vr_rf_write_wall(h, omp_get_wtime() - t0, err);
        if (st == VR_OK)
            st = vr_h5_commit(h, err);
        h = NULL;
    }
    st = vr_dist_agree(st, err);
done:
    vr_scenario_result_free(&res);
    vr_run_stream_destroy(stream);
    if (h)
        vr_h5_abort(h);
    for (int g = 0; g < 2; g++) {
#define FREE(f, T, k) free(gout[g].f);
        VR_PATH_OUT_FIELDS(FREE)
#undef FREE
    }
    free(scratch);
    free(ps);
    return st;
}
