/* runfile_write.h: writing a run file in the layout of vr_runfile.h (runfile_write.c). The caller
 * (engine/src/run/run.c) owns the vr_h5 handle and the order: root, then per scenario its group,
 * its policies and its sample paths. */
#ifndef VIXRISK_RUNFILE_WRITE_H
#define VIXRISK_RUNFILE_WRITE_H

#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_summary.h"

/* Where and how the run ran (root attributes besides the configuration's). */
typedef struct vr_rf_run_info {
    const char *isa;
    int threads, ranks;
    const char *utc_time;
} vr_rf_run_info;

/* Root attributes except wall_seconds (vr_rf_write_wall at the end). */
vr_status vr_rf_write_root(vr_h5 *h, const vr_run_cfg *cfg, const vr_rf_run_info *ri, vr_err *err);
vr_status vr_rf_write_wall(vr_h5 *h, double seconds, vr_err *err);

/* What a scenario group records besides its model. window_*: NULL for a model scenario. */
typedef struct vr_rf_scen_info {
    double seconds, build_seconds;
    size_t paths;
    int days;
    const char *window_from, *window_to;
    int64_t window_gaps;
    int trade_log_paths;   /* paths with a trade log */
    double vix0;           /* VIX of the initial state (pricing parameters) */
    const double *x0;      /* the initial state's factors where they are not the model's v0 (and m0):
                              a replay's, backed out of its window's first day; NULL: the model's */
    const vr_market_day *start; /* the market the state came from (start.asof, run --asof);
                                   NULL: the config's state */
    int64_t vix3m_model_days; /* replay: window days without a VIX3M close (stored for replays) */
    int64_t vix_floor_days;   /* replay: window days whose VIX close is below the model's floor */
    int64_t vix_top_path_days;   /* bootstrap: path-days whose VIX is above the VIX option tables' top */
    int64_t vix_floor_path_days; /* bootstrap: path-days whose VIX is below the model's floor; model
                                    scenario with shocks: path-days whose shock asked for a VIX below it */
    const vr_eval_stages *stages; /* run --stages: the evaluation's stages (all ranks), or NULL */
} vr_rf_scen_info;
vr_status vr_rf_write_scenario(vr_h5 *h, const vr_scenario *sc, const vr_rf_scen_info *info,
                               vr_err *err);

/* A policy's datasets (o: n paths; NULL: no per-path datasets, simulation.store_paths false),
 * its layers and its summary attributes (layer mean_activations from ps). */
vr_status vr_rf_write_policy(vr_h5 *h, const char *scen, const vr_policy *pol, const vr_path_out *o,
                             size_t n, const vr_pol_summary *ps, const char *baseline, int compress,
                             vr_err *err);

/* Policy p's attribution datasets (o: n paths; NULL under `store_paths: false`, no datasets) and,
 * for a policy derived by ablation, its ablation attributes. */
vr_status vr_rf_write_attrib(vr_h5 *h, const char *scen, const vr_run_spec *s, int p,
                             const vr_path_out *o, size_t n, int compress, vr_err *err);

/* Policy p's trade log in scenario sc (every logged path of res; dates for a replay). */
vr_status vr_rf_write_trade_log(vr_h5 *h, const char *scen, const vr_run_spec *s, int sc,
                                const vr_scenario_result *res, int p, vr_err *err);

/* The sample paths of a scenario (nothing when res->nsample == 0). */
vr_status vr_rf_write_samples(vr_h5 *h, const char *scen, const vr_run_spec *s,
                              const vr_scenario_result *res, vr_err *err);

#endif
