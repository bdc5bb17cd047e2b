/* run.c: `vixrisk run` orchestration: evaluate every scenario's policies on common paths
 * (vr_eval_scenario), summarise each policy (summary.c), write the run file (io/runfile_write.c,
 * layout in vr_runfile.h and docs/hdf5.md) through vr_outfile (the target is checked before any
 * simulation; a short temporary beside it is renamed at the end, and removed by
 * vr_outfile_signal_cleanup if a signal ends the program), and print the verdict (verdict.c) and
 * then each scenario's ranking and attribution (table.c). Nothing here knows attribute names or
 * prints scores itself. */
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

vr_status vr_run_execute(const vr_run_cfg *cfg, const vr_run_opts *opts, vr_err *err)
{
    const vr_run_spec *s = &cfg->spec;
    const double t0 = omp_get_wtime();
    vr_status st = VR_OK;
    vr_h5 *h = NULL;
    double *scratch = NULL, *matrix = NULL;
    vr_pol_summary *ps = NULL;
    char *verdict = NULL;
    vr_scenario_result res;
    vr_outfile out;
    memset(&res, 0, sizeof res);
    memset(&out, 0, sizeof out);
    TRY(check_names(s, err));
    /* the output is checked before any work; a directory target gets "<config stem>.h5" */
    char defname[256];
    const char *cf = cfg->file ? cfg->file : "run.yaml", *slash = strrchr(cf, '/');
    const char *bn = slash ? slash + 1 : cf, *dot = strrchr(bn, '.');
    snprintf(defname, sizeof defname, "%.*s.h5", dot && dot != bn ? (int)(dot - bn) : (int)strlen(bn), bn);
    const char *inputs[1] = {cfg->file};
    TRY(vr_outfile_prepare(&out, opts->out_path, defname, inputs, 1, err));
    TRY(vr_h5_create_prepared(&out, &h, err));
    size_t maxp = 1;
    for (int sc = 0; sc < s->nscen; sc++)
        if (vr_scenario_paths(s, &s->scen[sc]) > maxp)
            maxp = vr_scenario_paths(s, &s->scen[sc]);
    scratch = malloc(maxp * sizeof *scratch);
    ps = calloc((size_t)s->npol * (size_t)s->nscen, sizeof *ps);
    matrix = calloc((size_t)s->nscen * (size_t)s->npol, sizeof *matrix);
    if (!scratch || !ps || !matrix) { st = vr_fail(err, VR_ENOMEM, "run: score buffers"); goto done; }
    char ts[64];
    const time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    const int threads = s->threads > 0 ? s->threads : omp_get_max_threads();
    const vk_table *kt = NULL;
    TRY(vr_kernels_resolve(s->kt, &kt, err));
    TRY(vr_rf_write_root(h, cfg, kt->isa, threads, ts, err));
    int base = 0;
    for (int p = 0; p < s->npol; p++)
        if (strcmp(s->pol[p].name, cfg->baseline) == 0) base = p;
    for (int sc = 0; sc < s->nscen; sc++) {
        const vr_scenario *scen = &s->scen[sc];
        progress_ctx pc = {omp_get_wtime(), sc, s->nscen};
        const int bar = !opts->quiet && isatty(STDERR_FILENO);
        TRY(vr_eval_scenario(s, sc, &res, bar ? progress : NULL, &pc, err));
        const size_t np = vr_scenario_paths(s, scen);
        char d0[16], d1[16];
        vr_rf_scen_info info = {res.seconds, res.build_seconds, np, vr_scenario_days(s, scen), NULL, NULL, 0,
                                res.nlog};
        if (scen->source != VR_SOURCE_MODEL) {
            info.window_gaps = window_gaps(scen, d0, d1, opts->table ? stderr : NULL);
            info.window_from = d0;
            info.window_to = d1;
        }
        TRY(vr_rf_write_scenario(h, scen, &info, err));
        vr_pol_summary *row = ps + (size_t)sc * (size_t)s->npol;
        for (int p = 0; p < s->npol; p++)
            TRY(vr_pol_summary_compute(&res.out[p], &res.out[base], np, cfg->thresholds, scratch, &row[p], err));
        TRY(vr_pol_attrib_compute(s->pol, s->npol, res.out, np, info.days, base, scratch, row, err));
        for (int p = 0; p < s->npol; p++) {
            TRY(vr_rf_write_policy(h, scen->name, &s->pol[p], &res.out[p], np, &row[p], cfg->baseline,
                                   cfg->compress, err));
            TRY(vr_rf_write_attrib(h, scen->name, s, p, &res.out[p], np, cfg->compress, err));
            if (res.nlog > 0)
                TRY(vr_rf_write_trade_log(h, scen->name, s, sc, &res, p, err));
        }
        TRY(vr_rf_write_samples(h, scen->name, s, &res, err));
        vr_run_matrix_note(matrix, cfg, sc, row);
        vr_scenario_result_free(&res);
    }
    /* the verdict reads every scenario's numbers: it comes first on the console, then the tables
     * and the stress matrix */
    if ((verdict = vr_verdict_text(cfg, ps)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "run: verdict");
        goto done;
    }
    TRY(vr_h5_attr_str(h, "/", vr_rf_root[VR_RF_ROOT_VERDICT].name, verdict, err));
    if (opts->table) {
        fprintf(opts->table, "%s", verdict);
        for (int sc = 0; sc < s->nscen; sc++)
            vr_run_print_table(opts->table, cfg, sc, ps + (size_t)sc * (size_t)s->npol);
        vr_run_print_matrix(opts->table, cfg, matrix);
    }
    TRY(vr_rf_write_wall(h, omp_get_wtime() - t0, err));
    st = vr_h5_commit(h, err);
    h = NULL;
done:
    vr_scenario_result_free(&res);
    if (h)
        vr_h5_abort(h);
    free(scratch);
    free(matrix);
    free(ps);
    free(verdict);
    return st;
}
