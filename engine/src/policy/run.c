/* run.c: `vixrisk run`: every scenario's policies on common paths, scores, one HDF5 file (layout
 * in docs/hdf5.md) written to a temporary name and renamed at the end, and a ranking table. */
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_stats.h"

/* Temporary output path for the signal handler (copied, so the handler touches no heap). */
static char g_tmp_path[4096];
static volatile sig_atomic_t g_tmp_set;

void vr_run_abort_cleanup(void)
{
    if (g_tmp_set)
        unlink(g_tmp_path);
}

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

static vr_status write_model(vr_h5 *h, const char *g, const vr_model *m, vr_err *err)
{
    vr_status st = VR_OK;
    TRY(vr_h5_attr_str(h, g, "model_type", vr_model_type_name(m->type), err));
    TRY(vr_h5_attr_double(h, g, "spot", m->spot, err));
    TRY(vr_h5_attr_double(h, g, "rate", m->rate, err));
    TRY(vr_h5_attr_double(h, g, "dividend", m->dividend, err));
    TRY(vr_h5_attr_double(h, g, "v0", m->v0, err));
    const char *names[11] = {"kappa", "theta", "sigma", "rho", "lambda", "mu_j", "sigma_j", "mu_v", "mu_s", "sigma_s", "rho_j"};
    for (int set = 0; set < 2; set++) {
        const vr_sv_params *p = set ? &m->pricing : &m->physical;
        const double v[11] = {p->kappa, p->theta, p->sigma, p->rho, p->lambda, p->mu_j, p->sigma_j, p->mu_v, p->mu_s, p->sigma_s, p->rho_j};
        for (int i = 0; i < 11; i++) {
            char an[64];
            snprintf(an, sizeof an, "%s_%s", set ? "pricing" : "physical", names[i]);
            TRY(vr_h5_attr_double(h, g, an, v[i], err));
        }
    }
done:
    return st;
}

typedef struct pol_summary {
    vr_scores s;
    vr_paired d;
    double dd_q50, dd_q95, dd_q99, paid, recv, cost_per_es;
} pol_summary;

static vr_status write_policy(vr_h5 *h, const char *scen, const vr_policy *pol, const vr_path_out *o,
                              const vr_path_out *base, size_t n, const vr_run_cfg *cfg, double *scratch,
                              pol_summary *ps, vr_err *err)
{
    vr_status st = VR_OK;
    char g[512], d[600];
    snprintf(g, sizeof g, "/%s/%s", scen, pol->name);
    TRY(vr_h5_group(h, g, err));
#define DS(name, arr) snprintf(d, sizeof d, "%s/" name, g); TRY(vr_h5_write_f64(h, d, arr, n, cfg->compress, err))
    DS("pnl", o->pnl);
    DS("drawdown", o->drawdown);
    DS("hedge_cost", o->hedge_cost);
    DS("hedge_proceeds", o->hedge_proceeds);
#undef DS
    snprintf(d, sizeof d, "%s/trades", g);
    TRY(vr_h5_write_i32(h, d, o->trades, n, cfg->compress, err));
    int32_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp) { st = vr_fail(err, VR_ENOMEM, "run: layer outputs"); goto done; }
    for (int l = 0; l < pol->nlayers; l++) {
        char lg[600];
        snprintf(lg, sizeof lg, "%s/layers/%s", g, pol->layers[l].name);
        for (size_t i = 0; i < n; i++) tmp[i] = o->activations[i * VR_MAX_LAYERS + l];
        snprintf(d, sizeof d, "%s/activations", lg);
        if ((st = vr_h5_write_i32(h, d, tmp, n, cfg->compress, err)) != VR_OK) break;
        for (size_t i = 0; i < n; i++) tmp[i] = o->first_day[i * VR_MAX_LAYERS + l];
        snprintf(d, sizeof d, "%s/first_day", lg);
        if ((st = vr_h5_write_i32(h, d, tmp, n, cfg->compress, err)) != VR_OK) break;
        double acts = 0;
        for (size_t i = 0; i < n; i++) acts += o->activations[i * VR_MAX_LAYERS + l];
        if ((st = vr_h5_attr_double(h, lg, "mean_activations", acts / n, err)) != VR_OK) break;
        if ((st = vr_h5_attr_str(h, lg, "action", pol->layers[l].action.kind == VR_ACTION_VIX_CALL ? "vix_call" : "roll_tested", err)) != VR_OK) break;
    }
    free(tmp);
    if (st != VR_OK)
        goto done;
    if (n < 2) {
        /* a replayed history is one path: its P&L, drawdown and hedge flows, no distribution */
        memset(ps, 0, sizeof *ps);
        ps->s.n = n;
        ps->s.mean = o->pnl[0];
        ps->s.mean_se = ps->s.std = NAN;
        for (int k = 0; k < 3; k++) {
            ps->s.var[k] = ps->s.es[k] = -o->pnl[0];
            ps->s.var_se[k] = ps->s.es_se[k] = NAN;
        }
        ps->d.dmean = o->pnl[0] - base->pnl[0];
        ps->d.des99 = -(o->pnl[0] - base->pnl[0]);
        ps->d.dmean_se = ps->d.des99_se = NAN;
        ps->dd_q50 = ps->dd_q95 = ps->dd_q99 = o->drawdown[0];
        ps->paid = o->hedge_cost[0];
        ps->recv = o->hedge_proceeds[0];
        ps->cost_per_es = NAN;
        TRY(vr_h5_attr_double(h, g, "mean", ps->s.mean, err));
        TRY(vr_h5_attr_double(h, g, "drawdown_q50", ps->dd_q50, err));
        TRY(vr_h5_attr_double(h, g, "hedge_premium_paid", ps->paid, err));
        TRY(vr_h5_attr_double(h, g, "hedge_premium_recovered", ps->recv, err));
        TRY(vr_h5_attr_double(h, g, "d_mean", ps->d.dmean, err));
        TRY(vr_h5_attr_str(h, g, "baseline", cfg->baseline, err));
        TRY(vr_h5_attr_int64(h, g, "layers", pol->nlayers, err));
        goto done;
    }
    TRY(vr_scores_compute_buf(o->pnl, n, cfg->thresholds, scratch, &ps->s, err));
    TRY(vr_paired_compute_buf(o->pnl, base->pnl, n, scratch, &ps->d, err));
    memcpy(scratch, o->drawdown, n * sizeof(double));
    vr_sort_doubles(scratch, n);
    ps->dd_q50 = vr_quantile(scratch, n, 0.5);
    ps->dd_q95 = vr_quantile(scratch, n, 0.95);
    ps->dd_q99 = vr_quantile(scratch, n, 0.99);
    double paid = 0, recv = 0;
    for (size_t i = 0; i < n; i++) { paid += o->hedge_cost[i]; recv += o->hedge_proceeds[i]; }
    ps->paid = paid / n;
    ps->recv = recv / n;
    /* cost per unit of ES99 reduction: mean P&L given up per dollar of ES99 removed */
    ps->cost_per_es = ps->d.des99 < 0 ? -ps->d.dmean / -ps->d.des99 : NAN;
    const vr_scores *s = &ps->s;
    struct { const char *k; double v; } a[] = {
        {"mean", s->mean}, {"mean_se", s->mean_se}, {"std", s->std}, {"skew", s->skew}, {"kurtosis", s->kurt},
        {"q0.1", s->q[0]}, {"q1", s->q[1]}, {"q5", s->q[2]}, {"q50", s->q[3]}, {"q95", s->q[4]}, {"q99", s->q[5]},
        {"var95", s->var[0]}, {"var95_se", s->var_se[0]}, {"var99", s->var[1]}, {"var99_se", s->var_se[1]},
        {"var99.9", s->var[2]}, {"var99.9_se", s->var_se[2]},
        {"es95", s->es[0]}, {"es95_se", s->es_se[0]}, {"es99", s->es[1]}, {"es99_se", s->es_se[1]},
        {"es99.9", s->es[2]}, {"es99.9_se", s->es_se[2]},
        {"drawdown_q50", ps->dd_q50}, {"drawdown_q95", ps->dd_q95}, {"drawdown_q99", ps->dd_q99},
        {"hedge_premium_paid", ps->paid}, {"hedge_premium_recovered", ps->recv},
        {"d_mean", ps->d.dmean}, {"d_mean_se", ps->d.dmean_se}, {"d_es99", ps->d.des99}, {"d_es99_se", ps->d.des99_se},
        {"cost_per_es99_reduction", ps->cost_per_es},
    };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        TRY(vr_h5_attr_double(h, g, a[i].k, a[i].v, err));
    TRY(vr_h5_attr_double_array(h, g, "loss_thresholds", s->thresholds, 4, err));
    TRY(vr_h5_attr_double_array(h, g, "p_loss", s->p_loss, 4, err));
    TRY(vr_h5_attr_double_array(h, g, "p_loss_se", s->p_loss_se, 4, err));
    TRY(vr_h5_attr_str(h, g, "baseline", cfg->baseline, err));
    TRY(vr_h5_attr_int64(h, g, "layers", pol->nlayers, err));
done:
    return st;
}

static void print_table(FILE *out, const vr_scenario *scen, const vr_run_cfg *cfg, const pol_summary *ps)
{
    const vr_run_spec *s = &cfg->spec;
    int order[VR_MAX_POLICIES];
    for (int i = 0; i < s->npol; i++) order[i] = i;
    for (int i = 1; i < s->npol; i++) /* rank by ES99 (smallest tail loss first) */
        for (int j = i; j > 0 && ps[order[j]].s.es[1] < ps[order[j - 1]].s.es[1]; j--) {
            const int t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
        }
    fprintf(out, "\nscenario %s: %zu paths x %d days, baseline %s (USD, ES/VaR as losses)\n", scen->name,
            vr_scenario_paths(s, scen), vr_scenario_days(s, scen), cfg->baseline);
    fprintf(out, "%-40s %18s %18s %10s %20s %16s %10s %10s\n", "policy", "mean +- se", "ES99 +- se", "VaR99",
            "dES99 +- se", "dmean +- se", "cost/ES", "hedge paid");
    for (int k = 0; k < s->npol; k++) {
        const pol_summary *p = &ps[order[k]];
        char a[40], b[40], c[40], d[40];
        snprintf(a, sizeof a, "%.0f +- %.0f", p->s.mean, p->s.mean_se);
        snprintf(b, sizeof b, "%.0f +- %.0f", p->s.es[1], p->s.es_se[1]);
        snprintf(c, sizeof c, "%.0f +- %.0f", p->d.des99, p->d.des99_se);
        snprintf(d, sizeof d, "%.0f +- %.0f", p->d.dmean, p->d.dmean_se);
        fprintf(out, "%-40s %18s %18s %10.0f %20s %16s %10.3f %10.0f\n", s->pol[order[k]].name, a, b, p->s.var[1], c, d,
                p->cost_per_es, p->paid);
    }
}

vr_status vr_run_execute(const vr_run_cfg *cfg, const vr_run_opts *opts, vr_err *err)
{
    const vr_run_spec *s = &cfg->spec;
    const double t0 = omp_get_wtime();
    vr_status st = VR_OK;
    vr_h5 *h = NULL;
    double *scratch = NULL;
    pol_summary *ps = NULL;
    vr_scenario_result res;
    memset(&res, 0, sizeof res);
    TRY(vr_h5_create(opts->out_path, &h, err));
    snprintf(g_tmp_path, sizeof g_tmp_path, "%s", vr_h5_temp_path(h));
    g_tmp_set = 1;
    size_t maxp = 1;
    for (int sc = 0; sc < s->nscen; sc++)
        if (vr_scenario_paths(s, &s->scen[sc]) > maxp)
            maxp = vr_scenario_paths(s, &s->scen[sc]);
    scratch = malloc(maxp * sizeof *scratch);
    ps = calloc((size_t)s->npol, sizeof *ps);
    if (!scratch || !ps) { st = vr_fail(err, VR_ENOMEM, "run: score buffers"); goto done; }
    char ts[64];
    const time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    const int threads = s->threads > 0 ? s->threads : omp_get_max_threads();
    TRY(vr_h5_attr_str(h, "/", "vixrisk_version", VIXRISK_VERSION, err));
    TRY(vr_h5_attr_str(h, "/", "build", VIXRISK_GIT, err));
    TRY(vr_h5_attr_str(h, "/", "schema", "vixrisk-run/1", err));
    TRY(vr_h5_attr_str(h, "/", "config", cfg->config_text ? cfg->config_text : "", err));
    TRY(vr_h5_attr_str(h, "/", "config_file", cfg->file ? cfg->file : "", err));
    TRY(vr_h5_attr_int64(h, "/", "seed", (int64_t)s->seed, err));
    TRY(vr_h5_attr_str(h, "/", "isa", s->kt ? s->kt->isa : vk_select(NULL)->isa, err));
    TRY(vr_h5_attr_int64(h, "/", "threads", threads, err));
    TRY(vr_h5_attr_int64(h, "/", "paths", (int64_t)s->paths, err));
    TRY(vr_h5_attr_int64(h, "/", "horizon_days", s->horizon_days, err));
    TRY(vr_h5_attr_str(h, "/", "utc_time", ts, err));
    TRY(vr_h5_attr_str(h, "/", "baseline", cfg->baseline, err));
    int base = 0;
    for (int p = 0; p < s->npol; p++)
        if (strcmp(s->pol[p].name, cfg->baseline) == 0) base = p;
    for (int sc = 0; sc < s->nscen; sc++) {
        progress_ctx pc = {omp_get_wtime(), sc, s->nscen};
        const int bar = !opts->quiet && isatty(STDERR_FILENO);
        TRY(vr_eval_scenario(s, sc, &res, bar ? progress : NULL, &pc, err));
        char g[256];
        snprintf(g, sizeof g, "/%s", s->scen[sc].name);
        TRY(vr_h5_group(h, g, err));
        TRY(write_model(h, g, &s->scen[sc].model, err));
        TRY(vr_h5_attr_double(h, g, "wall_seconds", res.seconds, err));
        TRY(vr_h5_attr_double(h, g, "marks_build_seconds", res.build_seconds, err));
        const size_t np = vr_scenario_paths(s, &s->scen[sc]);
        static const char *const src[3] = {"model", "history", "bootstrap"};
        TRY(vr_h5_attr_str(h, g, "source", src[s->scen[sc].source], err));
        TRY(vr_h5_attr_int64(h, g, "paths", (int64_t)np, err));
        TRY(vr_h5_attr_int64(h, g, "horizon_days", vr_scenario_days(s, &s->scen[sc]), err));
        TRY(vr_h5_attr_int64(h, g, "shocks", s->scen[sc].nshocks, err));
        if (s->scen[sc].source != VR_SOURCE_MODEL) {
            const vr_history *hs = s->scen[sc].hist;
            const int32_t f = hs->date[s->scen[sc].hist_i0], t = hs->date[s->scen[sc].hist_i1 - 1];
            char d0[16], d1[16];
            vr_history_format_date(f, d0);
            vr_history_format_date(t, d1);
            TRY(vr_h5_attr_str(h, g, "window_from", d0, err));
            TRY(vr_h5_attr_str(h, g, "window_to", d1, err));
            /* dates inside the window that only one of SPX/VIX has: the join dropped them (a
             * day's move then spans two sessions); reported, never filled in */
            int64_t gaps = 0;
            for (size_t k = 0; k < hs->n_gaps; k++)
                if (hs->gaps[k].date >= f && hs->gaps[k].date <= t) {
                    if (gaps == 0 && opts->table)
                        fprintf(stderr, "note: %s: dates in %s..%s with only one of SPX/VIX, skipped:", s->scen[sc].name, d0, d1);
                    if (opts->table && gaps < 10) {
                        char dd[16];
                        fprintf(stderr, " %s", vr_history_format_date(hs->gaps[k].date, dd));
                    }
                    gaps++;
                }
            if (gaps > 0 && opts->table)
                fprintf(stderr, "%s (%lld in all)\n", gaps > 10 ? " ..." : "", (long long)gaps);
            TRY(vr_h5_attr_int64(h, g, "window_gaps", gaps, err));
        }
        for (int p = 0; p < s->npol; p++)
            TRY(write_policy(h, s->scen[sc].name, &s->pol[p], &res.out[p], &res.out[base], np, cfg, scratch, &ps[p], err));
        if (res.nsample > 0) {
            char d[600];
            snprintf(d, sizeof d, "%s/sample_paths/spx", g);
            TRY(vr_h5_write_f32_2d(h, d, res.sample_spx, (size_t)res.nsample, (size_t)res.ndays, err));
            snprintf(d, sizeof d, "%s/sample_paths/vix", g);
            TRY(vr_h5_write_f32_2d(h, d, res.sample_vix, (size_t)res.nsample, (size_t)res.ndays, err));
            float *act = malloc((size_t)res.nsample * res.ndays * sizeof *act);
            if (!act) { st = vr_fail(err, VR_ENOMEM, "run: sample activations"); goto done; }
            for (int p = 0; p < s->npol && st == VR_OK; p++) {
                for (size_t i = 0; i < (size_t)res.nsample * res.ndays; i++)
                    act[i] = res.sample_act[(size_t)p * res.nsample * res.ndays + i];
                snprintf(d, sizeof d, "%s/sample_paths/activations/%s", g, s->pol[p].name);
                st = vr_h5_write_f32_2d(h, d, act, (size_t)res.nsample, (size_t)res.ndays, err);
            }
            free(act);
            if (st != VR_OK) goto done;
        }
        if (opts->table)
            print_table(opts->table, &s->scen[sc], cfg, ps);
        vr_scenario_result_free(&res);
    }
    TRY(vr_h5_attr_double(h, "/", "wall_seconds", omp_get_wtime() - t0, err));
    st = vr_h5_commit(h, err);
    h = NULL;
done:
    vr_scenario_result_free(&res);
    if (h)
        vr_h5_abort(h);
    g_tmp_set = 0;
    free(scratch);
    free(ps);
    return st;
}
