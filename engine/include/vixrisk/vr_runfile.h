/* vr_runfile.h: the layout of a `vixrisk run` result file, declared once.
 *
 * Every group, dataset and attribute the run writes (engine/src/io/runfile_write.c) and the report
 * reads (engine/src/report/load.c) is named here, with its type, units and a one-line description;
 * docs/hdf5.md describes the same table for people. The writer stores each dataset's units and
 * description as its `units` and `description` string attributes; attributes carry theirs only in
 * this table (an attribute cannot have attributes).
 *
 *   /                                    VR_RF_ROOT attributes
 *   /<scenario>/                         VR_RF_SCEN attributes + physical_<p>, pricing_<p>
 *                                        for p the parameters of the scenario's model type (its
 *                                        vr_model_def), and its state beyond v0 (m0) by name
 *   /<scenario>/<policy>/                VR_RF_POL attributes (scores, VR_RF_SCORES, and the rest)
 *   /<scenario>/<policy>/<dataset>       VR_RF_POL_DSETS, float64/int32 [paths]
 *   /<scenario>/<policy>/layers/<layer>/ VR_RF_LAYER attributes, VR_RF_LAYER_DSETS [paths]
 *   /<scenario>/<policy>/attribution/condor, .../attribution/<layer>  float64 [paths]
 *                                        (VR_RF_ATTR_DSET: the P&L by owner; they add up to pnl)
 *   /<scenario>/<policy>/trade_log       compound [trades] (VR_RF_TRADE_FIELDS), replays and the
 *                                        first simulation.trade_log_paths paths
 *   /<scenario>/sample_paths/spx, vix    float32 [sample, days+1]
 *   /<scenario>/sample_paths/activations/<policy>  float32 [sample, days+1]
 *
 * Scenario, policy and layer names are group names; vr_runfile_name_ok is the rule both sides apply
 * (1..VR_NAME_MAX-1 characters from VR_RF_NAME_CHARS, not starting with '.'; '@', '=' and '+' are
 * there for the policies a sweep derives, "hedged@layers_0_.trigger.vix_level=18"), so a name read
 * from a file is safe as an HDF5 path component, in HTML and CSV, and (through the Markdown writer's
 * own mapping to [A-Za-z0-9_-]) in a file name.
 *
 * A replayed history is one path: its policy groups carry only the VR_RF_REPLAY-flagged scores
 * (its P&L as `mean`, its drawdown, hedge flows, `d_mean`); the distribution scores are absent.
 *
 * Reading limits (engine/src/report/load.c; docs/hdf5.md "Files from elsewhere"): a reader checks
 * every count it reads against these before allocating anything. */
#ifndef VIXRISK_VR_RUNFILE_H
#define VIXRISK_VR_RUNFILE_H

#include <stddef.h>

#include "vixrisk/vr_policy.h"

#define VR_RF_SCHEMA_VERSION "vixrisk-run/1"      /* root attribute `schema` */
#define VR_RF_UNITS "units"               /* per-dataset attributes */
#define VR_RF_DESCRIPTION "description"

/* Reader limits. Paths per scenario: the scenario's own `paths` attribute, at most this. */
#define VR_RF_MAX_PATHS ((size_t)100000000) /* 1e8: 2.4 GB of doubles per policy in the report */
#define VR_RF_MAX_SCENARIOS 64
#define VR_RF_MAX_SAMPLE 10000            /* sample paths (simulation.sample_paths <= 10000) */
#define VR_RF_MAX_DAYS 2521               /* days + 1 (simulation.horizon_days <= 2520) */
#define VR_RF_MAX_STR 1048576             /* bytes of the config text the run file stores (1 MiB) */
#define VR_RF_MAX_CHILDREN 4096           /* members of one group the reader will list */

typedef enum { VR_RF_STR, VR_RF_I64, VR_RF_F64, VR_RF_F64_ARRAY } vr_rf_type;

/* Flags of an attribute. */
enum {
    VR_RF_REPLAY = 1, /* policy scores: also present when the scenario is one path */
    VR_RF_TIMING = 2, /* differs between identical runs (wall time, date) */
    VR_RF_OPTIONAL = 4, /* present only when defined (never stored as NaN) */
};

typedef struct vr_rf_attr {
    const char *name;
    vr_rf_type type;
    const char *units;       /* "USD", "probability", "days", "" for none */
    const char *description;
    int flags;
} vr_rf_attr;

/* ---- root attributes ------------------------------------------------------------------------ */
#define VR_RF_ROOT(X)                                                                               \
    X(SCHEMA, "schema", STR, "", "layout version, \"" VR_RF_SCHEMA_VERSION "\"", 0)                         \
    X(VERSION, "vixrisk_version", STR, "", "vixrisk version that wrote the file", 0)               \
    X(BUILD, "build", STR, "", "git commit of the build", 0)                                       \
    X(CONFIG, "config", STR, "", "the run file's YAML text as read", 0)                            \
    X(CONFIG_FILE, "config_file", STR, "", "path of the run file", 0)                              \
    X(SEED, "seed", I64, "", "random seed of the run", 0)                                          \
    X(ISA, "isa", STR, "", "kernel instruction set used (scalar, avx2, avx512)", 0)                \
    X(THREADS, "threads", I64, "", "OpenMP threads (per MPI rank)", 0)                              \
    X(RANKS, "ranks", I64, "", "MPI ranks the run was split over (1: one process)", VR_RF_TIMING)  \
    X(STORE_PATHS, "store_paths", I64, "", "1: per-path datasets stored; 0: scores only", 0)       \
    X(PATHS, "paths", I64, "paths", "paths per scenario (simulation.paths)", 0)                    \
    X(HORIZON, "horizon_days", I64, "trading days", "simulated horizon", 0)                        \
    X(UTC_TIME, "utc_time", STR, "ISO 8601 UTC", "when the run started", VR_RF_TIMING)             \
    X(BASELINE, "baseline", STR, "", "policy the paired differences are taken against", 0)        \
    X(VERDICT, "verdict", STR, "", "the verdict paragraph(s) printed at the top of the console", 0) \
    X(COMMAND_LINE, "command_line", STR, "", "the command that started the run", 0)               \
    X(OVERRIDES, "overrides", STR, "", "settings the command line replaced (key=value ...)", 0)    \
    X(ASOF, "asof", STR, "YYYY-MM-DD", "run --asof: the market day model and bootstrap scenarios "  \
      "started from", VR_RF_OPTIONAL)                                                              \
    X(ASOF_DATA, "asof_data", STR, "", "run --asof: the data directory it was read from",          \
      VR_RF_OPTIONAL)                                                                              \
    X(ASOF_SPX, "asof_spx", F64, "index points", "run --asof: that day's SPX close (the spot)",     \
      VR_RF_OPTIONAL)                                                                              \
    X(ASOF_VIX, "asof_vix", F64, "index points", "run --asof: that day's VIX close", VR_RF_OPTIONAL) \
    X(ASOF_VIX3M, "asof_vix3m", F64, "index points", "run --asof: that day's VIX3M close (absent "  \
      "when the data have none)", VR_RF_OPTIONAL)                                                  \
    X(WALL, "wall_seconds", F64, "s", "wall time of the whole run", VR_RF_TIMING)

/* ---- scenario attributes (besides physical_<p>, pricing_<p>) ----------------------------------- */
#define VR_RF_SCEN(X)                                                                               \
    X(MODEL_TYPE, "model_type", STR, "", "heston, bates, svcj or svcj2", 0)                       \
    X(SPOT, "spot", F64, "index points", "SPX at the start", 0)                                   \
    X(RATE, "rate", F64, "1/year", "risk-free rate, continuous", 0)                                \
    X(DIVIDEND, "dividend", F64, "1/year", "dividend yield, continuous", 0)                        \
    X(V0, "v0", F64, "1/year", "initial variance", 0)                                              \
    X(WALL, "wall_seconds", F64, "s", "wall time of the scenario", VR_RF_TIMING)                   \
    X(MARKS_WALL, "marks_build_seconds", F64, "s", "pricing tables build time", VR_RF_TIMING)      \
    X(SOURCE, "source", STR, "", "model, history (a replay: one path) or bootstrap", 0)            \
    X(PATHS, "paths", I64, "paths", "paths of this scenario (1 for a replay)", 0)                  \
    X(HORIZON, "horizon_days", I64, "trading days", "horizon of this scenario", 0)                 \
    X(SHOCKS, "shocks", I64, "", "shocks applied on every path", 0)                                \
    X(WINDOW_FROM, "window_from", STR, "YYYY-MM-DD", "first date of the history window", 0)       \
    X(WINDOW_TO, "window_to", STR, "YYYY-MM-DD", "last date of the history window", 0)            \
    X(WINDOW_GAPS, "window_gaps", I64, "days", "dates in the window with only one of SPX/VIX", 0) \
    X(TRADE_LOG_PATHS, "trade_log_paths", I64, "paths", "paths 0..n-1 whose trades are logged", 0) \
    X(VIX0, "vix0", F64, "index points", "VIX of the initial state under the pricing parameters", 0) \
    X(VIX_COVER, "vix_table_cover", F64, "index points", "the highest VIX the scenario sets (start, "  \
      "shock, preset, window) above its VIX option table's default top: its tables reach twice "     \
      "that VIX's variance (at most 25); absent when none does", VR_RF_OPTIONAL)                      \
    X(ASOF, "asof", STR, "YYYY-MM-DD", "start.asof or run --asof: the market day spot, v0 (and m0) " \
      "come from", VR_RF_OPTIONAL)                                                                 \
    X(ASOF_DATA, "asof_data", STR, "", "start.asof or run --asof: the data directory it was read "   \
      "from", VR_RF_OPTIONAL)                                                                      \
    X(ASOF_SPX, "asof_spx", F64, "index points", "start.asof or run --asof: that day's SPX close "   \
      "(= spot)", VR_RF_OPTIONAL)                                                                  \
    X(ASOF_VIX, "asof_vix", F64, "index points", "start.asof or run --asof: that day's VIX close "   \
      "(= vix0)", VR_RF_OPTIONAL)                                                                  \
    X(ASOF_VIX3M, "asof_vix3m", F64, "index points", "start.asof or run --asof: that day's VIX3M "  \
      "close (absent when the data have none)", VR_RF_OPTIONAL)                                    \
    X(LOOKBACK_DAYS, "lookback_days", I64, "trading days", "lookback: data: the real VIX closes "  \
      "before day 0 that the triggers' lookbacks (vix_change, rsi) reached into (at most 63; absent " \
      "with the default lookback: flat, where they stop at day 0)", VR_RF_OPTIONAL)                  \
    X(LOOKBACK_FROM, "lookback_from", STR, "YYYY-MM-DD", "lookback: data: the date of the earliest " \
      "of those closes", VR_RF_OPTIONAL)                                                           \
    X(LOOKBACK_SPX_PEAK, "lookback_spx_peak", F64, "index points", "lookback: data: the highest "   \
      "SPX close of those days, where the drawdown trigger's running peak starts (if above spot)",  \
      VR_RF_OPTIONAL)                                                                              \
    X(VIX3M_MODEL_DAYS, "vix3m_model_days", I64, "days", "replay: days of the window without a "    \
      "VIX3M close, where triggers saw the model's VIX3M at the replayed state", VR_RF_OPTIONAL)   \
    X(VIX_FLOOR_DAYS, "vix_floor_days", I64, "days", "replay: days of the window whose VIX close "  \
      "is below the model's VIX floor; triggers saw the close, marks the model at its floor",      \
      VR_RF_OPTIONAL)                                                                              \
    X(VIX_FLOOR_PATH_DAYS, "vix_floor_path_days", I64, "path-days", "bootstrap: (path, day) pairs, " \
      "days 0 to horizon_days, whose resampled VIX is below the model's VIX floor; triggers saw "   \
      "that VIX, marks the model at its floor; a model scenario with shocks: (path, day) pairs "    \
      "whose shock asked for a VIX below the floor, where the path sat instead", VR_RF_OPTIONAL)   \
    X(VIX_TOP_PATH_DAYS, "vix_top_path_days", I64, "path-days", "bootstrap: (path, day) pairs whose " \
      "resampled VIX is above the top of the scenario's VIX option tables, where VIX options are "  \
      "marked by extrapolation", VR_RF_OPTIONAL)                                                   \
    X(STAGE_SECONDS, "stage_seconds", F64_ARRAY, "s", "run --stages: thread seconds of the "        \
      "evaluation's stages, all ranks: generate, market, gather, kernels, handout, books, "         \
      "searches (within books), outputs", VR_RF_TIMING | VR_RF_OPTIONAL)                           \
    X(STAGE_COUNTS, "stage_counts", F64_ARRAY, "", "run --stages: what the stages did, all ranks: " \
      "path_days, book_days, lanes, wants, searches, rows, row_lanes, single_marks (the same for " \
      "any threads and ranks)", VR_RF_OPTIONAL)                                                    \
    X(STAGE_THREADS, "stage_threads", I64, "threads", "run --stages: threads that ran paths, all "  \
      "ranks", VR_RF_TIMING | VR_RF_OPTIONAL)                                                       \
    X(STAGE_WALL, "stage_wall_seconds", F64, "s", "run --stages: those threads' mean wall time of " \
      "the evaluation (stage_threads x it: the stages but searches, and 'other')",                  \
      VR_RF_TIMING | VR_RF_OPTIONAL)

/* Model parameters are not listed here: the writer and the report iterate the parameter table of
 * the scenario's model type (vr_model_params.h), stored as physical_<name> and pricing_<name>
 * (float64) on the scenario, so a new model or parameter needs no change to the file layout code. */

/* ---- policy scores: float64 attributes of /<scenario>/<policy> (losses are positive) ----------- */
#define VR_RF_SCORES(X)                                                                             \
    X(MEAN, "mean", "USD", "mean terminal P&L (a replay: its P&L)", VR_RF_REPLAY)                  \
    X(MEAN_SE, "mean_se", "USD", "standard error of the mean", 0)                                  \
    X(STD, "std", "USD", "standard deviation of P&L", 0)                                           \
    X(SKEW, "skew", "", "skewness of P&L; absent when every path has the same P&L", VR_RF_OPTIONAL) \
    X(KURT, "kurtosis", "", "excess kurtosis of P&L; absent when every path has the same P&L",     \
      VR_RF_OPTIONAL)                                                                              \
    X(Q01, "q0.1", "USD", "0.1% quantile of P&L", 0)                                               \
    X(Q1, "q1", "USD", "1% quantile of P&L", 0)                                                    \
    X(Q5, "q5", "USD", "5% quantile of P&L", 0)                                                    \
    X(Q50, "q50", "USD", "median P&L", 0)                                                          \
    X(Q95, "q95", "USD", "95% quantile of P&L", 0)                                                 \
    X(Q99, "q99", "USD", "99% quantile of P&L", 0)                                                 \
    X(VAR95, "var95", "USD", "value at risk 95% (loss)", 0)                                        \
    X(VAR95_SE, "var95_se", "USD", "its standard error", 0)                                        \
    X(VAR99, "var99", "USD", "value at risk 99% (loss)", 0)                                        \
    X(VAR99_SE, "var99_se", "USD", "its standard error", 0)                                        \
    X(VAR999, "var99.9", "USD", "value at risk 99.9% (loss)", 0)                                   \
    X(VAR999_SE, "var99.9_se", "USD", "its standard error", 0)                                     \
    X(ES95, "es95", "USD", "expected shortfall 95% (loss)", 0)                                     \
    X(ES95_SE, "es95_se", "USD", "its standard error", 0)                                          \
    X(ES99, "es99", "USD", "expected shortfall 99% (loss)", 0)                                     \
    X(ES99_SE, "es99_se", "USD", "its standard error", 0)                                          \
    X(ES999, "es99.9", "USD", "expected shortfall 99.9% (loss)", 0)                                \
    X(ES999_SE, "es99.9_se", "USD", "its standard error", 0)                                       \
    X(DD50, "drawdown_q50", "USD", "median max drawdown (a replay: its drawdown)", VR_RF_REPLAY)   \
    X(DD95, "drawdown_q95", "USD", "95% quantile of max drawdown", 0)                              \
    X(DD99, "drawdown_q99", "USD", "99% quantile of max drawdown", 0)                              \
    X(PAID, "hedge_premium_paid", "USD", "mean hedge premium paid per path", VR_RF_REPLAY)         \
    X(RECV, "hedge_premium_recovered", "USD", "mean hedge sales and settlements", VR_RF_REPLAY)    \
    X(DMEAN, "d_mean", "USD", "mean P&L minus the baseline's, same paths", VR_RF_REPLAY)           \
    X(DMEAN_SE, "d_mean_se", "USD", "its paired standard error", 0)                                \
    X(DES99, "d_es99", "USD", "ES99 minus the baseline's (negative: tail reduced)", 0)             \
    X(DES99_SE, "d_es99_se", "USD", "its paired standard error", 0)                                \
    X(COST, "cost_per_es99_reduction", "", "-d_mean / -d_es99; absent when the tail is not reduced", \
      VR_RF_OPTIONAL)                                                                              \
    X(CONDOR_NET_SE, "condor_net_mean_se", "USD", "standard error of the condor's mean net (the "  \
      "mean of attribution/condor); absent when the scores are streamed", VR_RF_OPTIONAL)          \
    X(CONDOR_DNET_SE, "condor_d_net_mean_se", "USD", "paired standard error of the condor's mean "  \
      "net minus the baseline's condor's, same paths; absent when the scores are streamed or the " \
      "baseline has layers", VR_RF_OPTIONAL)                                                     \
    X(CONDOR_TAIL1, "condor_net_on_worst1", "USD", "mean of attribution/condor on the baseline's "  \
      "worst 1% paths (with the layers' net_on_worst1 it makes the policy's mean P&L there); "      \
      "absent when the scores are streamed", VR_RF_OPTIONAL)                                       \
    X(CONDOR_TAIL5, "condor_net_on_worst5", "USD", "the same on the baseline's worst 5% paths",    \
      VR_RF_OPTIONAL)

#define VR_RF_ENUM_SCORE(id, key, units, desc, flags) VR_SCORE_##id,
enum { VR_RF_SCORES(VR_RF_ENUM_SCORE) VR_SCORE_N };
#undef VR_RF_ENUM_SCORE

/* Other policy attributes. */
#define VR_RF_POL(X)                                                                                \
    X(BASELINE, "baseline", STR, "", "the baseline policy's name", VR_RF_REPLAY)                   \
    X(LAYERS, "layers", I64, "", "number of hedge layers", VR_RF_REPLAY)                           \
    X(THRESHOLDS, "loss_thresholds", F64_ARRAY, "USD", "loss sizes x of p_loss", 0)                \
    X(P_LOSS, "p_loss", F64_ARRAY, "probability", "P(P&L < -x) for each threshold", 0)             \
    X(P_LOSS_SE, "p_loss_se", F64_ARRAY, "probability", "their standard errors", 0)               \
    X(CAR, "capital_at_risk", F64, "USD", "condor capital at risk: wing width x 100 x contracts",   \
      VR_RF_REPLAY)                                                                                 \
    X(BUDGET, "hedge_budget_pct", F64, "% of capital at risk per year",                             \
      "mean hedge premium paid per year / capital_at_risk", VR_RF_REPLAY)                          \
    X(ABL_OF, "ablation_of", STR, "", "derived by ablation from this policy", VR_RF_OPTIONAL)      \
    X(ABL_KIND, "ablation", STR, "", "only (that layer alone) or without (every other layer)",     \
      VR_RF_OPTIONAL)                                                                               \
    X(ABL_LAYER, "ablation_layer", STR, "", "the layer kept alone or removed", VR_RF_OPTIONAL)

#define VR_RF_NTHR 4 /* elements of loss_thresholds, p_loss, p_loss_se */

/* Attributes of a layer group /<scenario>/<policy>/layers/<layer>. */
#define VR_RF_LAYER(X)                                                                              \
    X(MEAN_ACT, "mean_activations", F64, "", "mean number of actions per path", 0)                 \
    X(ACTION, "action", STR, "", "what the layer does: its action type (vix_call, ...)", 0)        \
    X(ACT_YEAR, "activations_per_year", F64, "1/year", "mean actions per path per year",           \
      VR_RF_REPLAY)                                                                                 \
    X(NET_MEAN, "net_mean", F64, "USD", "mean of the layer's attribution (its net P&L)",           \
      VR_RF_REPLAY)                                                                                 \
    X(NET_MEAN_SE, "net_mean_se", F64, "USD", "standard error of net_mean (of the mean of the "     \
      "layer's per-path attribution); absent when the scores are streamed (store_paths: false)",    \
      VR_RF_OPTIONAL)                                                                               \
    X(PREMIUM, "premium_paid", F64, "USD", "mean net premium of what the layer opened (paid for "  \
      "longs, minus collected for shorts) plus its trading costs, per path", VR_RF_REPLAY)         \
    X(PREMIUM_PCT, "premium_pct_car_per_year", F64, "% of capital at risk per year",               \
      "premium_paid per year / the policy's capital_at_risk", VR_RF_REPLAY)                        \
    X(TAIL1, "net_on_worst1", F64, "USD", "mean net on the baseline's worst 1% paths", 0)          \
    X(TAIL5, "net_on_worst5", F64, "USD", "mean net on the baseline's worst 5% paths", 0)          \
    X(CORR, "corr_condor", F64, "", "correlation of the net with the policy's condor attribution", \
      VR_RF_OPTIONAL)                                                                               \
    X(DES_REMOVED, "d_es99_removed", F64, "USD",                                                    \
      "ES99 of the policy without the layer minus the policy's (ablate: true)", VR_RF_OPTIONAL)    \
    X(DES_REMOVED_SE, "d_es99_removed_se", F64, "USD", "its paired standard error", VR_RF_OPTIONAL) \
    X(DES_ALONE, "d_es99_alone", F64, "USD",                                                        \
      "ES99 of the condor with only this layer minus the baseline's (ablate: true)", VR_RF_OPTIONAL) \
    X(DES_ALONE_SE, "d_es99_alone_se", F64, "USD", "its paired standard error", VR_RF_OPTIONAL)   \
    X(SIZED_ZERO, "sized_zero_days", F64, "path-days", "path-days on which the layer's action came "  \
      "to 0 whole contracts and bought nothing (present when > 0)", VR_RF_OPTIONAL | VR_RF_REPLAY)     \
    X(SIZED_CAPPED, "sized_capped_purchases", F64, "purchases", "purchases whose size the action's "            \
      "size.max_contracts cut to the cap (present when > 0)", VR_RF_OPTIONAL | VR_RF_REPLAY)

/* ---- datasets ---------------------------------------------------------------------------------- */
typedef enum { VR_RF_ELEM_F64, VR_RF_ELEM_F32, VR_RF_ELEM_I32, VR_RF_ELEM_STR } vr_rf_elem;

typedef struct vr_rf_dset {
    const char *name;
    vr_rf_elem elem;
    int rank;               /* 1: [paths]; 2: [sample, days+1] */
    const char *units;
    const char *description;
} vr_rf_dset;

/* Per policy, [paths]. */
#define VR_RF_POL_DSETS(X)                                                                          \
    X(PNL, "pnl", F64, "USD", "terminal discounted P&L per path")                                  \
    X(DRAWDOWN, "drawdown", F64, "USD", "max drawdown of the daily P&L per path (>= 0)")            \
    X(HEDGE_COST, "hedge_cost", F64, "USD", "discounted hedge premium paid per path")               \
    X(HEDGE_PROCEEDS, "hedge_proceeds", F64, "USD", "discounted hedge sales and settlements per path") \
    X(TRADES, "trades", I32, "condors", "condors opened per path")

/* Per layer, [paths]. */
#define VR_RF_LAYER_DSETS(X)                                                                        \
    X(ACTIVATIONS, "activations", I32, "actions", "times the layer acted on the path")             \
    X(FIRST_DAY, "first_day", I32, "trading day", "day of the layer's first action, -1 never")

/* Per policy under attribution/, [paths]: one dataset named "condor" and one per layer (named after
 * the layer), all with this row's type, units and description. */
#define VR_RF_ATTR_GROUP "attribution"
#define VR_RF_ATTR_CONDOR "condor"
extern const vr_rf_dset vr_rf_attr_dset;

/* The trade log of a policy: a compound dataset of one record per leg traded, in the order traded
 * (path, then day). Strings are fixed-length, NUL-padded. */
#define VR_RF_TRADE_LOG "trade_log"
#define VR_RF_TRADE_STR 48
#define VR_RF_TRADE_FIELDS(X)                                                                       \
    X(PATH, "path", I32, "", "path index (0 for a replay)")                                        \
    X(DAY, "day", I32, "trading day", "day of the trade, 0 = start")                               \
    X(DATE, "date", STR, "YYYY-MM-DD", "date of the day in a replay, empty on simulated paths")     \
    X(LAYER, "layer", STR, "", "who decided the trade: condor (its rules) or the layer's name")    \
    X(OWNER, "owner", STR, "", "whose position the trade opens or closes, condor or the layer's "  \
      "name: the attribution credits the trade's mid to it, its costs to `layer` (absent in files " \
      "written before it: read as empty)")                                                         \
    X(INSTRUMENT, "instrument", STR, "", "spx_put, spx_call, vix_call, vix_put or vix_future")      \
    X(STRIKE, "strike", F64, "index points", "strike (0 for a future)")                             \
    X(EXPIRY_DAY, "expiry_day", I32, "trading day", "expiry, in days from the start")              \
    X(QUANTITY, "quantity", F64, "contracts", "bought (> 0) or sold (< 0)")                        \
    X(PRICE, "price", F64, "index points", "fill price per unit (mid -/+ half-spread; expiry: the " \
      "settlement value)")                                                                          \
    X(CASH, "cash", F64, "USD", "cash of the trade at its date (received > 0), costs included")    \
    X(REASON, "reason", STR, "", "trigger conditions that held, exit rule, expiry or condor rule")

typedef struct vr_rf_field {
    const char *name;
    vr_rf_elem elem;        /* F64, I32; STR: char[VR_RF_TRADE_STR] */
    const char *units;
    const char *description;
} vr_rf_field;
#define VR_RF_ENUM_FIELD(id, key, elem, units, desc) VR_RF_T_##id,
enum { VR_RF_TRADE_FIELDS(VR_RF_ENUM_FIELD) VR_RF_TRADE_N };
#undef VR_RF_ENUM_FIELD
extern const vr_rf_field vr_rf_trade_fields[VR_RF_TRADE_N];

/* Per scenario under sample_paths/, [sample, days+1]; "activations" is a group of one dataset per
 * policy. */
#define VR_RF_SAMPLE_DSETS(X)                                                                       \
    X(SPX, "spx", F32, "index points", "SPX close of the first paths, day 0..days")                \
    X(VIX, "vix", F32, "index points", "VIX from the state, day 0..days")                         \
    X(ACT, "activations", F32, "bit mask", "bit l set: layer l of the policy acted that day")

#define VR_RF_ENUM_ATTR(id, key, type, units, desc, flags) VR_RF_ROOT_##id,
enum { VR_RF_ROOT(VR_RF_ENUM_ATTR) VR_RF_ROOT_N };
#undef VR_RF_ENUM_ATTR
#define VR_RF_ENUM_ATTR(id, key, type, units, desc, flags) VR_RF_SCEN_##id,
enum { VR_RF_SCEN(VR_RF_ENUM_ATTR) VR_RF_SCEN_N };
#undef VR_RF_ENUM_ATTR
#define VR_RF_ENUM_ATTR(id, key, type, units, desc, flags) VR_RF_POL_##id,
enum { VR_RF_POL(VR_RF_ENUM_ATTR) VR_RF_POL_N };
#undef VR_RF_ENUM_ATTR
#define VR_RF_ENUM_ATTR(id, key, type, units, desc, flags) VR_RF_LAYER_##id,
enum { VR_RF_LAYER(VR_RF_ENUM_ATTR) VR_RF_LAYER_N };
#undef VR_RF_ENUM_ATTR
#define VR_RF_ENUM_DSET(id, key, elem, units, desc) VR_RF_D_##id,
enum { VR_RF_POL_DSETS(VR_RF_ENUM_DSET) VR_RF_POL_DSET_N };
enum { VR_RF_LAYER_DSETS(VR_RF_ENUM_DSET) VR_RF_LAYER_DSET_N };
enum { VR_RF_SAMPLE_DSETS(VR_RF_ENUM_DSET) VR_RF_SAMPLE_DSET_N };
#undef VR_RF_ENUM_DSET

/* The tables (engine/src/io/runfile_schema.c), indexed by the enums above. */
extern const vr_rf_attr vr_rf_root[VR_RF_ROOT_N];
extern const vr_rf_attr vr_rf_scen[VR_RF_SCEN_N];
extern const vr_rf_attr vr_rf_scores[VR_SCORE_N]; /* type F64 */
extern const vr_rf_attr vr_rf_pol[VR_RF_POL_N];
extern const vr_rf_attr vr_rf_layer[VR_RF_LAYER_N];
extern const vr_rf_dset vr_rf_pol_dsets[VR_RF_POL_DSET_N];
extern const vr_rf_dset vr_rf_layer_dsets[VR_RF_LAYER_DSET_N];
extern const vr_rf_dset vr_rf_sample_dsets[VR_RF_SAMPLE_DSET_N];

#define VR_RF_SAMPLE_GROUP "sample_paths"
#define VR_RF_LAYERS_GROUP "layers"

#define VR_RF_NAME_CHARS "A-Z a-z 0-9 _ . - @ = +"
/* 1 if name is a valid scenario/policy/layer name in a run file (the rule above), else 0. */
int vr_runfile_name_ok(const char *name);

/* The stages of scenario group g (its stage_* attributes: `run --stages`, docs/hdf5.md) into *out
 * with *present = 1; a scenario without them (a run not timed) gives *present = 0 and VR_OK. What
 * no timed run stores is an error that names it: some of the four attributes without the others,
 * a count of values other than VR_EVAL_STAGES_N, a second outside [0, VR_RF_STAGE_SECONDS_MAX]
 * (NaN included), a negative count, threads outside [1, VR_RF_STAGE_THREADS_MAX]. (The bounds keep
 * every figure the report derives from them finite.) */
#define VR_RF_STAGE_SECONDS_MAX 1e9      /* about 32 years */
#define VR_RF_STAGE_THREADS_MAX (1 << 20)
struct vr_h5_reader;
struct vr_eval_stages;
vr_status vr_rf_read_stages(struct vr_h5_reader *r, const char *g, struct vr_eval_stages *out,
                            int *present, vr_err *err);

/* ---- ranking ----------------------------------------------------------------------------------- */

/* The ranking every output uses (console table, report tables, CSV rank column): order[0..n) gets
 * 0..n-1 sorted by key ascending, key[i] being policy i's ES99 (for a one-path replay its loss,
 * -P&L: vr_pol_summary_rank_key, and the report's loader alike): smallest tail loss first; equal
 * keys keep their order, NaN ranks after every number. */
void vr_rank_by_es99(const double *key, size_t n, size_t *order);

/* The tail warning: an ES99 estimate rests on the paths beyond VaR99, about n/100 of them; below
 * VR_TAIL_MIN_BEYOND such paths the estimate is flagged in the console table and the report. */
#define VR_TAIL_MIN_BEYOND 100
/* A mean difference on fewer paths than this is stated but not judged: its standard error, from
 * a handful of paths, says nothing (2 paths gave "dmean -5889 +- 2468 (significant)") */
#define VR_MEAN_MIN_PATHS 30
/* Paths beyond VaR99 for an n-path scenario: floor(0.01 n). */
size_t vr_tail_paths(size_t n);

#endif
