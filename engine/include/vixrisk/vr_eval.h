/* vr_eval.h: the policy evaluator. Every policy of a scenario runs on the same simulated paths
 * (common random numbers) inside the block loop of the path generator, so whole paths are never
 * stored: memory grows with paths x policies, not with steps. */
#ifndef VIXRISK_VR_EVAL_H
#define VIXRISK_VR_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_policy.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_sim.h"

typedef struct vr_scenario {
    char name[VR_NAME_MAX];
    vr_model model;          /* paths (MODEL) and marks (always: its pricing parameters) */
    vr_source source;        /* MODEL (default), HISTORY (replay) or BOOTSTRAP */
    const vr_history *hist;  /* HISTORY, BOOTSTRAP: the data (owned by the run config) */
    size_t hist_i0, hist_i1; /* the window [i0, i1) */
    double block_mean;       /* BOOTSTRAP */
    vr_shock *shocks;        /* MODEL: shocks on every path (owned by the run config) */
    int nshocks;
    size_t paths;            /* 0 = the run's; HISTORY forces 1 */
    int horizon_days;        /* 0 = the run's; HISTORY: the window's length - 1 */
    /* `lookback: data`: the real VIX closes of the npre trading days before day 0 (a replay's
     * window, a start.asof or --asof day), oldest first, up to VR_VIX_HIST_MAX: the triggers'
     * lookbacks (vix_change, rsi) reach into them instead of stopping at day 0, and the drawdown
     * trigger's running peak starts at pre_spx_peak where it is above spot. npre = 0: the
     * default `lookback: flat`, no history before day 0. */
    int lookback_data;       /* the config asked for it (a run file attribute says how many) */
    int npre;
    int32_t pre_date0;       /* the date of pre_vix[0] (yyyymmdd) */
    double pre_spx_peak;     /* the highest SPX close of those days (the drawdown trigger's peak
                                starts there) */
    double pre_vix[VR_VIX_HIST_MAX];
} vr_scenario;

/* Paths per block of a run when the config gives none. Every day the evaluator touches the books
 * of all the block's paths (one book per policy, a few hundred bytes each of rule state and open
 * positions): with 64 paths and the main job's 11 policies that stays in L2 from one day to the
 * next, with 1024 it does not. Same-time pairs (results/BENCHMARKS.md, "Block size, 2026-12-03
 * night"), user CPU of 64 over that of the block named: the main job 0.95 against 512 and 0.91
 * against 1024, the stress job 0.92 against 512; 32 and 16 lose it again to the per-block work of
 * each day. The numbers do not depend on the block (tested). */
#define VR_EVAL_DEFAULT_BLOCK 64

typedef struct vr_run_spec {
    size_t paths;
    int horizon_days;      /* trading days */
    int steps_per_day;     /* >= 1 */
    uint64_t seed;
    size_t block;          /* paths per block (multiple of 8); 0 = VR_EVAL_DEFAULT_BLOCK */
    int threads;           /* 0 = all */
    int sample_paths;      /* full daily paths kept for plots (first N paths) */
    int trade_log_paths;   /* paths 0..N-1 whose trades are logged (a replay: its one path) */
    vr_scheme scheme;
    int fast_log;          /* simulation.fast_log: path kernels with SLEEF's 3.5-ulp log (vr_sim.h) */
    int single;            /* simulation.precision: single: the QE step in float (vr_sim.h) */
    int mark_single;       /* simulation.mark_precision: single: the daily batch's SPX options
                              marked in float (vk_single_marks; the strike searches and the marks
                              the books make themselves stay in double) */
    const vk_table *kt;
    int nscen;
    vr_scenario *scen;
    int npol;
    vr_policy *pol;
} vr_run_spec;

/* One leg traded (the trade log of a path; docs/hdf5.md "Trade log"). */
#define VR_TRADE_REASON 48
typedef struct vr_trade {
    int32_t path, day, expiry_day;  /* expiry in trading days from the start */
    int8_t layer;                   /* who decided the trade: -1 the condor's rules; else the
                                       policy's layer index */
    int8_t kind, cp;                /* vr_inst_kind and call (+1) / put (-1) */
    int8_t owner;                   /* whose position it opens or closes (its P&L goes there in
                                       the attribution): -1 the condor; else the layer index */
    double strike, qty;             /* qty > 0 bought, < 0 sold; 0: abandoned */
    double price, cash;             /* fill per unit (index points); USD at the trade's date */
    char reason[VR_TRADE_REASON];
} vr_trade;

/* A growing list of trades (one path and policy). failed: an allocation failed, records lost. */
typedef struct vr_trade_log {
    vr_trade *rec;
    size_t n, cap;
    int failed;
} vr_trade_log;

/* Progress callback: called from the master thread with paths done so far (may be NULL). */
typedef void (*vr_progress_fn)(void *ctx, size_t done, size_t total);

typedef struct vr_scenario_result {
    int npol;
    vr_path_out *out;      /* npol per-path output sets of paths [path_lo, path_hi) (element i is
                              path path_lo + i); NULL when the evaluation did not store them */
    size_t path_lo, path_hi;
    int nsample, ndays;    /* sample paths and days+1 points per sample path */
    float *sample_spx;     /* nsample x (ndays) */
    float *sample_vix;     /* nsample x (ndays) */
    uint8_t *sample_act;   /* npol x nsample x ndays: bit l = layer l activated that day */
    int nlog;              /* paths with a trade log: min(trade_log_paths, paths) */
    vr_trade_log *logs;    /* npol x nlog */
    double seconds;        /* wall time of the scenario (marks build included) */
    double build_seconds;  /* pricing layer build (surface + VIX table) */
    int64_t vix_floor_n;   /* replay and bootstrap: (path, day) pairs of this rank whose VIX was
                              below the model's floor (the triggers saw it, the marks the floor);
                              model paths: (path, shock day) pairs whose shock asked for a VIX
                              below the floor (the path sat at it) */
    double vix_floor_min;  /* the lowest such VIX (INFINITY when none) */
    int64_t vix_top_n;     /* bootstrap: (path, day) pairs of this rank whose VIX was above the
                              top of the scenario's VIX option tables (marked by extrapolation) */
    double vix_top_max;    /* the highest such VIX (0 when none) */
    int64_t sized_zero[VR_MAX_POLICIES][VR_MAX_LAYERS]; /* path-days of this rank on which layer l
                              of policy p acted and its size came to 0 whole contracts (rounded
                              to 0, refused by a sizing guard, or a spread whose short leg had
                              no bid): it bought nothing */
    int64_t sized_capped[VR_MAX_POLICIES][VR_MAX_LAYERS]; /* purchases of this rank by layer l of
                              policy p whose size its size.max_contracts cut to the cap */
} vr_scenario_result;

/* Paths and horizon of a scenario (its own or the run's). */
size_t vr_scenario_paths(const vr_run_spec *spec, const vr_scenario *sc);
int vr_scenario_days(const vr_run_spec *spec, const vr_scenario *sc);

/* Every check vr_eval_scenario makes before simulating scenario `scen` (the path generator's
 * limits such as lambda * dt <= 2, the marks' table limits), without simulating: `check` and the
 * run file loader call it for every scenario before the first one runs. */
vr_status vr_eval_scenario_check(const vr_run_spec *spec, int scen, vr_err *err);
/* Its second half: the marks' table limits of the scenario's pricing set alone, for the tables of
 * each policy's longest expiry (the evaluator marks each policy with the tables of its own). */
vr_status vr_eval_pricing_check(const vr_run_spec *spec, int scen, vr_err *err);

/* Evaluate every policy of scenario `scen` on all its paths: res->out holds every path. */
vr_status vr_eval_scenario(const vr_run_spec *spec, int scen, vr_scenario_result *res,
                           vr_progress_fn progress, void *progress_ctx, vr_err *err);

/* A finished block's outputs: out[0..npol) hold its n paths path0, path0 + 1, ... at index 0..n-1.
 * Called concurrently from the evaluator's threads, each with its own arrays (valid during the
 * call only). */
typedef void (*vr_eval_block_fn)(void *ctx, size_t path0, size_t n, const vr_path_out *out);

/* Where an evaluation's time went, stage by stage (vr_eval_opts.stages): thread-seconds, summed
 * over the threads, and what each stage did. The stages partition each thread's time from its
 * first block's first day to its last block's end; `searches` is part of `books`. Timed with the
 * CPU's time-stamp counter (the monotonic clock where there is none), converted with the
 * evaluation's own wall clock; the timers read the counter a few times per path and day (about
 * 1-2% of the evaluation, results/BENCHMARKS.md) and change no result. */
typedef struct vr_eval_stages {
    double generate; /* the path generator: a block's start and its model steps between days */
    double market;   /* each path's market view of the day (S, factors, VIX, VIX3M, history) */
    double gather;   /* the daily batch: the positions that want a mark, one lane per distinct
                        instrument of a path */
    double kernels;  /* the batch's marks: the pricing layer's per-lane set-up and SIMD kernels */
    double handout;  /* each path's marks into its books' positions, before they run */
    double books;    /* the policies' books: rules, trades, and the marks they make themselves */
    double searches; /* of books: the strike searches (their rows and the scalar marks they ask) */
    double outputs;  /* the blocks' per-path results */
    uint64_t path_days;    /* paths x days (day 0, the start, included) */
    uint64_t book_days;    /* path-days x policies */
    uint64_t lanes;        /* instruments marked in the daily batches */
    uint64_t wants;        /* positions handed a mark from them */
    uint64_t searches_n;   /* strike searches made (not those a policy of the path made first) */
    uint64_t rows, row_lanes; /* the searches' kernel calls and candidates marked in them */
    uint64_t single_marks; /* marks the books computed one at a time (not from a memo) */
    int threads;           /* the threads that ran (no more than the blocks) */
    double seconds;        /* wall seconds from the paths' start to the last block's end: each
                              thread's stages fit in them */
} vr_eval_stages;

/* Stages g as two lines of text for people, each starting with `indent`: ns of thread time per
 * path-day by stage, "other" the threads' time (threads x seconds) no stage accounts for (the
 * generator's start-up, idle threads at the end), then the counts per path-day. */
void vr_eval_stages_print(FILE *f, const vr_eval_stages *g, const char *indent);
/* Line `line` (0: the stages, 1: the counts) of vr_eval_stages_print, without indent or newline, into
 * buf (cut to cap - 1 characters): the report's rows. */
void vr_eval_stages_text(const vr_eval_stages *g, int line, char *buf, size_t cap);
/* Stages g as JSON members (no braces around them): "path_days": n, "ns_per_path_day": {one per
 * stage, as vr_eval_stages_print, and "other"}, "per_path_day": {"lanes", "wants", "searches",
 * "rows", "row_lanes", "single_marks"}: the run's --json and the benchmark's record. */
void vr_eval_stages_json(FILE *f, const vr_eval_stages *g);
/* g's stage seconds and counts as the run file stores them (docs/hdf5.md, "Stages"): sec =
 * generate, market, gather, kernels, handout, books, searches, outputs; cnt = path_days,
 * book_days, lanes, wants, searches_n, rows, row_lanes, single_marks; and back (threads and
 * seconds are separate attributes: left to the caller). */
#define VR_EVAL_STAGES_N 8
void vr_eval_stages_pack(const vr_eval_stages *g, double sec[VR_EVAL_STAGES_N], double cnt[VR_EVAL_STAGES_N]);
void vr_eval_stages_unpack(vr_eval_stages *g, const double sec[VR_EVAL_STAGES_N], const double cnt[VR_EVAL_STAGES_N]);
/* The threads' seconds (threads x seconds) that no stage of g accounts for. */
double vr_eval_stages_other(const vr_eval_stages *g);
/* Adds the stages g of other paths (another MPI rank's share) into *acc: the stages' seconds and
 * the counts add, the threads add, and acc->seconds becomes the threads' mean wall time, so that
 * threads x seconds is still the thread time the stages are measured against. */
void vr_eval_stages_add(vr_eval_stages *acc, const vr_eval_stages *g);

/* What vr_eval_scenario_ex runs and where the per-path outputs go (a zeroed struct: as
 * vr_eval_scenario). */
typedef struct vr_eval_opts {
    size_t path_lo, path_hi; /* run paths [path_lo, path_hi) only, whole blocks of
                                vr_eval_block_paths() (path_hi may be the scenario's paths);
                                path_hi = 0: all. An MPI rank's share (vr_mpi_paths). */
    int no_store;            /* 1: no per-path arrays (res->out NULL); outputs go to on_block only */
    vr_eval_block_fn on_block; /* NULL: none */
    void *block_ctx;
    vr_pricing_cache *pricing; /* the run's pricing objects, shared by scenarios with equal pricing
                                  inputs (vr_pricing_cache_get); NULL: the scenario builds its own */
    vr_eval_stages *stages;    /* NULL: not timed; else filled (vr_eval_stages) */
} vr_eval_opts;

vr_status vr_eval_scenario_ex(const vr_run_spec *spec, int scen, const vr_eval_opts *opts,
                              vr_scenario_result *res, vr_progress_fn progress, void *progress_ctx,
                              vr_err *err);

/* Paths per block of scenario `scen` (the unit of path_lo/path_hi and of an MPI rank's share):
 * simulation.block, shrunk when the scenario has fewer paths (vr_sim_block_paths). */
size_t vr_eval_block_paths(const vr_run_spec *spec, int scen);

/* The path generator's spec of scenario `scen` as vr_eval_scenario runs it (all its paths, the
 * run's threads; a replay's VIX3M coefficients included): for tests and tools that want the
 * paths without the marks. */
vr_sim_spec vr_eval_sim_spec(const vr_run_spec *spec, int scen);
void vr_scenario_result_free(vr_scenario_result *res);

/* Per-path arrays of n paths (at least one), every field of VR_PATH_OUT_FIELDS with nattr
 * attribution columns; 0 when out of memory (vr_path_out_free frees what was allocated). */
int vr_path_out_alloc(vr_path_out *o, size_t n, int nattr);
/* Free o's arrays (NULL arrays are fine) and set them to NULL. */
void vr_path_out_free(vr_path_out *o);

#endif
