/* vr_run.h: run files (`vixrisk run CONFIG.yaml`): loading, validation, and the whole run:
 * every scenario's policies evaluated on common paths, scored, written to one HDF5 file and
 * summarised in a ranking table. Schema: docs/config.md; output layout: docs/hdf5.md. */
#ifndef VIXRISK_VR_RUN_H
#define VIXRISK_VR_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_model_info.h"

typedef struct vr_run_cfg {
    vr_run_spec spec;
    char baseline[VR_NAME_MAX];  /* policy the paired differences are taken against */
    double thresholds[4];        /* loss sizes (USD) for P(loss > x) */
    int compress;                /* deflate level for the datasets (0 = none) */
    int store_paths;             /* simulation.store_paths: 1 (default) per-path datasets stored;
                                    0: scores streamed (vr_tailstats), no per-path datasets */
    char *config_text;           /* the file as read (stored in the output) */
    char *file;
    /* How the run was started, stored in the run file (root attributes command_line, overrides):
     * command_line is borrowed (NULL: not stored) and must outlive vr_run_execute; overrides lists
     * the settings the command line changed, "simulation.paths=20000 simulation.seed=3" ("" none):
     * vr_run_load_ex writes the paths of vr_run_load_opts there when they differ from the config's,
     * the caller appends the others; a value equal to the config's is not listed. */
    const char *command_line;
    char overrides[256];
    /* owned data of history/bootstrap scenarios and shocks */
#define VR_MAX_HIST 4
#define VR_MAX_SCEN_ALLOC 32
    vr_history hist[VR_MAX_HIST];
    char hist_dirs[VR_MAX_HIST][512];
    int nhist;
    vr_shock *shockbuf[VR_MAX_SCEN_ALLOC];
    int nshockbuf;
    /* `run --asof`: the market the scenarios with a model start (model and bootstrap sources)
     * started from (vr_model_start_at_market: their spot, v0, m0 replaced); asof.date 0: none,
     * every state as in the config. Stored as the root attributes asof, asof_*. */
    vr_market_day asof;
    /* [spec.nscen] (owned): the market each scenario started from, from its `start: {asof}` key
     * or from `run --asof` (which replaces every scenario's start.asof); start[i].date 0: the
     * config's state. Stored as the scenario attributes asof, asof_*. */
    vr_market_day *start;
    /* the model files the config names (scenarios' `model: FILE`), as it names them: inputs the
     * output may not replace */
#define VR_RUN_MAX_MODEL_FILES 16
    char model_files[VR_RUN_MAX_MODEL_FILES][512];
    int nmodel_files;
} vr_run_cfg;

/* Options of loading a run file (all optional: a zeroed struct gives the defaults). */
typedef struct vr_run_load_opts {
    const char *data_dir; /* history directory of scenarios without `data:`; NULL: VIXRISK_DATA,
                             then ../shared/data (docs/config.md, "Data files") */
    size_t paths;         /* > 0: replaces simulation.paths (before the checks and warnings) */
    FILE *warn;           /* warnings, one line each (tail estimates on few paths); NULL = none */
    int32_t asof;         /* yyyymmdd > 0: start every model and bootstrap scenario from that date's
                             market in the data directory (data_dir, else as for history
                             scenarios), in place of any scenario's `start: {asof}`: VR_ECONFIG
                             naming the date and the values when the data lack the date (with the
                             nearest trading days) or a scenario's model cannot reach the day's
                             VIX (its floor; two factors: the (VIX, VIX3M) pair) or the state it
                             needs is outside the model's range for v0 (and m0) */
    int lookback;         /* 0: each scenario's `lookback` key; 1 (flat) or 2 (data): that for
                             every scenario instead (run --lookback), whose keys are still checked
                             for their form; VR_ECONFIG naming the scenario where `data` finds
                             nothing before day 0 */
} vr_run_load_opts;

/* Load and validate a run file: every scenario and policy, and every check the run itself would
 * make before simulating (vr_eval_scenario_check), so a run that loads does not stop on a config
 * problem after earlier scenarios have run. Errors: VR_ECONFIG with "file:line: key: message".
 * A scenario's `start: {asof: DATE}` (or opts->asof for every scenario) makes its initial state
 * that day's market before the checks run. */
vr_status vr_run_load_ex(const char *file, const vr_run_load_opts *opts, vr_run_cfg *out, vr_err *err);
/* vr_run_load_ex with default options. */
vr_status vr_run_load(const char *file, vr_run_cfg *out, vr_err *err);

/* Fewer paths than this leave fewer than 100 paths beyond VaR99: the loader warns. */
#define VR_TAIL_MIN_PATHS 10000
void vr_run_cfg_free(vr_run_cfg *c);

/* A digest of what a loaded run's numbers depend on beyond the command line: the config text (the
 * run file and the model files it names), the market histories of its history and bootstrap
 * scenarios, and the market days its scenarios start from. Directory names are left out (the
 * same data may be read from different places). Under mpirun the ranks compare theirs. */
uint64_t vr_run_inputs_digest(const vr_run_cfg *c);

typedef struct vr_run_opts {
    const char *out_path;  /* HDF5 output: a file, or a directory for DIR/<config stem>.h5; checked
                            * (vr_outfile_prepare, the config file as input) before any work */
    int quiet;             /* no progress bar */
    FILE *table;           /* where the ranking table goes (stdout), NULL = none */
    FILE *stages;          /* where each scenario's stages go (vr_eval_stages_print: where the
                              evaluation's time went), NULL = none (the evaluation is not timed
                              then). Under MPI every rank must pass the same choice (each times
                              its paths); rank 0 prints the ranks' stages added up. */
} vr_run_opts;

/* Run every scenario, write the run file and print the rankings. The output's temporary is
 * registered with vr_outfile, so the CLI's signal handlers remove it with
 * vr_outfile_signal_cleanup(). */
vr_status vr_run_execute(const vr_run_cfg *cfg, const vr_run_opts *opts, vr_err *err);

/* Bytes of per-path outputs (`store_paths: true`) a run keeps in memory before they go to a
 * temporary file beside the output (docs/scale.md, "Memory"): the environment's
 * VIXRISK_PATH_STORE_MB (MiB, a whole number; set and empty: the default), else 256 MiB.
 * vr_run_execute reads it; a command checks it with the rest of its input. Errors: VR_EINVAL
 * naming the variable and the valid range. */
vr_status vr_run_store_limit(size_t *bytes, vr_err *err);

/* What `check` asks besides the config: with `store_paths: true`, whether every scenario's per-path
 * outputs find room (in memory, else in `dir`, the output file's directory) as vr_run_execute will
 * ask before simulating it; VR_OK, or its error (VR_ENOMEM, VR_EINVAL for VIXRISK_PATH_STORE_MB). */
vr_status vr_run_store_check(const vr_run_cfg *cfg, const char *dir, vr_err *err);

#endif
