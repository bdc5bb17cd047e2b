/* runfile_write.c: the writing side of the run file (vr_runfile.h): every attribute and dataset name,
 * type, unit and description comes from the schema tables, so the writer and the report's reader
 * cannot drift apart. Each dataset gets `units` and `description` attributes from its table row. */
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/runfile_write.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_policy_rules.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_version.h"

#define TRY(expr) do { if ((st = (expr)) != VR_OK) goto done; } while (0)

/* Write the dataset described by d at "<group>/<d->name>" with its units and description. */
/* A float64 attribute (an array of n) of the run file: a run file never holds NaN or an
 * infinity, so one here is a numerical failure upstream, refused with the object and the name
 * (optional values that are undefined are left out by the callers before they get here). */
static vr_status finite_or_fail(const char *obj, const char *name, const double *v, size_t n, vr_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return vr_fail(err, VR_ENUM, "run file: %s: %s%s is %g: a numerical failure, not a result", obj, name,
                           n > 1 ? " (an element)" : "", v[i]);
    return VR_OK;
}

static vr_status attr_f64_array(vr_h5 *h, const char *obj, const char *name, const double *v, size_t n,
                                vr_err *err)
{
    const vr_status st = finite_or_fail(obj, name, v, n, err);
    return st != VR_OK ? st : vr_h5_attr_double_array(h, obj, name, v, n, err);
}

static vr_status attr_f64(vr_h5 *h, const char *obj, const char *name, double v, vr_err *err)
{
    const vr_status st = finite_or_fail(obj, name, &v, 1, err);
    return st != VR_OK ? st : vr_h5_attr_double(h, obj, name, v, err);
}

static vr_status write_dset(vr_h5 *h, const char *group, const vr_rf_dset *d, const char *name,
                            const void *data, size_t rows, size_t cols, int compress, vr_err *err)
{
    vr_status st = VR_OK;
    char path[700];
    snprintf(path, sizeof path, "%s/%s", group, name ? name : d->name);
    /* a run file never holds NaN or an infinity: one here is a numerical failure upstream */
    for (size_t i = 0; i < rows * (cols ? cols : 1) && (d->elem == VR_RF_ELEM_F64 || d->elem == VR_RF_ELEM_F32); i++) {
        const double x = d->elem == VR_RF_ELEM_F64 ? ((const double *)data)[i] : ((const float *)data)[i];
        if (!isfinite(x)) {
            st = vr_fail(err, VR_ENUM, "run file: %s[%zu] is %g: a numerical failure, not a result (the "
                         "scenario's inputs reach beyond double precision?)", path, i, x);
            goto done;
        }
    }
    switch (d->elem) {
    case VR_RF_ELEM_F64: TRY(vr_h5_write_f64(h, path, data, rows, compress, err)); break;
    case VR_RF_ELEM_I32: TRY(vr_h5_write_i32(h, path, data, rows, compress, err)); break;
    case VR_RF_ELEM_F32:
        if (d->rank == 2)
            TRY(vr_h5_write_f32_2d(h, path, data, rows, cols, err));
        else
            TRY(vr_h5_write_f32(h, path, data, rows, compress, err));
        break;
    case VR_RF_ELEM_STR: /* only a column of a compound dataset */
        st = vr_fail(err, VR_EINVAL, "run file: %s: a string column is not a dataset", path);
        goto done;
    }
    TRY(vr_h5_attr_str(h, path, VR_RF_UNITS, d->units, err));
    TRY(vr_h5_attr_str(h, path, VR_RF_DESCRIPTION, d->description, err));
done:
    return st;
}

static vr_status check_name(const char *what, const char *name, vr_err *err)
{
    if (vr_runfile_name_ok(name))
        return VR_OK;
    return vr_fail(err, VR_EINVAL,
                   "run file: %s name '%.60s' is not allowed (1-%d characters from " VR_RF_NAME_CHARS ", "
                   "not starting with '.')", what, name, VR_NAME_MAX - 1);
}

vr_status vr_rf_write_root(vr_h5 *h, const vr_run_cfg *cfg, const vr_rf_run_info *ri, vr_err *err)
{
    vr_status st = VR_OK;
    const vr_run_spec *s = &cfg->spec;
    const vr_rf_attr *a = vr_rf_root;
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_VERSION].name, VR_VERSION, err));
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_BUILD].name, VR_BUILD, err));
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_SCHEMA].name, VR_RF_SCHEMA_VERSION, err));
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_CONFIG].name, cfg->config_text ? cfg->config_text : "", err));
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_CONFIG_FILE].name, cfg->file ? cfg->file : "", err));
    TRY(vr_h5_attr_int64(h, "/", a[VR_RF_ROOT_SEED].name, (int64_t)s->seed, err));
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_ISA].name, ri->isa, err));
    TRY(vr_h5_attr_int64(h, "/", a[VR_RF_ROOT_THREADS].name, ri->threads, err));
    TRY(vr_h5_attr_int64(h, "/", a[VR_RF_ROOT_RANKS].name, ri->ranks, err));
    TRY(vr_h5_attr_int64(h, "/", a[VR_RF_ROOT_STORE_PATHS].name, cfg->store_paths ? 1 : 0, err));
    TRY(vr_h5_attr_int64(h, "/", a[VR_RF_ROOT_PATHS].name, (int64_t)s->paths, err));
    TRY(vr_h5_attr_int64(h, "/", a[VR_RF_ROOT_HORIZON].name, s->horizon_days, err));
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_UTC_TIME].name, ri->utc_time, err));
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_BASELINE].name, cfg->baseline, err));
    if (cfg->command_line != NULL) /* what was actually run: the config text may say otherwise */
        TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_COMMAND_LINE].name, cfg->command_line, err));
    TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_OVERRIDES].name, cfg->overrides, err));
    if (cfg->asof.date > 0) { /* run --asof: the market the scenarios started from */
        char ds[16];
        const vr_market_day *mk = &cfg->asof;
        TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_ASOF].name, vr_history_format_date(mk->date, ds), err));
        TRY(vr_h5_attr_str(h, "/", a[VR_RF_ROOT_ASOF_DATA].name, mk->dir, err));
        TRY(attr_f64(h, "/", a[VR_RF_ROOT_ASOF_SPX].name, mk->spx, err));
        TRY(attr_f64(h, "/", a[VR_RF_ROOT_ASOF_VIX].name, mk->vix, err));
        if (mk->vix3m > 0) /* never NaN in a file */
            TRY(attr_f64(h, "/", a[VR_RF_ROOT_ASOF_VIX3M].name, mk->vix3m, err));
    }
done:
    return st;
}

vr_status vr_rf_write_wall(vr_h5 *h, double seconds, vr_err *err)
{
    return attr_f64(h, "/", vr_rf_root[VR_RF_ROOT_WALL].name, seconds, err);
}

static vr_status write_model(vr_h5 *h, const char *g, const vr_model *m, vr_err *err)
{
    vr_status st = VR_OK;
    const vr_rf_attr *a = vr_rf_scen;
    TRY(vr_h5_attr_str(h, g, a[VR_RF_SCEN_MODEL_TYPE].name, vr_model_type_name(m->type), err));
    TRY(attr_f64(h, g, a[VR_RF_SCEN_SPOT].name, m->spot, err));
    TRY(attr_f64(h, g, a[VR_RF_SCEN_RATE].name, m->rate, err));
    TRY(attr_f64(h, g, a[VR_RF_SCEN_DIVIDEND].name, m->dividend, err));
    TRY(attr_f64(h, g, a[VR_RF_SCEN_V0].name, m->v0, err));
    const vr_model_def *def = vr_model_def_of(m->type);
    if (def == NULL) {
        st = vr_fail(err, VR_EINVAL, "run file: %s: model type %d has no parameter table", g, (int)m->type);
        goto done;
    }
    /* the state beyond v0 (stored above under its schema name), by its own name: m0 */
    for (int j = 1; j < def->nstate; j++)
        TRY(attr_f64(h, g, def->state[j].name, vr_param_get(m, &def->state[j]), err));
    for (int set = 0; set < 2; set++) {
        const vr_sv_params *p = set ? &m->pricing : &m->physical;
        for (int i = 0; i < def->nparams; i++) {
            char an[64];
            snprintf(an, sizeof an, "%s_%s", set ? "pricing" : "physical", def->params[i].name);
            TRY(attr_f64(h, g, an, vr_param_get(p, &def->params[i]), err));
        }
    }
done:
    return st;
}

vr_status vr_rf_write_scenario(vr_h5 *h, const vr_scenario *sc, const vr_rf_scen_info *info,
                               vr_err *err)
{
    vr_status st = VR_OK;
    const vr_rf_attr *a = vr_rf_scen;
    char g[256];
    TRY(check_name("scenario", sc->name, err));
    snprintf(g, sizeof g, "/%s", sc->name);
    TRY(vr_h5_group(h, g, err));
    {
        /* v0 (and m0) as the paths started: a replay's state is backed out of its window's first
         * day, not the config's v0 (which the file stored until 2026-12-06, next to a vix0 that
         * did not match it) */
        vr_model m = sc->model;
        if (info->x0 != NULL) {
            m.v0 = info->x0[0];
            m.m0 = info->x0[1];
        }
        TRY(write_model(h, g, &m, err));
    }
    TRY(attr_f64(h, g, a[VR_RF_SCEN_WALL].name, info->seconds, err));
    TRY(attr_f64(h, g, a[VR_RF_SCEN_MARKS_WALL].name, info->build_seconds, err));
    static const char *const src[3] = {"model", "history", "bootstrap"};
    TRY(vr_h5_attr_str(h, g, a[VR_RF_SCEN_SOURCE].name, src[sc->source], err));
    TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_PATHS].name, (int64_t)info->paths, err));
    TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_HORIZON].name, info->days, err));
    TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_SHOCKS].name, sc->nshocks, err));
    TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_TRADE_LOG_PATHS].name, info->trade_log_paths, err));
    TRY(attr_f64(h, g, a[VR_RF_SCEN_VIX0].name, info->vix0, err));
    if (sc->model.vix_cover > 0)
        TRY(attr_f64(h, g, a[VR_RF_SCEN_VIX_COVER].name, sc->model.vix_cover, err));
    if (info->start != NULL) { /* start.asof or run --asof: the market day of spot, v0 (m0) */
        char ds[16];
        const vr_market_day *mk = info->start;
        TRY(vr_h5_attr_str(h, g, a[VR_RF_SCEN_ASOF].name, vr_history_format_date(mk->date, ds), err));
        TRY(vr_h5_attr_str(h, g, a[VR_RF_SCEN_ASOF_DATA].name, mk->dir, err));
        TRY(attr_f64(h, g, a[VR_RF_SCEN_ASOF_SPX].name, mk->spx, err));
        TRY(attr_f64(h, g, a[VR_RF_SCEN_ASOF_VIX].name, mk->vix, err));
        if (mk->vix3m > 0) /* never NaN in a file */
            TRY(attr_f64(h, g, a[VR_RF_SCEN_ASOF_VIX3M].name, mk->vix3m, err));
    }
    if (sc->lookback_data) { /* lookback: data: the closes before day 0 the triggers saw */
        char ds[16];
        TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_LOOKBACK_DAYS].name, sc->npre, err));
        TRY(vr_h5_attr_str(h, g, a[VR_RF_SCEN_LOOKBACK_FROM].name, vr_history_format_date(sc->pre_date0, ds), err));
        TRY(attr_f64(h, g, a[VR_RF_SCEN_LOOKBACK_SPX_PEAK].name, sc->pre_spx_peak, err));
    }
    if (sc->source == VR_SOURCE_HISTORY) {
        TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_VIX3M_MODEL_DAYS].name, info->vix3m_model_days, err));
        TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_VIX_FLOOR_DAYS].name, info->vix_floor_days, err));
    }
    if (sc->source == VR_SOURCE_BOOTSTRAP || (sc->source == VR_SOURCE_MODEL && sc->nshocks > 0))
        TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_VIX_FLOOR_PATH_DAYS].name, info->vix_floor_path_days, err));
    if (sc->source == VR_SOURCE_BOOTSTRAP)
        TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_VIX_TOP_PATH_DAYS].name, info->vix_top_path_days, err));
    if (info->stages != NULL) { /* run --stages: where the evaluation's time went, and its work */
        double sec[VR_EVAL_STAGES_N], cnt[VR_EVAL_STAGES_N];
        vr_eval_stages_pack(info->stages, sec, cnt);
        TRY(attr_f64_array(h, g, a[VR_RF_SCEN_STAGE_SECONDS].name, sec, VR_EVAL_STAGES_N, err));
        TRY(attr_f64_array(h, g, a[VR_RF_SCEN_STAGE_COUNTS].name, cnt, VR_EVAL_STAGES_N, err));
        TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_STAGE_THREADS].name, info->stages->threads, err));
        TRY(attr_f64(h, g, a[VR_RF_SCEN_STAGE_WALL].name, info->stages->seconds, err));
    }
    if (info->window_from != NULL) {
        TRY(vr_h5_attr_str(h, g, a[VR_RF_SCEN_WINDOW_FROM].name, info->window_from, err));
        TRY(vr_h5_attr_str(h, g, a[VR_RF_SCEN_WINDOW_TO].name, info->window_to, err));
        TRY(vr_h5_attr_int64(h, g, a[VR_RF_SCEN_WINDOW_GAPS].name, info->window_gaps, err));
    }
done:
    return st;
}

vr_status vr_rf_write_policy(vr_h5 *h, const char *scen, const vr_policy *pol, const vr_path_out *o,
                             size_t n, const vr_pol_summary *ps, const char *baseline, int compress,
                             vr_err *err)
{
    vr_status st = VR_OK;
    char g[512];
    int32_t *tmp = NULL;
    TRY(check_name("policy", pol->name, err));
    snprintf(g, sizeof g, "/%s/%s", scen, pol->name);
    TRY(vr_h5_group(h, g, err));
    const vr_rf_dset *D = vr_rf_pol_dsets;
    if (o) {
        TRY(write_dset(h, g, &D[VR_RF_D_PNL], NULL, o->pnl, n, 0, compress, err));
        TRY(write_dset(h, g, &D[VR_RF_D_DRAWDOWN], NULL, o->drawdown, n, 0, compress, err));
        TRY(write_dset(h, g, &D[VR_RF_D_HEDGE_COST], NULL, o->hedge_cost, n, 0, compress, err));
        TRY(write_dset(h, g, &D[VR_RF_D_HEDGE_PROCEEDS], NULL, o->hedge_proceeds, n, 0, compress, err));
        TRY(write_dset(h, g, &D[VR_RF_D_TRADES], NULL, o->trades, n, 0, compress, err));
    }
    if (o && (tmp = malloc((n ? n : 1) * sizeof *tmp)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "run: layer outputs of %s (%zu paths)", g, n);
        goto done;
    }
    for (int l = 0; l < pol->nlayers; l++) {
        char lg[600];
        TRY(check_name("layer", pol->layers[l].name, err));
        snprintf(lg, sizeof lg, "%s/" VR_RF_LAYERS_GROUP "/%s", g, pol->layers[l].name);
        const vr_rf_dset *L = vr_rf_layer_dsets;
        if (o) {
            for (size_t i = 0; i < n; i++)
                tmp[i] = o->activations[i * VR_MAX_LAYERS + l];
            TRY(write_dset(h, lg, &L[VR_RF_D_ACTIVATIONS], NULL, tmp, n, 0, compress, err));
            for (size_t i = 0; i < n; i++)
                tmp[i] = o->first_day[i * VR_MAX_LAYERS + l];
            TRY(write_dset(h, lg, &L[VR_RF_D_FIRST_DAY], NULL, tmp, n, 0, compress, err));
        } else {
            TRY(vr_h5_group(h, lg, err));
        }
        TRY(attr_f64(h, lg, vr_rf_layer[VR_RF_LAYER_MEAN_ACT].name, ps->mean_act[l], err));
        TRY(vr_h5_attr_str(h, lg, vr_rf_layer[VR_RF_LAYER_ACTION].name,
                           vr_action_kind_of(pol->layers[l].action.kind)->name, err));
        /* the attribution scores: a replay stores the VR_RF_REPLAY ones; undefined ones (NaN) are
         * optional and left out */
        for (int k = 0; k < VR_RF_LAYER_N; k++) {
            const vr_rf_attr *a = &vr_rf_layer[k];
            if (a->type != VR_RF_F64 || k == VR_RF_LAYER_MEAN_ACT || l >= ps->nlayers)
                continue;
            if ((ps->replay && !(a->flags & VR_RF_REPLAY)) || ps->layer[l][k] != ps->layer[l][k])
                continue;
            TRY(attr_f64(h, lg, a->name, ps->layer[l][k], err));
        }
    }
    /* scores: a replay (one path) stores only the scores flagged VR_RF_REPLAY */
    for (int k = 0; k < VR_SCORE_N; k++) {
        if (ps->replay && !(vr_rf_scores[k].flags & VR_RF_REPLAY))
            continue;
        /* an optional score that is not defined (cost per ES99 reduction without a reduction) is
         * left out: a run file never holds NaN */
        if ((vr_rf_scores[k].flags & VR_RF_OPTIONAL) && ps->score[k] != ps->score[k])
            continue;
        TRY(attr_f64(h, g, vr_rf_scores[k].name, ps->score[k], err));
    }
    const vr_rf_attr *P = vr_rf_pol;
    if (!ps->replay) {
        TRY(attr_f64_array(h, g, P[VR_RF_POL_THRESHOLDS].name, ps->thr, VR_RF_NTHR, err));
        TRY(attr_f64_array(h, g, P[VR_RF_POL_P_LOSS].name, ps->p_loss, VR_RF_NTHR, err));
        TRY(attr_f64_array(h, g, P[VR_RF_POL_P_LOSS_SE].name, ps->p_loss_se, VR_RF_NTHR, err));
    }
    TRY(vr_h5_attr_str(h, g, P[VR_RF_POL_BASELINE].name, baseline, err));
    TRY(vr_h5_attr_int64(h, g, P[VR_RF_POL_LAYERS].name, pol->nlayers, err));
    if (isfinite(ps->car)) { /* (wings by delta: no fixed capital at risk, neither is stored) */
        TRY(attr_f64(h, g, P[VR_RF_POL_CAR].name, ps->car, err));
        TRY(attr_f64(h, g, P[VR_RF_POL_BUDGET].name, ps->budget_pct, err));
    }
done:
    free(tmp);
    return st;
}

vr_status vr_rf_write_attrib(vr_h5 *h, const char *scen, const vr_run_spec *s, int p,
                             const vr_path_out *o, size_t n, int compress, vr_err *err)
{
    vr_status st = VR_OK;
    const vr_policy *pol = &s->pol[p];
    char g[512], ag[600];
    double *col = NULL;
    snprintf(g, sizeof g, "/%s/%s", scen, pol->name);
    snprintf(ag, sizeof ag, "%s/" VR_RF_ATTR_GROUP, g);
    if (o && (col = malloc((n ? n : 1) * sizeof *col)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "run: attribution of %s (%zu paths)", g, n);
        goto done;
    }
    for (int k = 0; o && k < o->nattr; k++) {
        for (size_t i = 0; i < n; i++)
            col[i] = o->attr[i * (size_t)o->nattr + k];
        TRY(write_dset(h, ag, &vr_rf_attr_dset, k == 0 ? VR_RF_ATTR_CONDOR : pol->layers[k - 1].name, col, n,
                       0, compress, err));
    }
    if (pol->abl_kind != VR_ABL_NONE) {
        const vr_rf_attr *P = vr_rf_pol;
        const vr_policy *par = &s->pol[pol->abl_of];
        TRY(vr_h5_attr_str(h, g, P[VR_RF_POL_ABL_OF].name, par->name, err));
        TRY(vr_h5_attr_str(h, g, P[VR_RF_POL_ABL_KIND].name, pol->abl_kind == VR_ABL_ONLY ? "only" : "without",
                           err));
        TRY(vr_h5_attr_str(h, g, P[VR_RF_POL_ABL_LAYER].name, par->layers[pol->abl_layer].name, err));
    }
done:
    free(col);
    return st;
}

/* A record of the trade log as stored (vr_rf_trade_fields, in that order). */
typedef struct trade_row {
    int32_t path, day;
    char date[VR_RF_TRADE_STR], layer[VR_RF_TRADE_STR], owner[VR_RF_TRADE_STR], instrument[VR_RF_TRADE_STR];
    double strike;
    int32_t expiry_day;
    double quantity, price, cash;
    char reason[VR_RF_TRADE_STR];
} trade_row;

static const char *instrument_name(int kind, int cp)
{
    switch (kind) {
    case VR_INST_SPX_OPTION: return cp > 0 ? "spx_call" : "spx_put";
    case VR_INST_VIX_OPTION: return cp > 0 ? "vix_call" : "vix_put";
    case VR_INST_VIX_FUTURE: return "vix_future";
    default: return "other";
    }
}

vr_status vr_rf_write_trade_log(vr_h5 *h, const char *scen, const vr_run_spec *s, int sc,
                                const vr_scenario_result *res, int p, vr_err *err)
{
    vr_status st = VR_OK;
    const vr_scenario *S = &s->scen[sc];
    const vr_policy *pol = &s->pol[p];
    trade_row *rows = NULL;
    size_t n = 0;
    for (int k = 0; k < res->nlog; k++)
        n += res->logs[(size_t)p * res->nlog + k].n;
    if ((rows = calloc(n ? n : 1, sizeof *rows)) == NULL)
        return vr_fail(err, VR_ENOMEM, "run: trade log of %s/%s (%zu trades)", scen, pol->name, n);
    size_t r = 0;
    for (int k = 0; k < res->nlog; k++) {
        const vr_trade_log *lg = &res->logs[(size_t)p * res->nlog + k];
        for (size_t i = 0; i < lg->n; i++, r++) {
            const vr_trade *t = &lg->rec[i];
            trade_row *w = &rows[r];
            w->path = t->path;
            w->day = t->day;
            if (S->source == VR_SOURCE_HISTORY && S->hist && S->hist_i0 + (size_t)t->day < S->hist_i1)
                vr_history_format_date(S->hist->date[S->hist_i0 + (size_t)t->day], w->date);
            snprintf(w->layer, sizeof w->layer, "%s", t->layer < 0 ? VR_RF_ATTR_CONDOR : pol->layers[t->layer].name);
            snprintf(w->owner, sizeof w->owner, "%s", t->owner < 0 ? VR_RF_ATTR_CONDOR : pol->layers[t->owner].name);
            snprintf(w->instrument, sizeof w->instrument, "%s", instrument_name(t->kind, t->cp));
            w->strike = t->strike;
            w->expiry_day = t->expiry_day;
            w->quantity = t->qty;
            w->price = t->price;
            w->cash = t->cash;
            if (!isfinite(w->strike) || !isfinite(w->quantity) || !isfinite(w->price) || !isfinite(w->cash)) {
                st = vr_fail(err, VR_ENUM, "run file: /%s/%s/" VR_RF_TRADE_LOG " record %zu (path %d, day %d): a value "
                             "is not finite (strike %g, quantity %g, price %g, cash %g): a numerical failure",
                             scen, pol->name, r, (int)t->path, (int)t->day, w->strike, w->quantity, w->price, w->cash);
                goto done;
            }
            snprintf(w->reason, sizeof w->reason, "%s", t->reason);
        }
    }
#define OFF(f) offsetof(trade_row, f)
    const size_t offs[VR_RF_TRADE_N] = {OFF(path),       OFF(day),      OFF(date),     OFF(layer),
                                        OFF(owner),      OFF(instrument), OFF(strike), OFF(expiry_day),
                                        OFF(quantity),   OFF(price),    OFF(cash),     OFF(reason)};
    _Static_assert(VR_RF_TRADE_N == 12, "a trade field without its column in trade_row");
#undef OFF
    vr_h5_field f[VR_RF_TRADE_N];
    for (int k = 0; k < VR_RF_TRADE_N; k++) {
        const vr_rf_field *d = &vr_rf_trade_fields[k];
        f[k] = (vr_h5_field){d->name, d->elem == VR_RF_ELEM_F64 ? VR_H5_F64 : d->elem == VR_RF_ELEM_I32 ? VR_H5_I32
                                                                                                   : VR_H5_STR,
                             offs[k], VR_RF_TRADE_STR};
    }
    char path[600];
    snprintf(path, sizeof path, "/%s/%s/" VR_RF_TRADE_LOG, scen, pol->name);
    TRY(vr_h5_write_table(h, path, f, VR_RF_TRADE_N, rows, sizeof *rows, n, err));
    TRY(vr_h5_attr_str(h, path, VR_RF_DESCRIPTION,
                       "one record per leg traded on the logged paths, in order (docs/hdf5.md, Trade log)", err));
done:
    free(rows);
    return st;
}

vr_status vr_rf_write_samples(vr_h5 *h, const char *scen, const vr_run_spec *s,
                              const vr_scenario_result *res, vr_err *err)
{
    vr_status st = VR_OK;
    float *act = NULL;
    if (res->nsample <= 0)
        return VR_OK;
    char g[300], ag[400];
    snprintf(g, sizeof g, "/%s/" VR_RF_SAMPLE_GROUP, scen);
    const size_t ns = (size_t)res->nsample, nd = (size_t)res->ndays;
    const vr_rf_dset *S = vr_rf_sample_dsets;
    TRY(write_dset(h, g, &S[VR_RF_D_SPX], NULL, res->sample_spx, ns, nd, 0, err));
    TRY(write_dset(h, g, &S[VR_RF_D_VIX], NULL, res->sample_vix, ns, nd, 0, err));
    if ((act = malloc(ns * nd * sizeof *act)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "run: sample activations of %s", scen);
        goto done;
    }
    snprintf(ag, sizeof ag, "%s/%s", g, S[VR_RF_D_ACT].name);
    for (int p = 0; p < s->npol; p++) {
        for (size_t i = 0; i < ns * nd; i++)
            act[i] = res->sample_act[(size_t)p * ns * nd + i];
        TRY(write_dset(h, ag, &S[VR_RF_D_ACT], s->pol[p].name, act, ns, nd, 0, err));
    }
done:
    free(act);
    return st;
}
