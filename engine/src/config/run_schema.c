/* run_schema.c: the libcyaml schema of run files (docs/config.md).
 *
 * The schema states the shape of the file: which keys exist in which mapping, which hold a list,
 * which a mapping and which a single value. Every value is read as text here; the converters
 * read the values from the key index and parse them exactly (values.c), so a number, an enum
 * name or a flag gets the same message wherever it is, and the loaded structs below are only
 * the proof that libcyaml accepted the shape. */
#include "config_internal.h"
#include "run_schema.h"

#define S(T, name) CYAML_FIELD_STRING_PTR(#name, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, name, 0, CYAML_UNLIMITED)
#define MAP(T, name, fields) CYAML_FIELD_MAPPING_PTR(#name, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, name, fields)

/* The half-spreads are a number or a mapping {base, per_vix_point}: libcyaml has no "either"
 * shape, so the schema lets either through and the policy loader checks the form (its key table
 * knows both). */
static const cyaml_schema_field_t condor_fields[] = {
    S(y_condor, contracts), S(y_condor, dte), S(y_condor, short_delta), S(y_condor, wing_width),
    S(y_condor, wing_pct), S(y_condor, wing_delta),
    S(y_condor, profit_take), S(y_condor, stop_loss), S(y_condor, exit_dte), S(y_condor, roll_delta),
    S(y_condor, roll_to_delta), S(y_condor, reentry_days), S(y_condor, commission),
    CYAML_FIELD_IGNORE("half_spread", CYAML_FLAG_OPTIONAL), CYAML_FIELD_IGNORE("vix_half_spread", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_END};
static const cyaml_schema_field_t vchange_fields[] = {
    S(y_vchange, days), S(y_vchange, pct), S(y_vchange, points), CYAML_FIELD_END};
static const cyaml_schema_field_t rsi_fields[] = {S(y_rsi, days), S(y_rsi, level), CYAML_FIELD_END};
static const cyaml_schema_field_t dd_fields[] = {S(y_dd, pct), S(y_dd, from), CYAML_FIELD_END};
static const cyaml_schema_field_t trigger_fields[] = {
    S(y_trigger, combine), S(y_trigger, always), S(y_trigger, vix_level),
    MAP(y_trigger, vix_change, vchange_fields), MAP(y_trigger, rsi, rsi_fields), S(y_trigger, term_ratio),
    MAP(y_trigger, drawdown, dd_fields), S(y_trigger, condor_loss_pct), S(y_trigger, short_delta),
    S(y_trigger, confirm_days), S(y_trigger, cooldown_days), S(y_trigger, cooldown_after),
    S(y_trigger, requires_previous), S(y_trigger, previous_fired_within), CYAML_FIELD_END};
static const cyaml_schema_field_t size_fields[] = {
    S(y_size, by), S(y_size, value), S(y_size, stress_vix), S(y_size, spx_drop),
    S(y_size, max_contracts), CYAML_FIELD_END};
static const cyaml_schema_field_t action_fields[] = {
    S(y_action, type), S(y_action, delta), S(y_action, strike_pct), S(y_action, short_delta),
    S(y_action, short_strike_pct), S(y_action, dte), S(y_action, max_open), S(y_action, ladder_days),
    S(y_action, roll_to_delta), MAP(y_action, size, size_fields), CYAML_FIELD_END};
static const cyaml_schema_field_t partial_fields[] = {S(y_partial, multiple), S(y_partial, fraction), CYAML_FIELD_END};
static const cyaml_schema_field_t exit_fields[] = {
    S(y_exit, profit_multiple), S(y_exit, vix_above), S(y_exit, vix_below), S(y_exit, dte),
    S(y_exit, with_condor), MAP(y_exit, partial, partial_fields), CYAML_FIELD_END};
static const cyaml_schema_field_t layer_fields[] = {
    S(y_layer, name), MAP(y_layer, trigger, trigger_fields), MAP(y_layer, action, action_fields),
    MAP(y_layer, exit, exit_fields), CYAML_FIELD_END};
static const cyaml_schema_value_t layer_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_layer, layer_fields)};
static const cyaml_schema_field_t policy_fields[] = {
    S(y_policy, name), MAP(y_policy, condor, condor_fields),
    CYAML_FIELD_SEQUENCE_COUNT("layers", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_policy, layers, nlayers,
                               &layer_value, 0, VR_MAX_LAYERS),
    S(y_policy, ablate), CYAML_FIELD_END};
static const cyaml_schema_value_t policy_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_policy, policy_fields)};
static const cyaml_schema_field_t window_fields[] = {S(y_window, from), S(y_window, to), CYAML_FIELD_END};
static const cyaml_schema_field_t shock_fields[] = {
    S(y_shock, day), S(y_shock, spx_return), S(y_shock, vix_level), S(y_shock, vix_change), S(y_shock, preset),
    CYAML_FIELD_END};
static const cyaml_schema_value_t shock_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_shock, shock_fields)};
static const cyaml_schema_field_t start_fields[] = {S(y_start, asof), S(y_start, data), CYAML_FIELD_END};
static cyaml_schema_field_t scenario_fields[] = {
    S(y_scenario, name), S(y_scenario, type), S(y_scenario, data), MAP(y_scenario, window, window_fields),
    S(y_scenario, block_mean),
    CYAML_FIELD_SEQUENCE_COUNT("shocks", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_scenario, shocks, nshocks,
                               &shock_value, 0, 64),
    /* the model's fields are filled in from the parameter tables (vr_run_schema()) */
    CYAML_FIELD_MAPPING_PTR("model", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_scenario, model, NULL),
    MAP(y_scenario, start, start_fields), /* after the model: its index (6) is set below */
    S(y_scenario, lookback),
    CYAML_FIELD_END};
static const cyaml_schema_value_t scenario_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_scenario, scenario_fields)};
static const cyaml_schema_value_t text_value = {CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};
static const cyaml_schema_field_t sim_fields[] = {
    S(y_sim, paths), S(y_sim, seed), S(y_sim, block), S(y_sim, horizon_days), S(y_sim, steps_per_day),
    S(y_sim, threads), S(y_sim, sample_paths), S(y_sim, compress), S(y_sim, scheme), S(y_sim, baseline),
    S(y_sim, store_paths),
    S(y_sim, trade_log_paths), S(y_sim, fast_log), S(y_sim, precision), S(y_sim, mark_precision),
    CYAML_FIELD_SEQUENCE_COUNT("loss_thresholds", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_sim,
                               loss_thresholds, nthr, &text_value, 4, 4),
    CYAML_FIELD_END};
static const cyaml_schema_field_t sweep_fields[] = {
    S(y_sweep, policy), S(y_sweep, key),
    CYAML_FIELD_SEQUENCE_COUNT("values", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_sweep, values, nvalues,
                               &text_value, 1, 32),
    CYAML_FIELD_END};
static const cyaml_schema_value_t sweep_value = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_sweep, sweep_fields)};
static const cyaml_schema_field_t run_fields[] = {
    MAP(y_run, simulation, sim_fields),
    CYAML_FIELD_SEQUENCE_COUNT("scenarios", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_run, scenarios, nscen,
                               &scenario_value, 1, 32),
    MAP(y_run, condor, condor_fields),
    CYAML_FIELD_SEQUENCE_COUNT("policies", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_run, policies, npol,
                               &policy_value, 1, VR_MAX_POLICIES),
    CYAML_FIELD_SEQUENCE_COUNT("sweep", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_run, sweep, nsweep,
                               &sweep_value, 0, 8),
    CYAML_FIELD_END};
static const cyaml_schema_value_t run_schema = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_run, run_fields)};

const cyaml_schema_value_t *vr_run_schema(void)
{
    /* Written once with the same value on every call: config loading is single-threaded. */
    scenario_fields[6].value.mapping.fields = vr_model_yaml_fields();
    return &run_schema;
}
