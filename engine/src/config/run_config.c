/* run_config.c: the run file (schema in docs/config.md). libcyaml maps the YAML onto the y_*
 * structs below; every field is optional there, and the conversion to vr_run_cfg applies the
 * defaults, the required-key rules and the ranges, using the key index for line numbers. A
 * `sweep` block expands a grid of values of one or two policy keys into extra policies, which
 * are evaluated on the same paths as all the others. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "vixrisk/vr_run.h"

typedef struct y_condor {
    double contracts, dte, short_delta, wing_width, profit_take, stop_loss, exit_dte, roll_delta,
        roll_to_delta, reentry_days, commission, half_spread, vix_half_spread;
} y_condor;
typedef struct y_vchange { double days, pct, points; } y_vchange;
typedef struct y_rsi { double days, level; } y_rsi;
typedef struct y_dd { double pct; int from; } y_dd;
typedef struct y_trigger {
    int combine;
    bool always;
    double vix_level;
    y_vchange *vix_change;
    y_rsi *rsi;
    double term_ratio;
    y_dd *drawdown;
    double condor_loss_pct, short_delta;
    int confirm_days, cooldown_days;
    bool requires_previous;
} y_trigger;
typedef struct y_size { int by; double value, stress_vix; } y_size;
typedef struct y_action { int type; double delta, strike_pct, dte, roll_to_delta; y_size *size; } y_action;
typedef struct y_exit { double profit_multiple, vix_above, vix_below, dte; bool with_condor; } y_exit;
typedef struct y_layer { char *name; y_trigger *trigger; y_action *action; y_exit *exit; } y_layer;
typedef struct y_policy { char *name; y_condor *condor; y_layer *layers; unsigned nlayers; } y_policy;
typedef struct y_window { char *from, *to; } y_window;
typedef struct y_shock { double day, spx_return, vix_level, vix_change; char *preset; } y_shock;
typedef struct y_scenario {
    char *name;
    int type;
    char *data;
    y_window *window;
    double block_mean;
    y_shock *shocks;
    unsigned nshocks;
    vr_model_yaml *model;
} y_scenario;
typedef struct y_sim {
    uint64_t paths, seed, block;
    int horizon_days, steps_per_day, threads, sample_paths, scheme, compress;
    char *baseline;
    double *loss_thresholds;
    unsigned nthr;
} y_sim;
typedef struct y_sweep { char *policy; char *key; double *values; unsigned nvalues; } y_sweep;
typedef struct y_run {
    y_sim *simulation;
    y_scenario *scenarios;
    unsigned nscen;
    y_condor *condor;
    y_policy *policies;
    unsigned npol;
    y_sweep *sweep;
    unsigned nsweep;
} y_run;

#define F(s, name) CYAML_FIELD_FLOAT(#name, CYAML_FLAG_OPTIONAL, s, name)
#define I(s, name) CYAML_FIELD_INT(#name, CYAML_FLAG_OPTIONAL, s, name)
#define B(s, name) CYAML_FIELD_BOOL(#name, CYAML_FLAG_OPTIONAL, s, name)

static const cyaml_schema_field_t condor_fields[] = {
    F(y_condor, contracts), F(y_condor, dte), F(y_condor, short_delta), F(y_condor, wing_width),
    F(y_condor, profit_take), F(y_condor, stop_loss), F(y_condor, exit_dte), F(y_condor, roll_delta),
    F(y_condor, roll_to_delta), F(y_condor, reentry_days), F(y_condor, commission),
    F(y_condor, half_spread), F(y_condor, vix_half_spread), CYAML_FIELD_END};
static const cyaml_schema_field_t vchange_fields[] = {
    F(y_vchange, days), F(y_vchange, pct), F(y_vchange, points), CYAML_FIELD_END};
static const cyaml_schema_field_t rsi_fields[] = {F(y_rsi, days), F(y_rsi, level), CYAML_FIELD_END};
static const cyaml_strval_t dd_from[] = {{"entry", 0}, {"peak", 1}};
static const cyaml_schema_field_t dd_fields[] = {
    F(y_dd, pct),
    CYAML_FIELD_ENUM("from", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, y_dd, from, dd_from, 2),
    CYAML_FIELD_END};
static const cyaml_strval_t combine_vals[] = {{"any", 1}, {"all", 0}};
static const cyaml_schema_field_t trigger_fields[] = {
    CYAML_FIELD_ENUM("combine", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, y_trigger, combine, combine_vals, 2),
    B(y_trigger, always), F(y_trigger, vix_level),
    CYAML_FIELD_MAPPING_PTR("vix_change", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_trigger, vix_change, vchange_fields),
    CYAML_FIELD_MAPPING_PTR("rsi", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_trigger, rsi, rsi_fields),
    F(y_trigger, term_ratio),
    CYAML_FIELD_MAPPING_PTR("drawdown", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_trigger, drawdown, dd_fields),
    F(y_trigger, condor_loss_pct), F(y_trigger, short_delta), I(y_trigger, confirm_days),
    I(y_trigger, cooldown_days), B(y_trigger, requires_previous), CYAML_FIELD_END};
static const cyaml_strval_t size_by[] = {{"contracts", VR_SIZE_CONTRACTS}, {"pct_of_credit", VR_SIZE_PCT_CREDIT},
                                         {"pct_of_vega", VR_SIZE_PCT_VEGA}, {"pct_of_max_loss", VR_SIZE_PCT_MAX_LOSS},
                                         {"vxth", VR_SIZE_VXTH}};
static const cyaml_schema_field_t size_fields[] = {
    CYAML_FIELD_ENUM("by", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, y_size, by, size_by, 5),
    F(y_size, value), F(y_size, stress_vix), CYAML_FIELD_END};
static const cyaml_strval_t action_types[] = {{"vix_call", VR_ACTION_VIX_CALL}, {"roll_tested", VR_ACTION_ROLL_TESTED}};
static const cyaml_schema_field_t action_fields[] = {
    CYAML_FIELD_ENUM("type", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, y_action, type, action_types, 2),
    F(y_action, delta), F(y_action, strike_pct), F(y_action, dte), F(y_action, roll_to_delta),
    CYAML_FIELD_MAPPING_PTR("size", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_action, size, size_fields),
    CYAML_FIELD_END};
static const cyaml_schema_field_t exit_fields[] = {
    F(y_exit, profit_multiple), F(y_exit, vix_above), F(y_exit, vix_below), F(y_exit, dte),
    B(y_exit, with_condor), CYAML_FIELD_END};
static const cyaml_schema_field_t layer_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_layer, name, 1, VR_NAME_MAX - 1),
    CYAML_FIELD_MAPPING_PTR("trigger", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_layer, trigger, trigger_fields),
    CYAML_FIELD_MAPPING_PTR("action", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_layer, action, action_fields),
    CYAML_FIELD_MAPPING_PTR("exit", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_layer, exit, exit_fields),
    CYAML_FIELD_END};
static const cyaml_schema_value_t layer_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_layer, layer_fields)};
static const cyaml_schema_field_t policy_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_policy, name, 1, VR_NAME_MAX - 1),
    CYAML_FIELD_MAPPING_PTR("condor", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_policy, condor, condor_fields),
    CYAML_FIELD_SEQUENCE_COUNT("layers", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_policy, layers, nlayers,
                               &layer_value, 0, VR_MAX_LAYERS),
    CYAML_FIELD_END};
static const cyaml_schema_value_t policy_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_policy, policy_fields)};
static const cyaml_schema_field_t window_fields[] = {
    CYAML_FIELD_STRING_PTR("from", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_window, from, 1, 32),
    CYAML_FIELD_STRING_PTR("to", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_window, to, 1, 32),
    CYAML_FIELD_END};
static const cyaml_schema_field_t shock_fields[] = {
    F(y_shock, day), F(y_shock, spx_return), F(y_shock, vix_level), F(y_shock, vix_change),
    CYAML_FIELD_STRING_PTR("preset", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_shock, preset, 1, 32),
    CYAML_FIELD_END};
static const cyaml_schema_value_t shock_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_shock, shock_fields)};
static const cyaml_strval_t source_types[] = {{"model", VR_SOURCE_MODEL}, {"history", VR_SOURCE_HISTORY},
                                             {"bootstrap", VR_SOURCE_BOOTSTRAP}};
static const cyaml_schema_field_t scenario_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_scenario, name, 1, VR_NAME_MAX - 1),
    CYAML_FIELD_ENUM("type", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, y_scenario, type, source_types, 3),
    CYAML_FIELD_STRING_PTR("data", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_scenario, data, 1, 1000),
    CYAML_FIELD_MAPPING_PTR("window", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_scenario, window, window_fields),
    F(y_scenario, block_mean),
    CYAML_FIELD_SEQUENCE_COUNT("shocks", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_scenario, shocks, nshocks,
                               &shock_value, 0, 64),
    CYAML_FIELD_MAPPING_PTR("model", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_scenario, model, vr_model_yaml_fields),
    CYAML_FIELD_END};
static const cyaml_schema_value_t scenario_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_scenario, scenario_fields)};
static const cyaml_strval_t schemes[] = {{"qe", VR_SCHEME_QE}, {"euler", VR_SCHEME_EULER}};
static const cyaml_schema_value_t double_value = {CYAML_VALUE_FLOAT(CYAML_FLAG_DEFAULT, double)};
static const cyaml_schema_field_t sim_fields[] = {
    CYAML_FIELD_UINT("paths", CYAML_FLAG_OPTIONAL, y_sim, paths),
    CYAML_FIELD_UINT("seed", CYAML_FLAG_OPTIONAL, y_sim, seed),
    CYAML_FIELD_UINT("block", CYAML_FLAG_OPTIONAL, y_sim, block),
    I(y_sim, horizon_days), I(y_sim, steps_per_day), I(y_sim, threads), I(y_sim, sample_paths),
    I(y_sim, compress),
    CYAML_FIELD_ENUM("scheme", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, y_sim, scheme, schemes, 2),
    CYAML_FIELD_STRING_PTR("baseline", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_sim, baseline, 1, VR_NAME_MAX - 1),
    CYAML_FIELD_SEQUENCE_COUNT("loss_thresholds", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_sim,
                               loss_thresholds, nthr, &double_value, 4, 4),
    CYAML_FIELD_END};
static const cyaml_schema_field_t sweep_fields[] = {
    CYAML_FIELD_STRING_PTR("policy", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_sweep, policy, 1, VR_NAME_MAX - 1),
    CYAML_FIELD_STRING_PTR("key", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_sweep, key, 1, 120),
    CYAML_FIELD_SEQUENCE_COUNT("values", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_sweep, values, nvalues,
                               &double_value, 1, 32),
    CYAML_FIELD_END};
static const cyaml_schema_value_t sweep_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_sweep, sweep_fields)};
static const cyaml_schema_field_t run_fields[] = {
    CYAML_FIELD_MAPPING_PTR("simulation", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_run, simulation, sim_fields),
    CYAML_FIELD_SEQUENCE_COUNT("scenarios", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_run, scenarios, nscen,
                               &scenario_value, 1, 32),
    CYAML_FIELD_MAPPING_PTR("condor", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_run, condor, condor_fields),
    CYAML_FIELD_SEQUENCE_COUNT("policies", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_run, policies, npol,
                               &policy_value, 1, VR_MAX_POLICIES),
    CYAML_FIELD_SEQUENCE_COUNT("sweep", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_run, sweep, nsweep,
                               &sweep_value, 0, 8),
    CYAML_FIELD_END};
static const cyaml_schema_value_t run_schema = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_run, run_fields)};

/* ---- conversion ------------------------------------------------------------------------------- */

typedef struct cv {
    const char *file;
    const vr_yaml_index *ix;
    vr_err *err;
} cv;

static int has(const cv *c, const char *path) { return vr_yaml_line(c->ix, path) > 0; }

/* value of an optional number: the YAML value when the key is present, else `def` */
static double opt(const cv *c, const char *base, const char *key, double yv, double def)
{
    char p[VR_KEY_MAX];
    snprintf(p, sizeof p, "%s.%s", base, key);
    return has(c, p) ? yv : def;
}

/* range check: lo/hi inclusive flags */
static vr_status range(const cv *c, const char *base, const char *key, double x, double lo, int lo_in,
                       double hi, int hi_in)
{
    const int ok = (lo_in ? x >= lo : x > lo) && (hi_in ? x <= hi : x < hi);
    if (ok)
        return VR_OK;
    char p[VR_KEY_MAX];
    snprintf(p, sizeof p, "%s.%s", base, key);
    char hs[32];
    if (isinf(hi))
        snprintf(hs, sizeof hs, "inf)");
    else
        snprintf(hs, sizeof hs, "%g%c", hi, hi_in ? ']' : ')');
    return vr_config_fail(c->err, c->file, c->ix, p, "must be in %c%g, %s (got %g)", lo_in ? '[' : '(', lo, hs, x);
}

#define CHECK(expr) do { vr_status st_ = (expr); if (st_ != VR_OK) return st_; } while (0)

static vr_status conv_condor(const cv *c, const char *base, const y_condor *y, const vr_condor_rules *def,
                             vr_condor_rules *r)
{
    y_condor z;
    memset(&z, 0, sizeof z);
    if (y == NULL)
        y = &z;
#define C(name) r->name = opt(c, base, #name, y->name, def->name)
    C(contracts); C(dte); C(short_delta); C(wing_width); C(profit_take); C(stop_loss); C(exit_dte);
    C(roll_delta); C(roll_to_delta); C(reentry_days); C(commission); C(half_spread); C(vix_half_spread);
#undef C
    CHECK(range(c, base, "contracts", r->contracts, 0, 0, 100000, 1));
    CHECK(range(c, base, "dte", r->dte, 1, 1, 365, 1));
    CHECK(range(c, base, "short_delta", r->short_delta, 0, 0, 0.5, 0));
    CHECK(range(c, base, "wing_width", r->wing_width, 5, 1, 1000, 1));
    if (fmod(r->wing_width, 5.0) != 0)
        return vr_config_fail(c->err, c->file, c->ix, base, "wing_width must be a multiple of 5 (the SPX strike grid), got %g", r->wing_width);
    CHECK(range(c, base, "profit_take", r->profit_take, 0, 1, 1, 1));
    CHECK(range(c, base, "stop_loss", r->stop_loss, 0, 1, 100, 1));
    CHECK(range(c, base, "exit_dte", r->exit_dte, 0, 1, r->dte, 0));
    CHECK(range(c, base, "roll_delta", r->roll_delta, 0, 1, 1, 0));
    CHECK(range(c, base, "roll_to_delta", r->roll_to_delta, 0, 0, 0.5, 0));
    if (r->roll_delta > 0 && r->roll_delta <= r->roll_to_delta)
        return vr_config_fail(c->err, c->file, c->ix, base, "roll_delta (%g) must exceed roll_to_delta (%g)", r->roll_delta, r->roll_to_delta);
    CHECK(range(c, base, "reentry_days", r->reentry_days, 0, 1, 252, 1));
    CHECK(range(c, base, "commission", r->commission, 0, 1, 100, 1));
    CHECK(range(c, base, "half_spread", r->half_spread, 0, 1, 100, 1));
    CHECK(range(c, base, "vix_half_spread", r->vix_half_spread, 0, 1, 10, 1));
    return VR_OK;
}

static vr_status conv_layer(const cv *c, const char *base, const y_layer *y, int index, vr_layer *l)
{
    char p[VR_KEY_MAX];
    memset(l, 0, sizeof l[0]);
    snprintf(l->name, sizeof l->name, "%s", y->name ? y->name : "");
    if (!y->name)
        snprintf(l->name, sizeof l->name, "layer%d", index + 1);
    if (y->trigger == NULL)
        return vr_config_fail(c->err, c->file, c->ix, base, "missing key 'trigger'");
    if (y->action == NULL)
        return vr_config_fail(c->err, c->file, c->ix, base, "missing key 'action'");
    /* trigger */
    const y_trigger *t = y->trigger;
    vr_trigger *T = &l->trigger;
    snprintf(p, sizeof p, "%s.trigger", base);
    T->any = opt(c, p, "combine", t->combine, 1) != 0;
    T->always = t->always;
    T->vix_level = opt(c, p, "vix_level", t->vix_level, NAN);
    T->vix_change_days = T->vix_change_pct = T->vix_change_pts = NAN;
    if (t->vix_change) {
        char q[VR_KEY_MAX];
        snprintf(q, sizeof q, "%s.vix_change", p);
        T->vix_change_days = opt(c, q, "days", t->vix_change->days, 5);
        T->vix_change_pct = opt(c, q, "pct", t->vix_change->pct, NAN);
        T->vix_change_pts = opt(c, q, "points", t->vix_change->points, NAN);
        CHECK(range(c, q, "days", T->vix_change_days, 1, 1, VR_VIX_HIST_MAX, 1));
        if (isnan(T->vix_change_pct) && isnan(T->vix_change_pts))
            return vr_config_fail(c->err, c->file, c->ix, q, "needs 'pct' or 'points'");
    }
    T->rsi_days = T->rsi_level = NAN;
    if (t->rsi) {
        char q[VR_KEY_MAX];
        snprintf(q, sizeof q, "%s.rsi", p);
        T->rsi_days = opt(c, q, "days", t->rsi->days, 14);
        T->rsi_level = opt(c, q, "level", t->rsi->level, 70);
        CHECK(range(c, q, "days", T->rsi_days, 2, 1, 63, 1));
        CHECK(range(c, q, "level", T->rsi_level, 0, 0, 100, 0));
    }
    T->term_ratio = opt(c, p, "term_ratio", t->term_ratio, NAN);
    T->dd_pct = NAN;
    if (t->drawdown) {
        char q[VR_KEY_MAX];
        snprintf(q, sizeof q, "%s.drawdown", p);
        T->dd_pct = opt(c, q, "pct", t->drawdown->pct, NAN);
        T->dd_from_peak = (int)opt(c, q, "from", t->drawdown->from, 1);
        if (isnan(T->dd_pct))
            return vr_config_fail(c->err, c->file, c->ix, q, "missing key 'pct'");
        CHECK(range(c, q, "pct", T->dd_pct, 0, 0, 100, 0));
    }
    T->condor_loss_pct = opt(c, p, "condor_loss_pct", t->condor_loss_pct, NAN);
    T->short_delta = opt(c, p, "short_delta", t->short_delta, NAN);
    T->confirm_days = (int)opt(c, p, "confirm_days", t->confirm_days, 1);
    T->cooldown_days = (int)opt(c, p, "cooldown_days", t->cooldown_days, 0);
    T->requires_previous = t->requires_previous;
    if (!isnan(T->vix_level)) CHECK(range(c, p, "vix_level", T->vix_level, 0, 0, 200, 1));
    if (!isnan(T->term_ratio)) CHECK(range(c, p, "term_ratio", T->term_ratio, 0, 0, 5, 1));
    if (!isnan(T->condor_loss_pct)) CHECK(range(c, p, "condor_loss_pct", T->condor_loss_pct, 0, 0, 100, 1));
    if (!isnan(T->short_delta)) CHECK(range(c, p, "short_delta", T->short_delta, 0, 0, 1, 0));
    CHECK(range(c, p, "confirm_days", T->confirm_days, 1, 1, 63, 1));
    CHECK(range(c, p, "cooldown_days", T->cooldown_days, 0, 1, 252, 1));
    if (!T->always && isnan(T->vix_level) && isnan(T->vix_change_days) && isnan(T->rsi_days) &&
        isnan(T->term_ratio) && isnan(T->dd_pct) && isnan(T->condor_loss_pct) && isnan(T->short_delta))
        return vr_config_fail(c->err, c->file, c->ix, p, "sets no condition (use always: true for an always-on sleeve)");
    if (T->requires_previous && index == 0)
        return vr_config_fail(c->err, c->file, c->ix, p, "requires_previous on the first layer: there is no previous layer");
    /* action */
    const y_action *a = y->action;
    vr_action *A = &l->action;
    snprintf(p, sizeof p, "%s.action", base);
    A->kind = (vr_action_kind)(int)opt(c, p, "type", a->type, VR_ACTION_VIX_CALL);
    A->delta = opt(c, p, "delta", a->delta, NAN);
    A->strike_pct = opt(c, p, "strike_pct", a->strike_pct, NAN);
    A->dte = opt(c, p, "dte", a->dte, 30);
    A->roll_to_delta = opt(c, p, "roll_to_delta", a->roll_to_delta, 0.16);
    if (A->kind == VR_ACTION_VIX_CALL) {
        if (isnan(A->delta) == isnan(A->strike_pct))
            return vr_config_fail(c->err, c->file, c->ix, p, "give exactly one of 'delta' or 'strike_pct'");
        if (!isnan(A->delta)) CHECK(range(c, p, "delta", A->delta, 0.01, 1, 0.9, 1));
        if (!isnan(A->strike_pct)) CHECK(range(c, p, "strike_pct", A->strike_pct, 0.5, 1, 3, 1));
        CHECK(range(c, p, "dte", A->dte, 7, 1, 180, 1));
        char q[VR_KEY_MAX];
        snprintf(q, sizeof q, "%s.size", p);
        if (a->size == NULL)
            return vr_config_fail(c->err, c->file, c->ix, p, "missing key 'size'");
        A->size_by = (vr_size_kind)(int)opt(c, q, "by", a->size->by, VR_SIZE_CONTRACTS);
        A->size = opt(c, q, "value", a->size->value, NAN);
        A->stress_vix = opt(c, q, "stress_vix", a->size->stress_vix, 50);
        if (A->size_by != VR_SIZE_VXTH) {
            if (isnan(A->size))
                return vr_config_fail(c->err, c->file, c->ix, q, "missing key 'value'");
            CHECK(range(c, q, "value", A->size, 0, 0, A->size_by == VR_SIZE_CONTRACTS ? 100000 : 10, 1));
        }
        CHECK(range(c, q, "stress_vix", A->stress_vix, 10, 1, 200, 1));
    } else {
        CHECK(range(c, p, "roll_to_delta", A->roll_to_delta, 0, 0, 0.5, 0));
    }
    /* exit */
    const y_exit *e = y->exit;
    y_exit ze;
    memset(&ze, 0, sizeof ze);
    if (e == NULL)
        e = &ze;
    vr_exit *E = &l->exit;
    snprintf(p, sizeof p, "%s.exit", base);
    E->profit_multiple = opt(c, p, "profit_multiple", e->profit_multiple, NAN);
    E->vix_above = opt(c, p, "vix_above", e->vix_above, NAN);
    E->vix_below = opt(c, p, "vix_below", e->vix_below, NAN);
    E->dte = opt(c, p, "dte", e->dte, NAN);
    E->with_condor = e->with_condor;
    if (!isnan(E->profit_multiple)) CHECK(range(c, p, "profit_multiple", E->profit_multiple, 1, 0, 1000, 1));
    if (!isnan(E->dte) && A->kind == VR_ACTION_VIX_CALL) CHECK(range(c, p, "dte", E->dte, 0, 1, A->dte, 0));
    return VR_OK;
}

static vr_status conv_policy(const cv *c, int i, const y_policy *y, const vr_condor_rules *def, vr_policy *P)
{
    char base[VR_KEY_MAX], p[VR_KEY_MAX];
    snprintf(base, sizeof base, "policies[%d]", i);
    memset(P, 0, sizeof *P);
    if (y->name == NULL)
        return vr_config_fail(c->err, c->file, c->ix, base, "missing key 'name'");
    snprintf(P->name, sizeof P->name, "%s", y->name);
    for (const char *q = P->name; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_' || *q == '-' || *q == '.')) {
            snprintf(p, sizeof p, "%s.name", base);
            return vr_config_fail(c->err, c->file, c->ix, p, "'%s': use letters, digits, '_', '-' or '.' (it names an HDF5 group)", P->name);
        }
    snprintf(p, sizeof p, "%s.condor", base);
    CHECK(conv_condor(c, p, y->condor, def, &P->condor));
    P->nlayers = (int)y->nlayers;
    for (int l = 0; l < P->nlayers; l++) {
        snprintf(p, sizeof p, "%s.layers[%d]", base, l);
        CHECK(conv_layer(c, p, &y->layers[l], l, &P->layers[l]));
    }
    return VR_OK;
}

/* ---- scenario sources: history windows, bootstrap, shocks ------------------------------------ */

typedef struct preset { const char *name, *from, *to, *what; } preset;
/* Named shock windows: the daily SPX returns and VIX closes of these dates are imposed day by day. */
static const preset presets[] = {
    {"oct2008", "2008-09-26", "2008-10-27", "Lehman aftermath: VIX 35 to 80, SPX -25%"},
    {"feb2018", "2018-02-01", "2018-02-09", "Volmageddon: VIX 17 to 37 on 2018-02-05"},
    {"mar2020", "2020-02-21", "2020-03-16", "Covid crash: VIX 17 to 82.7, SPX -29%"},
    {"aug2024", "2024-07-31", "2024-08-07", "yen carry unwind: VIX 16 to 38.6 on 2024-08-05"},
};

static vr_status need_history(const cv *c, const char *key, const char *dir, vr_run_cfg *out,
                              const vr_history **h)
{
    const char *d = dir ? dir : vr_history_default_dir();
    if (d == NULL)
        return vr_config_fail(c->err, c->file, c->ix, key,
                              "needs historical data: set 'data: DIR' or VIXRISK_DATA (files as in ../shared/data)");
    for (int i = 0; i < out->nhist; i++)
        if (strcmp(out->hist_dirs[i], d) == 0) {
            *h = &out->hist[i];
            return VR_OK;
        }
    if (out->nhist == VR_MAX_HIST)
        return vr_config_fail(c->err, c->file, c->ix, key, "more than %d data directories", VR_MAX_HIST);
    vr_err e2 = {VR_OK, ""};
    if (vr_history_load(d, &out->hist[out->nhist], &e2) != VR_OK)
        return vr_config_fail(c->err, c->file, c->ix, key, "%s", e2.msg);
    snprintf(out->hist_dirs[out->nhist], sizeof out->hist_dirs[0], "%s", d);
    *h = &out->hist[out->nhist++];
    return VR_OK;
}

static vr_status window_of(const cv *c, const char *key, const vr_history *h, const char *from,
                           const char *to, size_t *i0, size_t *i1)
{
    int32_t f = 0, t = 0;
    if ((from && vr_history_parse_date(from, &f) != 0) || (to && vr_history_parse_date(to, &t) != 0))
        return vr_config_fail(c->err, c->file, c->ix, key, "dates must be YYYY-MM-DD (got '%s'..'%s')",
                              from ? from : "", to ? to : "");
    vr_err e2 = {VR_OK, ""};
    if (vr_history_window(h, f, t, i0, i1, &e2) != VR_OK)
        return vr_config_fail(c->err, c->file, c->ix, key, "%s", e2.msg);
    if (*i1 < *i0 + 2)
        return vr_config_fail(c->err, c->file, c->ix, key, "the window holds fewer than 2 trading days");
    return VR_OK;
}

static vr_status conv_scenario_source(const cv *c, const char *base, const y_scenario *y,
                                      const vr_run_spec *s, vr_scenario *sc, vr_run_cfg *out)
{
    char key[VR_KEY_MAX];
    sc->source = (vr_source)(int)opt(c, base, "type", y->type, VR_SOURCE_MODEL);
    if (sc->source != VR_SOURCE_MODEL) {
        snprintf(key, sizeof key, "%s.window", base);
        if (y->window == NULL)
            return vr_config_fail(c->err, c->file, c->ix, base, "a %s scenario needs 'window: {from, to}'",
                                  sc->source == VR_SOURCE_HISTORY ? "history" : "bootstrap");
        const vr_history *h = NULL;
        CHECK(need_history(c, key, y->data, out, &h));
        CHECK(window_of(c, key, h, y->window->from, y->window->to, &sc->hist_i0, &sc->hist_i1));
        sc->hist = h;
        for (size_t i = sc->hist_i0; i < sc->hist_i1; i++)
            if (!(h->spx[i] > 0) || !(h->vix[i] > 0))
                return vr_config_fail(c->err, c->file, c->ix, key, "the data has a missing SPX or VIX value on %d", h->date[i]);
        if (sc->source == VR_SOURCE_HISTORY) {
            sc->paths = 1;
            sc->horizon_days = (int)(sc->hist_i1 - sc->hist_i0 - 1);
            /* replay starts at the real index level */
            sc->model.spot = h->spx[sc->hist_i0];
        } else {
            sc->block_mean = opt(c, base, "block_mean", y->block_mean, 10);
            CHECK(range(c, base, "block_mean", sc->block_mean, 1, 1, 252, 1));
        }
        if (y->nshocks > 0)
            return vr_config_fail(c->err, c->file, c->ix, base, "shocks apply to model scenarios only");
        return VR_OK;
    }
    if (y->nshocks == 0)
        return VR_OK;
    /* shocks: explicit ones and presets expanded from the data */
    size_t cap = 0;
    for (unsigned j = 0; j < y->nshocks; j++)
        cap += y->shocks[j].preset ? 64 : 1;
    sc->shocks = calloc(cap, sizeof *sc->shocks);
    if (sc->shocks == NULL)
        return vr_fail(c->err, VR_ENOMEM, "shocks");
    if (out->nshockbuf < VR_MAX_SCEN_ALLOC)
        out->shockbuf[out->nshockbuf++] = sc->shocks;
    const int days = s->horizon_days;
    for (unsigned j = 0; j < y->nshocks; j++) {
        const y_shock *q = &y->shocks[j];
        char sb[VR_KEY_MAX];
        snprintf(sb, sizeof sb, "%s.shocks[%u]", base, j);
        const double day = opt(c, sb, "day", q->day, NAN);
        if (isnan(day))
            return vr_config_fail(c->err, c->file, c->ix, sb, "missing key 'day'");
        CHECK(range(c, sb, "day", day, 1, 1, days, 1));
        if (q->preset) {
            const preset *pr = NULL;
            for (size_t k = 0; k < sizeof presets / sizeof presets[0]; k++)
                if (strcmp(presets[k].name, q->preset) == 0)
                    pr = &presets[k];
            snprintf(key, sizeof key, "%s.preset", sb);
            if (pr == NULL)
                return vr_config_fail(c->err, c->file, c->ix, key, "unknown preset '%s' (valid: oct2008, feb2018, mar2020, aug2024)", q->preset);
            const vr_history *h = NULL;
            size_t i0, i1;
            CHECK(need_history(c, key, y->data, out, &h));
            CHECK(window_of(c, key, h, pr->from, pr->to, &i0, &i1));
            for (size_t i = i0 + 1; i < i1 && sc->nshocks < (int)cap; i++) {
                const size_t d = (size_t)day + (i - i0 - 1);
                if (d > (size_t)days)
                    break;
                vr_shock *x = &sc->shocks[sc->nshocks++];
                x->step = d * (size_t)s->steps_per_day;
                x->spx_return = h->spx[i] / h->spx[i - 1] - 1;
                x->vix_level = h->vix[i];
                x->vix_change = NAN;
            }
            continue;
        }
        vr_shock *x = &sc->shocks[sc->nshocks++];
        x->step = (size_t)day * (size_t)s->steps_per_day;
        x->spx_return = opt(c, sb, "spx_return", q->spx_return, NAN);
        x->vix_level = opt(c, sb, "vix_level", q->vix_level, NAN);
        x->vix_change = opt(c, sb, "vix_change", q->vix_change, NAN);
        if (!isnan(x->spx_return)) CHECK(range(c, sb, "spx_return", x->spx_return, -0.95, 1, 1, 1));
        if (!isnan(x->vix_level)) CHECK(range(c, sb, "vix_level", x->vix_level, 5, 1, 200, 1));
        if (!isnan(x->vix_change)) CHECK(range(c, sb, "vix_change", x->vix_change, -100, 1, 200, 1));
        if (isnan(x->spx_return) && isnan(x->vix_level) && isnan(x->vix_change))
            return vr_config_fail(c->err, c->file, c->ix, sb, "needs spx_return, vix_level, vix_change or preset");
    }
    /* the driver applies them in step order */
    for (int a = 1; a < sc->nshocks; a++)
        for (int b = a; b > 0 && sc->shocks[b].step < sc->shocks[b - 1].step; b--) {
            const vr_shock t = sc->shocks[b];
            sc->shocks[b] = sc->shocks[b - 1];
            sc->shocks[b - 1] = t;
        }
    return VR_OK;
}

static char *slurp(const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)(n > 0 ? n : 0) + 1);
    if (s && n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n > 0 ? n : 0] = '\0';
    fclose(f);
    return s;
}

/* Apply a sweep value to a copy of a policy: keys are "condor.<field>" or
 * "layers[i].trigger.vix_level", "layers[i].action.delta", "layers[i].action.size",
 * "layers[i].action.dte". */
static int sweep_set(vr_policy *p, const char *key, double v)
{
    int li;
    char rest[64];
    if (strncmp(key, "condor.", 7) == 0) {
        const char *f = key + 7;
        vr_condor_rules *r = &p->condor;
#define S(name) if (strcmp(f, #name) == 0) { r->name = v; return 1; }
        S(contracts) S(dte) S(short_delta) S(wing_width) S(profit_take) S(stop_loss) S(exit_dte)
        S(roll_delta) S(roll_to_delta) S(reentry_days)
#undef S
        return 0;
    }
    if (sscanf(key, "layers[%d].%63s", &li, rest) == 2 && li >= 0 && li < p->nlayers) {
        vr_layer *l = &p->layers[li];
        if (strcmp(rest, "trigger.vix_level") == 0) { l->trigger.vix_level = v; return 1; }
        if (strcmp(rest, "trigger.term_ratio") == 0) { l->trigger.term_ratio = v; return 1; }
        if (strcmp(rest, "action.delta") == 0) { l->action.delta = v; return 1; }
        if (strcmp(rest, "action.size") == 0) { l->action.size = v; return 1; }
        if (strcmp(rest, "action.dte") == 0) { l->action.dte = v; return 1; }
        if (strcmp(rest, "exit.profit_multiple") == 0) { l->exit.profit_multiple = v; return 1; }
    }
    return 0;
}

vr_status vr_run_load(const char *file, vr_run_cfg *out, vr_err *err)
{
    memset(out, 0, sizeof *out);
    vr_yaml_index *ix = NULL;
    y_run *y = NULL;
    vr_status st = vr_yaml_index_load(file, &ix, err);
    if (st != VR_OK)
        return st;
    const cv c = {file, ix, err};
    if ((st = vr_cyaml_load(file, ix, &run_schema, (void **)&y, err)) != VR_OK)
        goto done;
    static const char *const top[] = {"simulation", "scenarios", "policies", NULL};
    for (const char *const *k = top; *k; k++)
        if (!has(&c, *k)) {
            st = vr_fail(err, VR_ECONFIG, "%s: missing top-level key '%s'", file, *k);
            goto done;
        }
    vr_run_spec *s = &out->spec;
    const y_sim *ys = y->simulation;
    y_sim zs;
    memset(&zs, 0, sizeof zs);
    if (ys == NULL)
        ys = &zs;
    s->paths = (size_t)opt(&c, "simulation", "paths", (double)ys->paths, 100000);
    s->horizon_days = (int)opt(&c, "simulation", "horizon_days", ys->horizon_days, 252);
    s->steps_per_day = (int)opt(&c, "simulation", "steps_per_day", ys->steps_per_day, 1);
    s->seed = has(&c, "simulation.seed") ? ys->seed : 1;
    s->block = (size_t)opt(&c, "simulation", "block", (double)ys->block, 1024);
    s->threads = (int)opt(&c, "simulation", "threads", ys->threads, 0);
    s->sample_paths = (int)opt(&c, "simulation", "sample_paths", ys->sample_paths, 200);
    s->scheme = (vr_scheme)(int)opt(&c, "simulation", "scheme", ys->scheme, VR_SCHEME_QE);
    out->compress = (int)opt(&c, "simulation", "compress", ys->compress, 0);
    if ((st = range(&c, "simulation", "paths", (double)s->paths, 1, 1, 1e10, 1)) != VR_OK ||
        (st = range(&c, "simulation", "horizon_days", s->horizon_days, 1, 1, 2520, 1)) != VR_OK ||
        (st = range(&c, "simulation", "steps_per_day", s->steps_per_day, 1, 1, 100, 1)) != VR_OK ||
        (st = range(&c, "simulation", "threads", s->threads, 0, 1, 4096, 1)) != VR_OK ||
        (st = range(&c, "simulation", "sample_paths", s->sample_paths, 0, 1, 10000, 1)) != VR_OK ||
        (st = range(&c, "simulation", "compress", out->compress, 0, 1, 9, 1)) != VR_OK)
        goto done;
    if (s->block % 8 != 0 || s->block < 8 || s->block > 65536) {
        st = vr_config_fail(err, file, ix, "simulation.block", "must be a multiple of 8 in [8, 65536] (got %zu)", s->block);
        goto done;
    }
    const double defthr[4] = {10000, 25000, 50000, 100000};
    for (int k = 0; k < 4; k++)
        out->thresholds[k] = ys->loss_thresholds ? ys->loss_thresholds[k] : defthr[k];
    /* scenarios */
    s->nscen = (int)y->nscen;
    s->scen = calloc((size_t)s->nscen, sizeof *s->scen);
    for (int i = 0; i < s->nscen; i++) {
        char base[VR_KEY_MAX];
        snprintf(base, sizeof base, "scenarios[%d]", i);
        const y_scenario *ysc = &y->scenarios[i];
        if (ysc->name == NULL || ysc->model == NULL) {
            st = vr_config_fail(err, file, ix, base, "missing key '%s'", ysc->name ? "model" : "name");
            goto done;
        }
        snprintf(s->scen[i].name, sizeof s->scen[i].name, "%s", ysc->name);
        char mp[VR_KEY_MAX];
        snprintf(mp, sizeof mp, "%s.model", base);
        if ((st = vr_model_from_yaml(ysc->model, file, ix, mp, &s->scen[i].model, err)) != VR_OK)
            goto done;
        if ((st = conv_scenario_source(&c, base, ysc, s, &s->scen[i], out)) != VR_OK)
            goto done;
        for (int j = 0; j < i; j++)
            if (strcmp(s->scen[j].name, s->scen[i].name) == 0) {
                snprintf(mp, sizeof mp, "%s.name", base);
                st = vr_config_fail(err, file, ix, mp, "duplicate scenario name '%s'", s->scen[i].name);
                goto done;
            }
    }
    /* default condor rules, then policies */
    const vr_condor_rules builtin = {.contracts = 10, .dte = 45, .short_delta = 0.16, .wing_width = 50,
                                     .profit_take = 0.5, .stop_loss = 2.0, .exit_dte = 21, .roll_delta = 0,
                                     .roll_to_delta = 0.16, .reentry_days = 1, .commission = 0.65,
                                     .half_spread = 0.10, .vix_half_spread = 0.05};
    vr_condor_rules def;
    if ((st = conv_condor(&c, "condor", y->condor, &builtin, &def)) != VR_OK)
        goto done;
    int npol = (int)y->npol;
    int nextra = 0;
    for (unsigned w = 0; w < y->nsweep; w++)
        nextra += (int)y->sweep[w].nvalues;
    if (npol + nextra > VR_MAX_POLICIES) {
        st = vr_config_fail(err, file, ix, "sweep", "expands to %d policies; at most %d", npol + nextra, VR_MAX_POLICIES);
        goto done;
    }
    s->pol = calloc((size_t)(npol + nextra), sizeof *s->pol);
    for (int i = 0; i < npol; i++)
        if ((st = conv_policy(&c, i, &y->policies[i], &def, &s->pol[i])) != VR_OK)
            goto done;
    s->npol = npol;
    for (unsigned w = 0; w < y->nsweep; w++) {
        const y_sweep *sw = &y->sweep[w];
        char base[VR_KEY_MAX];
        snprintf(base, sizeof base, "sweep[%u]", w);
        int src = -1;
        for (int i = 0; i < npol && sw->policy; i++)
            if (strcmp(s->pol[i].name, sw->policy) == 0)
                src = i;
        if (src < 0 || sw->key == NULL || sw->values == NULL) {
            st = vr_config_fail(err, file, ix, base, "needs 'policy' (an existing policy name), 'key' and 'values'");
            goto done;
        }
        for (unsigned k = 0; k < sw->nvalues; k++) {
            vr_policy *P = &s->pol[s->npol];
            *P = s->pol[src];
            if (!sweep_set(P, sw->key, sw->values[k])) {
                char kp[VR_KEY_MAX];
                snprintf(kp, sizeof kp, "%s.key", base);
                st = vr_config_fail(err, file, ix, kp, "'%s' cannot be swept (condor.<rule>, layers[i].trigger.vix_level|term_ratio, layers[i].action.delta|size|dte, layers[i].exit.profit_multiple)", sw->key);
                goto done;
            }
            char nm[2 * VR_NAME_MAX];
            snprintf(nm, sizeof nm, "%s@%s=%g", s->pol[src].name, sw->key, sw->values[k]);
            for (char *q = nm; *q; q++)
                if (*q == '[' || *q == ']')
                    *q = '_';
            snprintf(P->name, sizeof P->name, "%s", nm);
            s->npol++;
        }
    }
    for (int i = 0; i < s->npol; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(s->pol[i].name, s->pol[j].name) == 0) {
                char kp[VR_KEY_MAX];
                snprintf(kp, sizeof kp, "policies[%d].name", i < npol ? i : 0);
                st = vr_config_fail(err, file, ix, kp, "duplicate policy name '%s'", s->pol[i].name);
                goto done;
            }
    snprintf(out->baseline, sizeof out->baseline, "%s", ys->baseline ? ys->baseline : s->pol[0].name);
    int found = 0;
    for (int i = 0; i < s->npol; i++)
        found |= strcmp(s->pol[i].name, out->baseline) == 0;
    if (!found) {
        st = vr_config_fail(err, file, ix, "simulation.baseline", "'%s' is not a policy name", out->baseline);
        goto done;
    }
    out->config_text = slurp(file);
    out->file = strdup(file);
done:
    if (y != NULL) {
        const cyaml_config_t cfg = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR, .log_fn = cyaml_log};
        cyaml_free(&cfg, &run_schema, y, 0);
    }
    vr_yaml_index_free(ix);
    if (st != VR_OK)
        vr_run_cfg_free(out);
    return st;
}

void vr_run_cfg_free(vr_run_cfg *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < c->nhist; i++)
        vr_history_free(&c->hist[i]);
    for (int i = 0; i < c->nshockbuf; i++)
        free(c->shockbuf[i]);
    free(c->spec.scen);
    free(c->spec.pol);
    free(c->config_text);
    free(c->file);
    memset(c, 0, sizeof *c);
}
