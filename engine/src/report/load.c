/* load.c: read a `vixrisk run` file into a rep_run for the report writers. Everything comes from
 * the file: root attributes (config, seed, ...), each scenario's model attributes, each policy's
 * score attributes, its per-path pnl and drawdown (sorted here for histograms and quantile
 * curves) and the sample paths with their activation masks. A scenario's policies are its child
 * groups that hold a "pnl" dataset, in creation order. Names, types and units come from the run
 * file's schema (vr_runfile.h), the same tables the writer uses.
 *
 * The file may come from elsewhere, so nothing read from it is used before it is checked: names
 * follow vr_runfile_name_ok; counts (scenarios, policies, layers, paths, sample paths, days) are
 * bounded by the limits of vr_runfile.h and every per-path dataset must have exactly the
 * scenario's `paths` elements, so allocations are bounded by the file's own `paths` attributes and
 * hard caps; per-path values must be finite (an infinite or NaN P&L, drawdown or activation mask is
 * reported as damaged data, naming the dataset and index), and so must every float64 attribute
 * (a NaN score would otherwise pass for an absent one, "n/a"); strings are fixed length (vr_h5.h).
 * A replayed history (paths = 1) carries only the scores flagged VR_RF_REPLAY; the others are NaN
 * and the writers show its P&L instead. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/report_internal.h"
#include "vixrisk/vr_h5.h"

#define REP_KEY(id, key, units, desc, flags) key,
const char *const vr_rep_score_keys[RS_N] = {VR_RF_SCORES(REP_KEY)};
#undef REP_KEY

/* (policy, path) values one report may hold: each costs three doubles (pnl, sorted pnl, sorted
 * drawdown), so the cap is ~6 GB of memory */
#define REP_MAX_TOTAL_PATHS ((size_t)250000000)

#define TRY(expr) do { if ((st = (expr)) != VR_OK) goto done; } while (0)

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static vr_status sorted_copy(const double *v, size_t n, double **out, const char *what, vr_err *err)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (c == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s: %zu values", what, n);
    if (n)
        memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    *out = c;
    return VR_OK;
}

/* Per-path data must be finite: NaN or infinity in a run file is damage, not a result. */
static vr_status check_finite(const double *v, size_t n, const char *path, vr_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return vr_fail(err, VR_EHDF5, "report: %s[%zu] is %s: damaged data (a run never stores "
                           "NaN or infinite per-path values)", path, i, isnan(v[i]) ? "NaN" : "infinite");
    return VR_OK;
}

static vr_status check_name(const char *name, const char *what, const char *where, vr_err *err)
{
    if (vr_runfile_name_ok(name))
        return VR_OK;
    return vr_fail(err, VR_EHDF5, "report: %s: %s name '%.60s' is not a valid run file name "
                   "(1-%d characters from " VR_RF_NAME_CHARS ", not starting with '.')", where, what,
                   name, VR_NAME_MAX - 1);
}

/* A float64 attribute (n elements) must be finite: the writer refuses NaN and infinities
 * (runfile_write.c), so one here is damage. Without this check it would load as NaN, which the
 * writers show as an absent value ("n/a", null, an empty CSV field) and the ranking puts last. */
static vr_status check_attr_finite(const char *obj, const char *name, const double *v, size_t n, vr_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            char el[32] = "";
            if (n > 1)
                snprintf(el, sizeof el, "[%zu]", i);
            return vr_fail(err, VR_EHDF5, "report: %s: attribute %s%s is %s: damaged data (a run never "
                           "stores NaN or infinite values)", obj, name, el, isnan(v[i]) ? "NaN" : "infinite");
        }
    return VR_OK;
}

/* A float64 attribute that must be there, checked finite. */
static vr_status req_double(vr_h5_reader *r, const char *obj, const char *name, double *v, vr_err *err)
{
    const vr_status st = vr_h5_read_attr_double(r, obj, name, v, err);
    return st != VR_OK ? st : check_attr_finite(obj, name, v, 1, err);
}

/* An optional attribute: NaN (or "") when absent, so reports of older files still render. */
static vr_status opt_double(vr_h5_reader *r, const char *obj, const char *name, double *v, vr_err *err)
{
    if (!vr_h5_attr_exists(r, obj, name)) {
        *v = NAN;
        return VR_OK;
    }
    return req_double(r, obj, name, v, err);
}

static vr_status opt_str(vr_h5_reader *r, const char *obj, const char *name, char **v, vr_err *err)
{
    if (!vr_h5_attr_exists(r, obj, name)) {
        *v = calloc(1, 1);
        return *v ? VR_OK : vr_fail(err, VR_ENOMEM, "report: attribute %s", name);
    }
    return vr_h5_read_attr_str(r, obj, name, v, err);
}

static vr_status opt_int(vr_h5_reader *r, const char *obj, const char *name, int64_t *v, vr_err *err)
{
    if (!vr_h5_attr_exists(r, obj, name)) {
        *v = -1;
        return VR_OK;
    }
    return vr_h5_read_attr_int64(r, obj, name, v, err);
}

/* A per-path dataset of exactly n elements, checked finite. */
static vr_status read_paths(vr_h5_reader *r, const char *path, size_t n, double **out, vr_err *err)
{
    vr_status st = VR_OK;
    const vr_h5_shape want = {1, {n, 0}, {0, 0}};
    size_t dims[2];
    TRY(vr_h5_read_f64_shape(r, path, &want, out, dims, err));
    TRY(check_finite(*out, n, path, err));
done:
    return st;
}

/* Mean of the per-path dataset at path (exactly n values, finite), or NaN when it is absent. */
static vr_status opt_mean(vr_h5_reader *r, const char *path, size_t n, double *mean, vr_err *err)
{
    double *v = NULL;
    *mean = NAN;
    if (!vr_h5_exists(r, path))
        return VR_OK;
    vr_status st = read_paths(r, path, n, &v, err);
    if (st == VR_OK) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += v[i];
        *mean = s / (double)n;
    }
    free(v);
    return st;
}

/* Records of one logged path on one day a trade log may hold: the condor's legs closed and opened
 * again, a roll, and each layer's legs opened and closed (a run writes at most 8 in practice) */
#define REP_TRADES_PER_DAY 64
/* A trade record costs as much memory as this many (policy, path) values of the budget */
#define REP_TRADE_COST ((sizeof(rep_trade) + 3 * sizeof(double) - 1) / (3 * sizeof(double)))

/* Records a trade log of scenario s may hold: as many as its logged paths (`trade_log_paths`, at
 * most 100, and at most its paths) trade in its days, REP_TRADES_PER_DAY a day; at least
 * REP_MAX_TRADES (a file without those attributes); within what is left of the report's budget. */
static size_t trade_cap(vr_h5_reader *r, const rep_scenario *s, size_t budget, vr_err *err, vr_status *st)
{
    char g[600];
    int64_t logged = -1;
    snprintf(g, sizeof g, "/%s", s->name);
    *st = opt_int(r, g, vr_rf_scen[VR_RF_SCEN_TRADE_LOG_PATHS].name, &logged, err);
    size_t cap = REP_MAX_TRADES;
    if (*st == VR_OK && logged > 0 && logged <= 100 && s->days > 0 && s->days <= (int64_t)VR_RF_MAX_PATHS) {
        const size_t paths = (size_t)logged < s->paths ? (size_t)logged : s->paths;
        const size_t writer = paths * ((size_t)s->days + 1) * REP_TRADES_PER_DAY;
        if (writer > cap)
            cap = writer;
    }
    return cap < budget / REP_TRADE_COST ? cap : budget / REP_TRADE_COST;
}

/* The trade log (optional): records checked for finite numbers; they count against the budget. */
static vr_status load_trades(vr_h5_reader *r, const rep_scenario *s, const char *g, rep_policy *p,
                             size_t *budget, vr_err *err)
{
    char d[1100];
    snprintf(d, sizeof d, "%s/" VR_RF_TRADE_LOG, g);
    if (!vr_h5_exists(r, d))
        return VR_OK;
    p->has_trades = 1;
    vr_status cst = VR_OK;
    const size_t cap = trade_cap(r, s, *budget, err, &cst);
    if (cst != VR_OK)
        return cst;
#define COL(id, field, kind) {vr_rf_trade_fields[VR_RF_T_##id].name, VR_H5_COL_##kind, \
        offsetof(rep_trade, field), sizeof(((rep_trade *)0)->field)}
    /* the owner last: a file written before it has none, and is read without it */
    const vr_h5_col cols[VR_RF_TRADE_N] = {
        COL(PATH, path, I32), COL(DAY, day, I32), COL(DATE, date, STR), COL(LAYER, layer, STR),
        COL(INSTRUMENT, instrument, STR), COL(STRIKE, strike, F64), COL(EXPIRY_DAY, expiry_day, I32),
        COL(QUANTITY, quantity, F64), COL(PRICE, price, F64), COL(CASH, cash, F64), COL(REASON, reason, STR),
        COL(OWNER, owner, STR)};
#undef COL
    _Static_assert(VR_RF_TRADE_N == 12, "a trade field without its column in rep_trade");
    void *rows = NULL;
    char missing[128];
    snprintf(missing, sizeof missing, "no member '%s' in its record type", vr_rf_trade_fields[VR_RF_T_OWNER].name);
    vr_status st = vr_h5_read_table(r, d, cols, VR_RF_TRADE_N, sizeof(rep_trade), cap, &rows, &p->ntrades, err);
    if (st == VR_EHDF5 && strstr(err->msg, missing) != NULL) { /* (calloc'd rows: owner "") */
        *err = (vr_err){VR_OK, ""};
        st = vr_h5_read_table(r, d, cols, VR_RF_TRADE_N - 1, sizeof(rep_trade), cap, &rows, &p->ntrades, err);
    }
    if (st != VR_OK)
        return st;
    p->trades = rows;
    *budget -= p->ntrades * REP_TRADE_COST;
    for (size_t i = 0; i < p->ntrades; i++) {
        const rep_trade *t = &p->trades[i];
        const double v[4] = {t->strike, t->quantity, t->price, t->cash};
        for (int k = 0; k < 4; k++)
            if (!isfinite(v[k]))
                return vr_fail(err, VR_EHDF5, "report: %s[%zu] has a non-finite number: damaged data", d, i);
    }
    return VR_OK;
}

/* What later run files add to a policy, all optional: capital at risk and hedge budget, the
 * ablation it comes from, layer scores, the attribution means and the trade log. */
static vr_status load_extras(vr_h5_reader *r, const rep_scenario *s, const char *g, rep_policy *p,
                             size_t *budget, vr_err *err)
{
    vr_status st = VR_OK;
    char d[1200];
    const vr_rf_attr *P = vr_rf_pol;
    TRY(opt_double(r, g, P[VR_RF_POL_CAR].name, &p->car, err));
    TRY(opt_double(r, g, P[VR_RF_POL_BUDGET].name, &p->budget_pct, err));
    TRY(opt_str(r, g, P[VR_RF_POL_ABL_OF].name, &p->abl_of, err));
    TRY(opt_str(r, g, P[VR_RF_POL_ABL_KIND].name, &p->abl_kind, err));
    TRY(opt_str(r, g, P[VR_RF_POL_ABL_LAYER].name, &p->abl_layer, err));
    if ((p->lay = calloc(p->nlayer_names + 1, sizeof *p->lay)) == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s: layers", g);
    for (size_t l = 0; l < p->nlayer_names; l++) {
        rep_layer *L = &p->lay[l];
        snprintf(d, sizeof d, "%s/" VR_RF_LAYERS_GROUP "/%s", g, p->layers[l]);
        for (int k = 0; k < VR_RF_LAYER_N; k++) {
            L->score[k] = NAN;
            if (vr_rf_layer[k].type == VR_RF_F64)
                TRY(opt_double(r, d, vr_rf_layer[k].name, &L->score[k], err));
        }
        TRY(opt_str(r, d, vr_rf_layer[VR_RF_LAYER_ACTION].name, &L->action, err));
    }
    snprintf(d, sizeof d, "%s/" VR_RF_ATTR_GROUP "/" VR_RF_ATTR_CONDOR, g);
    TRY(opt_mean(r, d, p->n, &p->attr_condor, err));
    p->has_attr = isfinite(p->attr_condor);
    for (size_t l = 0; l < p->nlayer_names; l++) {
        snprintf(d, sizeof d, "%s/" VR_RF_ATTR_GROUP "/%s", g, p->layers[l]);
        TRY(opt_mean(r, d, p->n, &p->lay[l].attr_mean, err));
        if (!isfinite(p->lay[l].attr_mean))
            p->has_attr = 0;
    }
    TRY(load_trades(r, s, g, p, budget, err));
done:
    return st;
}

static vr_status load_policy(vr_h5_reader *r, const rep_scenario *s, const char *name, rep_policy *p,
                             size_t *budget, vr_err *err)
{
    vr_status st = VR_OK;
    char g[1024], d[1100];
    double *dd = NULL, *arr = NULL;
    size_t m = 0;
    snprintf(g, sizeof g, "/%s/%s", s->name, name);
    if ((p->name = strdup(name)) == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s", g);
    p->replay = s->replay;
    for (int k = 0; k < RS_N; k++) {
        p->score[k] = NAN;
        if ((vr_rf_scores[k].flags & VR_RF_OPTIONAL) && !vr_h5_attr_exists(r, g, vr_rep_score_keys[k]))
            continue; /* not defined for this policy (no ES99 reduction): stays NaN, shown as n/a */
        if (!p->replay || (vr_rf_scores[k].flags & VR_RF_REPLAY))
            TRY(req_double(r, g, vr_rep_score_keys[k], &p->score[k], err));
    }
    p->rank_key = p->replay ? -p->score[RS_MEAN] : p->score[RS_ES99];
    TRY(opt_str(r, g, vr_rf_pol[VR_RF_POL_BASELINE].name, &p->baseline, err));
    TRY(opt_int(r, g, vr_rf_pol[VR_RF_POL_LAYERS].name, &p->nlayers, err));
    if (p->nlayers > VR_MAX_LAYERS) {
        st = vr_fail(err, VR_EHDF5, "report: %s: %lld layers, at most %d", g, (long long)p->nlayers, VR_MAX_LAYERS);
        goto done;
    }
    const int arrays[3] = {VR_RF_POL_THRESHOLDS, VR_RF_POL_P_LOSS, VR_RF_POL_P_LOSS_SE};
    double *dst[3] = {p->thr, p->p_loss, p->p_loss_se};
    for (int a = 0; a < 3; a++) {
        for (size_t i = 0; i < REP_NTHR; i++)
            dst[a][i] = NAN;
        if (p->replay)
            continue; /* a replay has no loss probabilities */
        TRY(vr_h5_read_attr_double_array(r, g, vr_rf_pol[arrays[a]].name, &arr, &m, err));
        TRY(check_attr_finite(g, vr_rf_pol[arrays[a]].name, arr, m, err));
        for (size_t i = 0; i < REP_NTHR; i++)
            dst[a][i] = i < m ? arr[i] : NAN;
        free(arr);
        arr = NULL;
    }
    p->n = s->paths;
    snprintf(d, sizeof d, "%s/%s", g, vr_rf_pol_dsets[VR_RF_D_PNL].name);
    TRY(read_paths(r, d, p->n, &p->pnl, err));
    TRY(sorted_copy(p->pnl, p->n, &p->pnl_sorted, d, err));
    snprintf(d, sizeof d, "%s/%s", g, vr_rf_pol_dsets[VR_RF_D_DRAWDOWN].name);
    TRY(read_paths(r, d, p->n, &dd, err));
    TRY(sorted_copy(dd, p->n, &p->dd_sorted, d, err));
    snprintf(d, sizeof d, "%s/" VR_RF_LAYERS_GROUP, g);
    if (vr_h5_exists(r, d)) {
        TRY(vr_h5_list_groups(r, d, &p->layers, &p->nlayer_names, err));
        if (p->nlayer_names > VR_MAX_LAYERS) {
            st = vr_fail(err, VR_EHDF5, "report: %s: %zu layers, at most %d", d, p->nlayer_names, VR_MAX_LAYERS);
            goto done;
        }
        for (size_t l = 0; l < p->nlayer_names; l++)
            TRY(check_name(p->layers[l], "layer", d, err));
    }
    TRY(load_extras(r, s, g, p, budget, err));
done:
    free(dd);
    free(arr);
    return st;
}

/* Sample paths: spx, vix [nsample, ndays] and each policy's activation masks (absent: NULL). */
static vr_status load_samples(vr_h5_reader *r, rep_scenario *s, vr_err *err)
{
    vr_status st = VR_OK;
    char d[1100];
    size_t dims[2];
    const vr_rf_dset *S = vr_rf_sample_dsets;
    snprintf(d, sizeof d, "/%s/" VR_RF_SAMPLE_GROUP "/%s", s->name, S[VR_RF_D_SPX].name);
    if (!vr_h5_exists(r, d))
        return VR_OK;
    /* at most min(paths, VR_RF_MAX_SAMPLE) rows; the columns are the scenario's days + 1, which
     * simulation.horizon_days keeps within VR_RF_MAX_DAYS but a replay's window does not (a
     * history replay of 2010-2021 has 3021): the bound is on the elements, rows x columns within
     * VR_RF_MAX_SAMPLE x VR_RF_MAX_DAYS, the most a sampled scenario can store */
    const size_t maxs = s->paths < VR_RF_MAX_SAMPLE ? s->paths : VR_RF_MAX_SAMPLE;
    const vr_h5_shape any = {2, {0, 0}, {maxs, (size_t)VR_RF_MAX_SAMPLE * VR_RF_MAX_DAYS / maxs}};
    TRY(vr_h5_read_f64_shape(r, d, &any, &s->spx, dims, err));
    s->nsample = dims[0];
    s->ndays = dims[1];
    if (s->nsample == 0 || s->ndays == 0) {
        free(s->spx);
        s->spx = NULL;
        s->nsample = s->ndays = 0;
        return VR_OK;
    }
    TRY(check_finite(s->spx, s->nsample * s->ndays, d, err));
    const vr_h5_shape same = {2, {s->nsample, s->ndays}, {0, 0}};
    snprintf(d, sizeof d, "/%s/" VR_RF_SAMPLE_GROUP "/%s", s->name, S[VR_RF_D_VIX].name);
    TRY(vr_h5_read_f64_shape(r, d, &same, &s->vix, dims, err));
    TRY(check_finite(s->vix, s->nsample * s->ndays, d, err));
    for (size_t p = 0; p < s->npol; p++) {
        snprintf(d, sizeof d, "/%s/" VR_RF_SAMPLE_GROUP "/%s/%s", s->name, S[VR_RF_D_ACT].name, s->pol[p].name);
        if (!vr_h5_exists(r, d))
            continue;
        TRY(vr_h5_read_f64_shape(r, d, &same, &s->pol[p].act, dims, err));
        const double *a = s->pol[p].act;
        for (size_t i = 0; i < s->nsample * s->ndays; i++)
            if (!(a[i] >= 0 && a[i] < 4294967296.0 && a[i] == floor(a[i]))) {
                st = vr_fail(err, VR_EHDF5, "report: %s[%zu] is %g: damaged data (a layer bit mask is a "
                             "whole number in [0, 2^32))", d, i, a[i]);
                goto done;
            }
    }
done:
    return st;
}

static vr_status load_scenario(vr_h5_reader *r, const rep_run *run, const char *name, rep_scenario *s,
                               size_t *budget, vr_err *err)
{
    vr_status st = VR_OK;
    char g[600], d[1200];
    char **kids = NULL;
    size_t nkids = 0;
    snprintf(g, sizeof g, "/%s", name);
    if ((s->name = strdup(name)) == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s", g);
    TRY(check_name(name, "scenario", run->path, err));
    const vr_rf_attr *A = vr_rf_scen;
    TRY(opt_str(r, g, A[VR_RF_SCEN_MODEL_TYPE].name, &s->model_type, err));
    TRY(opt_str(r, g, A[VR_RF_SCEN_SOURCE].name, &s->source, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_SPOT].name, &s->spot, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_RATE].name, &s->rate, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_DIVIDEND].name, &s->dividend, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_V0].name, &s->v0, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_WALL].name, &s->wall, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_MARKS_WALL].name, &s->marks_wall, err));
    if ((st = vr_rf_read_stages(r, g, &s->stages, &s->has_stages, err)) != VR_OK) {
        vr_err_prefix(err, "report: "); /* (the reader's message names the group, not the command) */
        goto done;
    }
    TRY(opt_int(r, g, A[VR_RF_SCEN_HORIZON].name, &s->days, err));
    TRY(opt_int(r, g, A[VR_RF_SCEN_SHOCKS].name, &s->shocks, err));
    if (s->shocks < 0)
        s->shocks = 0;
    TRY(opt_str(r, g, A[VR_RF_SCEN_WINDOW_FROM].name, &s->window_from, err));
    TRY(opt_str(r, g, A[VR_RF_SCEN_WINDOW_TO].name, &s->window_to, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_VIX0].name, &s->vix0, err));
    TRY(opt_double(r, g, "m0", &s->m0, err)); /* (svcj2's second state factor, by its own name) */
    TRY(opt_str(r, g, A[VR_RF_SCEN_ASOF].name, &s->asof, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_ASOF_SPX].name, &s->asof_spx, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_ASOF_VIX].name, &s->asof_vix, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_VIX_COVER].name, &s->cover, err));
    TRY(opt_int(r, g, A[VR_RF_SCEN_VIX3M_MODEL_DAYS].name, &s->vix3m_model_days, err));
    TRY(opt_int(r, g, A[VR_RF_SCEN_VIX_FLOOR_DAYS].name, &s->vix_floor_days, err));
    TRY(opt_int(r, g, A[VR_RF_SCEN_VIX_FLOOR_PATH_DAYS].name, &s->vix_floor_path_days, err));
    TRY(opt_int(r, g, A[VR_RF_SCEN_VIX_TOP_PATH_DAYS].name, &s->vix_top_path_days, err));
    TRY(opt_int(r, g, A[VR_RF_SCEN_LOOKBACK_DAYS].name, &s->lookback_days, err));
    TRY(opt_str(r, g, A[VR_RF_SCEN_LOOKBACK_FROM].name, &s->lookback_from, err));
    TRY(opt_double(r, g, A[VR_RF_SCEN_LOOKBACK_SPX_PEAK].name, &s->lookback_spx_peak, err));
    /* the parameters of the stored model type, those the file has in both sets and finite */
    const vr_model_def *def = vr_model_def_find(s->model_type);
    s->nparam = 0;
    for (int i = 0; def && i < def->nparams && i < VR_MODEL_PARAMS_MAX; i++) {
        char an[64];
        double ph = NAN, pr = NAN;
        snprintf(an, sizeof an, "physical_%s", def->params[i].name);
        TRY(opt_double(r, g, an, &ph, err));
        snprintf(an, sizeof an, "pricing_%s", def->params[i].name);
        TRY(opt_double(r, g, an, &pr, err));
        if (!isfinite(ph) || !isfinite(pr))
            continue;
        s->pname[s->nparam] = def->params[i].name;
        s->phys[s->nparam] = ph;
        s->pric[s->nparam++] = pr;
    }
    /* every per-path dataset of the scenario has `paths` elements: the bound of every allocation */
    int64_t np = 0;
    TRY(vr_h5_read_attr_int64(r, g, A[VR_RF_SCEN_PATHS].name, &np, err));
    if (np < 1 || (uint64_t)np > VR_RF_MAX_PATHS) {
        st = vr_fail(err, VR_EHDF5, "report: %s: paths = %lld, want 1..%zu", g, (long long)np, VR_RF_MAX_PATHS);
        goto done;
    }
    s->paths = (size_t)np;
    s->replay = np == 1;
    s->tail = vr_tail_paths(s->paths);
    TRY(vr_h5_list_groups(r, g, &kids, &nkids, err));
    if ((s->pol = calloc(nkids + 1, sizeof *s->pol)) == NULL) /* +1: see vr_rep_run_free */ {
        st = vr_fail(err, VR_ENOMEM, "report: %s: %zu policies", g, nkids);
        goto done;
    }
    const char *no_pnl = NULL; /* a group of the scenario that is neither a policy nor sample_paths */
    for (size_t k = 0; k < nkids; k++) {
        snprintf(d, sizeof d, "%s/%s/%s", g, kids[k], vr_rf_pol_dsets[VR_RF_D_PNL].name);
        if (!vr_h5_exists(r, d)) { /* sample_paths, or a policy whose pnl is missing */
            if (no_pnl == NULL && strcmp(kids[k], "sample_paths") != 0)
                no_pnl = kids[k];
            continue;
        }
        TRY(check_name(kids[k], "policy", g, err));
        if (s->npol >= VR_MAX_POLICIES) {
            st = vr_fail(err, VR_EHDF5, "report: %s: more than %d policies", g, VR_MAX_POLICIES);
            goto done;
        }
        if (s->paths > *budget) {
            st = vr_fail(err, VR_EHDF5, "report: %s: more than %zu (policy, path) values in the file; "
                         "a report reads at most that many", run->path, REP_MAX_TOTAL_PATHS);
            goto done;
        }
        *budget -= s->paths;
        TRY(load_policy(r, s, kids[k], &s->pol[s->npol], budget, err));
        s->npol++;
    }
    if (s->npol > 0 && no_pnl != NULL) { /* a policy would silently drop out of the report */
        st = vr_fail(err, VR_EHDF5, "report: %s: %s/%s has no '%s' dataset (a damaged or edited file)", run->path,
                     g, no_pnl, vr_rf_pol_dsets[VR_RF_D_PNL].name);
        goto done;
    }
    if (s->npol == 0) {
        int64_t stored = 1; /* a file without the attribute predates store_paths: it stored them */
        if (vr_h5_attr_exists(r, "/", vr_rf_root[VR_RF_ROOT_STORE_PATHS].name))
            TRY(vr_h5_read_attr_int64(r, "/", vr_rf_root[VR_RF_ROOT_STORE_PATHS].name, &stored, err));
        if (stored == 0)
            st = vr_fail(err, VR_EHDF5, "report: %s: the run kept scores only (simulation.store_paths: false): "
                         "a report needs the per-path datasets; run again with store_paths: true", run->path);
        else
            st = vr_fail(err, VR_EHDF5, "report: %s: scenario %s has no policies", run->path, g);
        goto done;
    }
    /* the paired differences stored in the file are against the run's baseline: a report must
     * name that policy (a missing one would silently become policy 0) */
    size_t nbase = 0;
    for (size_t p = 0; p < s->npol; p++)
        if (strcmp(s->pol[p].name, run->baseline) == 0) {
            s->base = p;
            nbase++;
        }
    if (nbase != 1 && run->baseline[0] != '\0') { /* (no attribute: policy 0, as a file before it) */
        st = vr_fail(err, VR_EHDF5, "report: %s: root attribute %s = '%s' names %s policy of scenario %s",
                     run->path, vr_rf_root[VR_RF_ROOT_BASELINE].name, run->baseline,
                     nbase ? "more than one" : "no", g);
        goto done;
    }
    TRY(load_samples(r, s, err));
done:
    vr_h5_free_names(kids, nkids);
    return st;
}

vr_status vr_rep_run_load(const char *h5_path, rep_run *run, vr_err *err)
{
    vr_status st = VR_OK;
    vr_h5_reader *r = NULL;
    char **scen = NULL;
    size_t nscen = 0, budget = REP_MAX_TOTAL_PATHS;
    memset(run, 0, sizeof *run);
    if ((run->path = strdup(h5_path)) == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s", h5_path);
    /* an input that is not there, or not a file, is a usage error (exit 2) as every command's
     * named input is; a file that cannot be read as a run is a runtime failure (exit 1) */
    struct stat sb;
    if (stat(h5_path, &sb) != 0)
        return vr_fail(err, VR_EINVAL, "report: cannot read %s: %s", h5_path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return vr_fail(err, VR_EINVAL, "report: %s: not a regular file (give a run file, as `vixrisk run` "
                       "writes)", h5_path);
    vr_err inner = {VR_OK, ""};
    if (vr_h5_open_read(h5_path, &r, &inner) != VR_OK) {
        /* "h5: open X: No such file..." or HDF5's "unable to open file: file signature not found" */
        const char *why = inner.msg;
        const char *colon = strstr(why, h5_path);
        if (colon != NULL && strncmp(colon + strlen(h5_path), ": ", 2) == 0)
            why = colon + strlen(h5_path) + 2;
        return vr_fail(err, VR_EIO, "report: cannot read %s as an HDF5 run file: %s", h5_path, why);
    }
    const vr_rf_attr *A = vr_rf_root;
    if (!vr_h5_attr_exists(r, "/", A[VR_RF_ROOT_SCHEMA].name)) {
        st = vr_fail(err, VR_EIO, "report: %s: not a vixrisk run file (no root attribute 'schema')", h5_path);
        goto done;
    }
    TRY(vr_h5_read_attr_str(r, "/", A[VR_RF_ROOT_SCHEMA].name, &run->schema, err));
    if (strcmp(run->schema, VR_RF_SCHEMA_VERSION) != 0) { /* (the one layout this reader knows) */
        st = vr_fail(err, VR_EIO, "report: %s: not a vixrisk run file (schema '%.100s', want %s)",
                     h5_path, run->schema, VR_RF_SCHEMA_VERSION);
        goto done;
    }
    TRY(opt_str(r, "/", A[VR_RF_ROOT_VERSION].name, &run->version, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_BUILD].name, &run->build, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_CONFIG].name, &run->config, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_CONFIG_FILE].name, &run->config_file, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_ISA].name, &run->isa, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_UTC_TIME].name, &run->utc_time, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_BASELINE].name, &run->baseline, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_VERDICT].name, &run->verdict, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_COMMAND_LINE].name, &run->command_line, err));
    TRY(opt_str(r, "/", A[VR_RF_ROOT_OVERRIDES].name, &run->overrides, err));
    TRY(opt_int(r, "/", A[VR_RF_ROOT_SEED].name, &run->seed, err));
    TRY(opt_int(r, "/", A[VR_RF_ROOT_THREADS].name, &run->threads, err));
    TRY(opt_int(r, "/", A[VR_RF_ROOT_RANKS].name, &run->ranks, err));
    TRY(opt_int(r, "/", A[VR_RF_ROOT_PATHS].name, &run->paths, err));
    TRY(opt_int(r, "/", A[VR_RF_ROOT_HORIZON].name, &run->horizon_days, err));
    TRY(opt_double(r, "/", A[VR_RF_ROOT_WALL].name, &run->wall, err));
    TRY(vr_h5_list_groups(r, "/", &scen, &nscen, err));
    if (nscen == 0) {
        st = vr_fail(err, VR_EHDF5, "report: %s: no scenarios in the file", h5_path);
        goto done;
    }
    if (nscen > VR_RF_MAX_SCENARIOS) {
        st = vr_fail(err, VR_EHDF5, "report: %s: %zu scenarios, at most %d", h5_path, nscen, VR_RF_MAX_SCENARIOS);
        goto done;
    }
    if ((run->scen = calloc(nscen, sizeof *run->scen)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "report: %zu scenarios", nscen);
        goto done;
    }
    for (size_t i = 0; i < nscen; i++) {
        run->nscen = i + 1; /* so vr_rep_run_free releases a partly loaded scenario */
        TRY(load_scenario(r, run, scen[i], &run->scen[i], &budget, err));
    }
done:
    vr_h5_free_names(scen, nscen);
    vr_h5_close(r);
    return st;
}

static void free_str(char **s)
{
    free(*s);
    *s = NULL;
}

void vr_rep_run_free(rep_run *run)
{
    if (run == NULL)
        return;
    for (size_t i = 0; i < run->nscen && run->scen; i++) {
        rep_scenario *s = &run->scen[i];
        for (size_t p = 0; p < s->npol + 1 && s->pol; p++) { /* +1: a policy that failed to load */
            rep_policy *q = &s->pol[p];
            free(q->name);
            free(q->baseline);
            vr_h5_free_names(q->layers, q->nlayer_names);
            free(q->pnl);
            free(q->pnl_sorted);
            free(q->dd_sorted);
            free(q->act);
            for (size_t l = 0; q->lay && l < q->nlayer_names; l++)
                free(q->lay[l].action);
            free(q->lay);
            free(q->abl_of);
            free(q->abl_kind);
            free(q->abl_layer);
            free(q->trades);
        }
        free(s->pol);
        free(s->name);
        free(s->model_type);
        free(s->source);
        free(s->spx);
        free(s->vix);
        free(s->window_from);
        free(s->window_to);
        free(s->asof);
        free(s->lookback_from);
    }
    free(run->scen);
    char **strs[] = {&run->path, &run->schema, &run->version, &run->build, &run->config,
                     &run->config_file, &run->isa, &run->utc_time, &run->baseline, &run->verdict,
                     &run->command_line, &run->overrides};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free_str(strs[i]);
    memset(run, 0, sizeof *run);
}
