/* report_internal.h: what the report modules share: the run as read from the HDF5 file (load.c),
 * the output file written under a temporary name (report.c), escaping and number formatting
 * (report.c), the SVG writer (svg.c) and the charts drawn with it (charts.c). */
#ifndef VIXRISK_REPORT_INTERNAL_H
#define VIXRISK_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_report.h"
#include "vixrisk/vr_runfile.h"
#include "vixrisk/vr_summary.h"

/* The scalar scores of a policy group: the run file's score table (vr_runfile.h), same order and
 * names; RS_<ID> indexes rep_policy.score. */
#define REP_ENUM(id, key, units, desc, flags) RS_##id = VR_SCORE_##id,
enum { VR_RF_SCORES(REP_ENUM) RS_N = VR_SCORE_N };
#undef REP_ENUM
extern const char *const vr_rep_score_keys[RS_N];

#define REP_NTHR VR_RF_NTHR       /* loss thresholds per run (simulation.loss_thresholds) */

/* One record of a policy's trade log (vr_rf_trade_fields; strings NUL-terminated; owner "" in a
 * file written before the field). */
typedef struct rep_trade {
    int32_t path, day, expiry_day;
    double strike, quantity, price, cash;
    char date[VR_RF_TRADE_STR], layer[VR_RF_TRADE_STR], owner[VR_RF_TRADE_STR], instrument[VR_RF_TRADE_STR],
        reason[VR_RF_TRADE_STR];
} rep_trade;
#define REP_MAX_TRADES 100000 /* records of one trade log the report reads */

/* A layer of a policy: its scores (VR_RF_LAYER attributes, indexed by VR_RF_LAYER_*; NaN when
 * absent: files written before attribution existed, or an optional score) and the mean of its
 * attribution dataset (NaN without one). */
typedef struct rep_layer {
    char *action;             /* "" when absent */
    double score[VR_RF_LAYER_N];
    double attr_mean;
} rep_layer;

typedef struct rep_policy {
    char *name, *baseline;
    int64_t nlayers;
    char **layers;            /* layer names, in bit order of the activation masks */
    size_t nlayer_names;
    double score[RS_N];
    double thr[REP_NTHR], p_loss[REP_NTHR], p_loss_se[REP_NTHR];
    size_t n;                 /* paths */
    double *pnl;              /* [n] as stored (path order) */
    double *pnl_sorted;       /* [n] ascending */
    double *dd_sorted;        /* [n] max drawdown, ascending */
    double *act;              /* [nsample * ndays] activation bitmasks of the sample paths, or NULL */
    int replay;               /* one path (a replayed history): only the VR_RF_REPLAY scores, the
                               * others NaN */
    double rank_key;          /* what vr_rank_by_es99 ranks: es99, or -P&L for a replay */
    /* optional parts (run files with attribution, ablation and trade logs): absent = NaN/NULL/"" */
    rep_layer *lay;           /* [nlayer_names], same order as layers */
    int has_attr;             /* attribution/condor exists: attr_condor and every lay[].attr_mean */
    double attr_condor;       /* mean of attribution/condor */
    double car, budget_pct;   /* capital_at_risk, hedge_budget_pct */
    char *abl_of, *abl_kind, *abl_layer; /* ablation_of, ablation, ablation_layer ("" if none) */
    rep_trade *trades;        /* trade_log records, or NULL */
    size_t ntrades;
    int has_trades;           /* trade_log exists (it may hold no records) */
} rep_policy;

typedef struct rep_scenario {
    char *name, *model_type;
    double spot, rate, dividend, v0, wall, marks_wall;
    /* the model's parameters as stored (physical_<name>, pricing_<name>), in its table's order;
     * only those present in the file (older files, unknown model types: fewer or none) */
    int nparam;
    const char *pname[VR_MODEL_PARAMS_MAX];
    double phys[VR_MODEL_PARAMS_MAX], pric[VR_MODEL_PARAMS_MAX];
    rep_policy *pol;
    size_t npol;
    size_t base;              /* index of the baseline policy */
    double *spx, *vix;        /* [nsample * ndays] sample paths, or NULL */
    size_t nsample, ndays;
    char *source;             /* model, history or bootstrap */
    size_t paths;             /* the scenario's `paths` attribute (every per-path dataset has it) */
    int64_t days;             /* horizon_days, -1 if absent */
    int replay;               /* paths == 1 */
    size_t tail;              /* paths beyond VaR99 (vr_tail_paths): < VR_TAIL_MIN_BEYOND is flagged */
    int64_t shocks;           /* shocks imposed on every path (0 if absent) */
    char *window_from, *window_to; /* history window ("" for a model scenario) */
    /* where the paths started (NaN, -1 or "" when an older file lacks them): the start's VIX and
     * m0 (svcj2), the market day of start.asof / run --asof and its closes, a replay's days without
     * a VIX3M close and below the model's floor, a bootstrap's path-days below the floor, and the
     * VIX the VIX option tables were extended to (vix_table_cover; NaN: the default tables) */
    double vix0, m0, asof_spx, asof_vix, cover;
    char *asof;
    int64_t vix3m_model_days, vix_floor_days, vix_floor_path_days, vix_top_path_days;
    int64_t lookback_days;    /* lookback: data: closes before day 0 the triggers saw (-1: flat) */
    char *lookback_from;      /* the earliest's date ("" with lookback: flat) */
    double lookback_spx_peak; /* the highest SPX close of those days (NaN: none stored) */
    int has_stages;           /* the run was timed (`run --stages`): stages holds its stages */
    vr_eval_stages stages;
} rep_scenario;

typedef struct rep_run {
    char *path, *schema, *version, *build, *config, *config_file, *isa, *utc_time, *baseline;
    char *verdict;            /* the run's verdict text ("" when the file has none) */
    char *command_line;       /* how the run was started ("" when not recorded) */
    char *overrides;          /* command-line settings that replace the config's ("" if none) */
    int64_t seed, threads, ranks, paths, horizon_days; /* ranks: MPI processes (-1: not recorded) */
    double wall;
    rep_scenario *scen;
    size_t nscen;
} rep_run;

/* load.c: read everything the report shows; vr_rep_run_free accepts a zeroed or partial run. */
vr_status vr_rep_run_load(const char *h5_path, rep_run *run, vr_err *err);
void vr_rep_run_free(rep_run *run);

/* report.c: an output file written through vr_outfile: checked (never the run file `input`, never
 * over anything but a regular file), written to a short temporary and renamed by commit. */
typedef struct rep_file {
    FILE *f;
    vr_outfile o;
} rep_file;
vr_status vr_rep_file_open(rep_file *rf, const char *final_path, const char *input, vr_err *err);
/* The checks of vr_rep_file_open alone (same errors and messages), creating nothing that stays but
 * missing parent directories (vr_outfile_prepare's probe file is removed): a report of several files (Markdown and its charts, CSV and its trade logs)
 * checks every target first, so that a bad one fails before any of them is written or replaced. */
vr_status vr_rep_file_check(const char *final_path, const char *input, vr_err *err);
/* Close the file and make its data durable (vr_outfile_sync) without renaming it: a report of
 * several files closes them all before it commits any, so that a full disk or a write error leaves
 * every old file as it was. On failure the temporary is removed. */
vr_status vr_rep_file_close(rep_file *rf, vr_err *err);
/* Close (if still open) and rename the temporary over the final name; on failure removes the temp. */
vr_status vr_rep_file_commit(rep_file *rf, vr_err *err);
void vr_rep_file_abort(rep_file *rf);                     /* closes and removes the temp (idempotent) */

/* XML/HTML text and attribute escaping (& < > " '), replacing the characters XML forbids (control
 * characters but tab, LF and CR; U+FFFE, U+FFFF) and invalid UTF-8 with U+FFFD. */
void vr_rep_esc(FILE *f, const char *s);

/* Display formats shared by HTML and Markdown (the tests format the same way):
 *   usd   whole dollars with ',' thousands separators, "-" sign ("-12,345"); from REP_USD_EXP
 *         (1e15, below which every whole dollar is a double) exponent notation with 7
 *         significant digits ("-1.797693e+308"), so every finite double prints in at most 20
 *         bytes; "n/a" if not finite
 *   pct   a probability as a percentage with 2 decimals ("1.25%")
 *   num   "%.3f" (ratios); "n/a" if not finite
 * Each writes into buf (cap >= 32) and returns it. */
#define REP_USD_EXP 1e15
char *vr_rep_fmt_usd(char *buf, size_t cap, double x);
char *vr_rep_fmt_pct(char *buf, size_t cap, double p);
char *vr_rep_fmt_num(char *buf, size_t cap, double x);
/* A count read with opt_int (seed, paths, horizon_days, threads, layers: never negative in a run
 * file): "%lld", or "n/a" when the file lacks it (loaded as -1), so the sentinel is never shown. */
char *vr_rep_fmt_int(char *buf, size_t cap, long long v);
/* x printed with printf format fmt (one double conversion), "n/a" when not finite; a value
 * that prints as zero prints without a sign ("-0.000" -> "0.000"). When that does not fit in
 * cap bytes (a "%.3f" of 1e200), the number is printed "%.6e" in the same text instead. */
char *vr_rep_fmt_fixed(char *buf, size_t cap, const char *fmt, double x);
/* Whether scenario s replays recorded history (its source attribute); a one-path scenario that
 * is not (a model run of one path) is shown as one path, as a replay is, but not called one. */
int vr_rep_is_history(const rep_scenario *s);
/* The number of trading days scenario s spans (its own, else the run's horizon) as text for
 * "over %s trading days": "%lld", or "an unrecorded number of" when the file has neither. */
const char *vr_rep_days_text(const rep_run *r, const rep_scenario *s, char *buf, size_t cap);
/* One sentence on where scenario s's paths started (the start's VIX and state, a replay's window
 * and its caveats, a start.asof day, the shocks, an extended VIX table), for each format's
 * scenario section; "" when the file records none of it. */
const char *vr_rep_start_text(const rep_scenario *s, char *buf, size_t cap);
/* The run summary's "Paths per scenario": simulation.paths, and what replays (one path each) ran
 * instead ("1 (every scenario a replay; simulation.paths 500)", "500; replays 1"). */
const char *vr_rep_paths_text(const rep_run *r, char *buf, size_t cap);
/* buf without the sign of a printed zero: "-0", "-0.00", "-0.000%" lose their '-'. */
char *vr_rep_fmt_unsign_zero(char *buf);

/* Policy colours (Okabe-Ito, colour-blind safe) and dash patterns, by policy index. */
const char *vr_rep_color(size_t i);
const char *vr_rep_dash(size_t i);

/* ---- svg.c: a small SVG writer ------------------------------------------------------------- */

typedef struct svg_plot {
    FILE *f;
    double x0, y0, w, h;      /* plot area in px (top-left corner, size) */
    double xlo, xhi, ylo, yhi;
    int ylog;                 /* y axis log10 (ylo, yhi > 0) */
    int xusd, yusd;           /* tick labels in USD shorthand ("-50k") */
    int noxticks;             /* no x ticks or vertical grid (categories on the x axis) */
    int xwhole;               /* x is a count (trading days): ticks on whole numbers only */
} svg_plot;

/* Charts map any finite data to finite pixels: vr_svg_px/py never overflow on a range wider than
 * DBL_MAX (halved values where the difference would), and print within +-1e7 px. A chart pads
 * its ranges with vr_svg_width (hi - lo, or DBL_MAX where that overflows) and keeps the padded
 * ends finite with vr_svg_clamp (to +-DBL_MAX). */
double vr_svg_width(double lo, double hi);
double vr_svg_clamp(double v);
void vr_svg_begin(FILE *f, double w, double h, const char *title);
void vr_svg_end(FILE *f);
double vr_svg_px(const svg_plot *p, double x);
double vr_svg_py(const svg_plot *p, double y);
/* Frame, grid, ticks and tick labels, axis titles (escaped). */
void vr_svg_axes(const svg_plot *p, const char *xlabel, const char *ylabel);
/* Polyline through (x[i], y[i]) in data coordinates, clipped to the plot area by a clipPath. */
void vr_svg_polyline(const svg_plot *p, const double *x, const double *y, size_t n, const char *color,
                  double width, const char *dash);
void vr_svg_text(FILE *f, double x, double y, const char *anchor, double size, const char *weight,
              const char *text);
/* Legend box: one row per entry with a line sample in its colour and dash. */
void vr_svg_legend(FILE *f, double x, double y, const char *const *names, size_t n,
                const char *const *colors, const char *const *dashes);
/* Tick positions: "nice" steps (1, 2, 5 x 10^k) covering [lo, hi]; returns the count (<= cap). */
size_t vr_svg_ticks(double lo, double hi, int target, double *t, size_t cap);

/* ---- charts.c: the report's charts, one SVG element each -------------------------------------- */

void vr_chart_pnl(FILE *f, const rep_scenario *s);      /* P&L histograms + the worst 5% magnified */
void vr_chart_frontier(FILE *f, const rep_scenario *s); /* ES99 vs mean with SE bars */
void vr_chart_drawdown(FILE *f, const rep_scenario *s); /* P(max drawdown >= x), log scale */
int vr_chart_paths(FILE *f, const rep_scenario *s);     /* sample SPX/VIX paths + activations; 0 if none */
struct rep_sweep;
/* A sweep: dES99 and dmean (a replay: P&L and dP&L) against the swept value, +-1 SE. */
void vr_chart_sweep(FILE *f, const rep_scenario *s, const struct rep_sweep *sw);
/* Net P&L by owner (condor, each layer) per policy with attribution; 0 (nothing drawn) if none. */
int vr_chart_layers(FILE *f, const rep_scenario *s);

/* ---- writers ------------------------------------------------------------------------------- */

vr_status vr_rep_write_html(const rep_run *run, const char *out_path, vr_err *err);
vr_status vr_rep_write_md(const rep_run *run, const char *out_path, vr_err *err);
vr_status vr_rep_write_csv(const rep_run *run, const char *out_path, vr_err *err);
vr_status vr_rep_write_json(const rep_run *run, const char *out_path, vr_err *err);

/* Write s (NULL: nothing) as UTF-8 for an output format: a byte that does not start a valid
 * UTF-8 sequence becomes U+FFFD, a multi-byte sequence is copied, and every single-byte
 * character goes through ascii(), which escapes it as the format requires (vr_rep_esc for
 * HTML/SVG, vr_json_str for JSON). */
void vr_rep_utf8_write(FILE *f, const char *s, void (*ascii)(FILE *f, unsigned char c));

/* Policy indices of scenario s ranked by vr_rank_by_es99 (smallest tail loss first, a replay by
 * P&L; ties keep file order). */
void vr_rep_rank(const rep_scenario *s, size_t *order);
/* The same ranking seen from the policies: rank[p] = 1-based place of policy p in that order. */
void vr_rep_rank_of(const rep_scenario *s, size_t *rank);

#endif
