/* run_schema.h: the structs libcyaml loads a run file into (run_schema.c). Every value is text;
 * the converters read the values through the key index. */
#ifndef VIXRISK_RUN_SCHEMA_H
#define VIXRISK_RUN_SCHEMA_H

typedef struct y_condor {
    char *contracts, *dte, *short_delta, *wing_width, *wing_pct, *wing_delta, *profit_take, *stop_loss, *exit_dte,
        *roll_delta, *roll_to_delta, *reentry_days, *commission; /* half_spread, vix_half_spread: ignored here */
} y_condor;
typedef struct y_vchange { char *days, *pct, *points; } y_vchange;
typedef struct y_rsi { char *days, *level; } y_rsi;
typedef struct y_dd { char *pct, *from; } y_dd;
typedef struct y_trigger {
    char *combine, *always, *vix_level;
    y_vchange *vix_change;
    y_rsi *rsi;
    char *term_ratio;
    y_dd *drawdown;
    char *condor_loss_pct, *short_delta, *confirm_days, *cooldown_days, *cooldown_after, *requires_previous,
        *previous_fired_within;
} y_trigger;
typedef struct y_size { char *by, *value, *stress_vix, *spx_drop, *max_contracts; } y_size;
typedef struct y_action {
    char *type, *delta, *strike_pct, *short_delta, *short_strike_pct, *dte, *max_open, *ladder_days, *roll_to_delta;
    y_size *size;
} y_action;
typedef struct y_partial { char *multiple, *fraction; } y_partial;
typedef struct y_exit { char *profit_multiple, *vix_above, *vix_below, *dte, *with_condor; y_partial *partial; } y_exit;
typedef struct y_layer { char *name; y_trigger *trigger; y_action *action; y_exit *exit; } y_layer;
typedef struct y_policy { char *name; y_condor *condor; y_layer *layers; unsigned nlayers; char *ablate; } y_policy;
typedef struct y_window { char *from, *to; } y_window;
typedef struct y_shock { char *day, *spx_return, *vix_level, *vix_change, *preset; } y_shock;
typedef struct y_start { char *asof, *data; } y_start;
typedef struct y_scenario {
    char *name, *type, *data;
    y_window *window;
    char *block_mean;
    y_shock *shocks;
    unsigned nshocks;
    vr_model_yaml *model;
    y_start *start;
    char *lookback;
} y_scenario;
typedef struct y_sim {
    char *paths, *seed, *block, *horizon_days, *steps_per_day, *threads, *sample_paths, *compress, *scheme,
        *baseline, *store_paths, *trade_log_paths, *fast_log, *precision, *mark_precision;
    char **loss_thresholds;
    unsigned nthr;
} y_sim;
typedef struct y_sweep { char *policy, *key; char **values; unsigned nvalues; } y_sweep;
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

const cyaml_schema_value_t *vr_run_schema(void);

#endif
