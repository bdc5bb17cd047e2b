/* json.c: the JSON report (`vixrisk report --format json`): exactly one object (RFC 8259), for
 * programs that want the run's answer without HDF5:
 *
 *   {"schema": "vixrisk-report/1",
 *    "run": {file, config_file, command_line, overrides, seed, paths, horizon_days, baseline, isa,
 *            threads, version, build, utc_time, wall_seconds},
 *    "verdict": "..."                      (only when the run file has one),
 *    "scenarios": [{name, source, model_type, paths, horizon_days, shocks, replay, window_from,
 *                   window_to, vix0, vix_table_cover (when set), start (vr_rep_start_text),
 *                   stages (only when the run was timed: `run --stages`, the members
 *                   of `run --json`'s), policies: [{name, rank_es99, baseline, layers, scores: {<score>: x},
 *                   loss_thresholds, p_loss, p_loss_se, capital_at_risk, hedge_budget_pct,
 *                   ablation_of, ablation, ablation_layer,
 *                   attribution: {condor, layers: [{name, action, net_mean, <layer score>: x}]},
 *                   trade_log: [{<field>: x}]}]}],
 *    "stress_matrix": {policies: [...], scenarios: [{name, metric}],
 *                      cells: [[{value, se, delta, delta_se, significant, baseline} | null]]}}
 *
 * Score names are the run file's attribute names (docs/hdf5.md). A number that is undefined (NaN:
 * a replay's distribution scores, an absent optional score) is null, and so is a count the file
 * lacks (seed, paths, horizon_days, threads, layers); a stress-matrix cell is `significant` as the
 * HTML bolds it (never a ΔES99 on fewer than VR_TAIL_MIN_BEYOND tail paths); attribution and trade_log are
 * present only when the file stores them (a stored log without records: an empty array). Strings are escaped per RFC 8259, invalid UTF-8 replaced
 * by U+FFFD. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/tables.h"

/* One ASCII character inside a JSON string: quote, backslash and control characters escaped. */
static void json_char(FILE *f, unsigned char c)
{
    switch (c) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
        if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

void vr_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    vr_rep_utf8_write(f, s, json_char);
    fputc('"', f);
}

static void jnum(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.17g", x + 0.0); /* (+ 0.0: no "-0") */
    else
        fputs("null", f);
}

/* "key": value pairs; first = 1 for the first member of an object. */
static void kstr(FILE *f, int *first, const char *k, const char *v)
{
    fputs(*first ? "" : ", ", f);
    *first = 0;
    vr_json_str(f, k);
    fputs(": ", f);
    vr_json_str(f, v);
}

static void knum(FILE *f, int *first, const char *k, double v)
{
    fputs(*first ? "" : ", ", f);
    *first = 0;
    vr_json_str(f, k);
    fputs(": ", f);
    jnum(f, v);
}

static void kint(FILE *f, int *first, const char *k, long long v)
{
    fputs(*first ? "" : ", ", f);
    *first = 0;
    vr_json_str(f, k);
    fprintf(f, ": %lld", v);
}

/* A count the file may lack (loaded as -1; never negative in a run file): null then. */
static void kcount(FILE *f, int *first, const char *k, long long v)
{
    if (v >= 0) {
        kint(f, first, k, v);
        return;
    }
    fputs(*first ? "" : ", ", f);
    *first = 0;
    vr_json_str(f, k);
    fputs(": null", f);
}

static void policy(FILE *f, const rep_scenario *s, size_t pi, size_t rank)
{
    const rep_policy *q = &s->pol[pi];
    int first = 1;
    fputs("{", f);
    kstr(f, &first, "name", q->name);
    kint(f, &first, "rank_es99", (long long)rank);
    kstr(f, &first, "baseline", q->baseline);
    kcount(f, &first, "layers", (long long)q->nlayers);
    fputs(", \"scores\": {", f);
    int f2 = 1;
    for (int k = 0; k < RS_N; k++)
        knum(f, &f2, vr_rep_score_keys[k], q->score[k]);
    fputs("}", f);
    const double *arr[3] = {q->thr, q->p_loss, q->p_loss_se};
    static const char *const an[3] = {"loss_thresholds", "p_loss", "p_loss_se"};
    for (int a = 0; a < 3; a++) {
        fprintf(f, ", \"%s\": [", an[a]);
        for (int k = 0; k < REP_NTHR; k++) {
            fputs(k ? ", " : "", f);
            jnum(f, arr[a][k]);
        }
        fputs("]", f);
    }
    knum(f, &first, "capital_at_risk", q->car);
    knum(f, &first, "hedge_budget_pct", q->budget_pct);
    kstr(f, &first, "ablation_of", q->abl_of);
    kstr(f, &first, "ablation", q->abl_kind);
    kstr(f, &first, "ablation_layer", q->abl_layer);
    if (q->has_attr || q->nlayer_names > 0) {
        fputs(", \"attribution\": {", f);
        f2 = 1;
        knum(f, &f2, "condor", q->has_attr ? q->attr_condor : NAN);
        fputs(", \"layers\": [", f);
        for (size_t l = 0; l < q->nlayer_names; l++) {
            const rep_layer *L = &q->lay[l];
            int f3 = 1;
            fputs(l ? ", {" : "{", f);
            kstr(f, &f3, "name", q->layers[l]);
            kstr(f, &f3, "action", L->action);
            knum(f, &f3, "attribution_mean", L->attr_mean);
            for (int k = 0; k < VR_RF_LAYER_N; k++)
                if (vr_rf_layer[k].type == VR_RF_F64)
                    knum(f, &f3, vr_rf_layer[k].name, L->score[k]);
            fputs("}", f);
        }
        fputs("]}", f);
    }
    if (q->has_trades) { /* a log without records is an empty array, not an absent key */
        const vr_rf_field *F = vr_rf_trade_fields;
        fputs(", \"trade_log\": [", f);
        for (size_t t = 0; t < q->ntrades; t++) {
            const rep_trade *r = &q->trades[t];
            int f3 = 1;
            fputs(t ? ",\n  {" : "\n  {", f);
            kint(f, &f3, F[VR_RF_T_PATH].name, r->path);
            kint(f, &f3, F[VR_RF_T_DAY].name, r->day);
            kstr(f, &f3, F[VR_RF_T_DATE].name, r->date);
            kstr(f, &f3, F[VR_RF_T_LAYER].name, r->layer);
            if (r->owner[0]) /* (a file written before owners were logged has none) */
                kstr(f, &f3, F[VR_RF_T_OWNER].name, r->owner);
            kstr(f, &f3, F[VR_RF_T_INSTRUMENT].name, r->instrument);
            knum(f, &f3, F[VR_RF_T_STRIKE].name, r->strike);
            kint(f, &f3, F[VR_RF_T_EXPIRY_DAY].name, r->expiry_day);
            knum(f, &f3, F[VR_RF_T_QUANTITY].name, r->quantity);
            knum(f, &f3, F[VR_RF_T_PRICE].name, r->price);
            knum(f, &f3, F[VR_RF_T_CASH].name, r->cash);
            kstr(f, &f3, F[VR_RF_T_REASON].name, r->reason);
            fputs("}", f);
        }
        fputs("]", f);
    }
    fputs("}", f);
}

vr_status vr_rep_write_json(const rep_run *r, const char *out_path, vr_err *err)
{
    rep_matrix m;
    vr_status st = vr_rep_matrix_build(r, &m, err);
    if (st != VR_OK)
        return st;
    rep_file rf;
    if ((st = vr_rep_file_open(&rf, out_path, r->path, err)) != VR_OK) {
        vr_rep_matrix_free(&m);
        return st;
    }
    FILE *f = rf.f;
    int first = 1;
    fputs("{\"schema\": \"vixrisk-report/1\",\n\"run\": {", f);
    kstr(f, &first, "file", r->path);
    kstr(f, &first, "config_file", r->config_file);
    kstr(f, &first, "command_line", r->command_line);
    kstr(f, &first, "overrides", r->overrides);
    kcount(f, &first, "seed", (long long)r->seed);
    kcount(f, &first, "paths", (long long)r->paths);
    kcount(f, &first, "horizon_days", (long long)r->horizon_days);
    kstr(f, &first, "baseline", r->baseline);
    kstr(f, &first, "isa", r->isa);
    kcount(f, &first, "threads", (long long)r->threads);
    kcount(f, &first, "ranks", (long long)r->ranks);
    kstr(f, &first, "version", r->version);
    kstr(f, &first, "build", r->build);
    kstr(f, &first, "utc_time", r->utc_time);
    knum(f, &first, "wall_seconds", r->wall);
    fputs("},\n", f);
    if (r->verdict && r->verdict[0]) {
        fputs("\"verdict\": ", f);
        vr_json_str(f, r->verdict);
        fputs(",\n", f);
    }
    fputs("\"scenarios\": [", f);
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        size_t rank[s->npol];
        vr_rep_rank_of(s, rank);
        first = 1;
        fputs(i ? ",\n{" : "\n{", f);
        kstr(f, &first, "name", s->name);
        kstr(f, &first, "source", s->source);
        kstr(f, &first, "model_type", s->model_type);
        kint(f, &first, "paths", (long long)s->paths);
        kcount(f, &first, "horizon_days", (long long)(s->days > 0 ? s->days : r->horizon_days));
        kint(f, &first, "shocks", (long long)s->shocks);
        fprintf(f, ", \"replay\": %s", s->replay ? "true" : "false");
        kstr(f, &first, "window_from", s->window_from);
        kstr(f, &first, "window_to", s->window_to);
        knum(f, &first, "vix0", s->vix0); /* (null in files before vix0) */
        if (isfinite(s->cover))
            knum(f, &first, "vix_table_cover", s->cover);
        char start[1024];
        kstr(f, &first, "start", vr_rep_start_text(s, start, sizeof start));
        if (s->has_stages) { /* run --stages: as run --json prints them */
            int f2 = 1;
            fputs(", \"stages\": {", f);
            kint(f, &f2, "threads", s->stages.threads);
            knum(f, &f2, "wall_seconds", s->stages.seconds);
            fputs(", ", f);
            vr_eval_stages_json(f, &s->stages);
            fputs("}", f);
        }
        fputs(", \"policies\": [", f);
        for (size_t p = 0; p < s->npol; p++) {
            fputs(p ? ",\n " : "\n ", f);
            policy(f, s, p, rank[p]);
        }
        fputs("]}", f);
    }
    fputs("],\n\"stress_matrix\": {\"policies\": [", f);
    for (size_t i = 0; i < m.npol; i++) {
        fputs(i ? ", " : "", f);
        vr_json_str(f, m.pol[i]);
    }
    fputs("], \"scenarios\": [", f);
    static const char *const metric[] = {"", "d_es99", "shock_mean", "replay_pnl"};
    for (size_t j = 0; j < m.nscen; j++) {
        int f2 = 1;
        fputs(j ? ", {" : "{", f);
        kstr(f, &f2, "name", r->scen[j].name);
        kstr(f, &f2, "metric", metric[vr_rep_matrix_kind(&r->scen[j])]);
        fputs("}", f);
    }
    fputs("],\n\"cells\": [", f);
    for (size_t i = 0; i < m.npol; i++) {
        fputs(i ? ",\n [" : "\n [", f);
        for (size_t j = 0; j < m.nscen; j++) {
            const rep_mcell *c = &m.cell[i * m.nscen + j];
            fputs(j ? ", " : "", f);
            if (c->kind == REP_M_NONE) {
                fputs("null", f);
                continue;
            }
            int f2 = 1;
            fputs("{", f);
            knum(f, &f2, "value", c->v);
            knum(f, &f2, "se", c->se);
            knum(f, &f2, "delta", c->d);
            knum(f, &f2, "delta_se", c->dse);
            fprintf(f, ", \"significant\": %s, \"baseline\": %s}", c->sig ? "true" : "false",
                    c->base ? "true" : "false");
        }
        fputs("]", f);
    }
    fputs("]}}\n", f);
    vr_rep_matrix_free(&m);
    return vr_rep_file_commit(&rf, err);
}
