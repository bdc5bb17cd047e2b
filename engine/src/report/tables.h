/* tables.h: the scenario tables as text cells (tables.c), shared by html.c and md.c. */
#ifndef VIXRISK_REPORT_TABLES_H
#define VIXRISK_REPORT_TABLES_H

#include "report/report_internal.h"

enum { REP_TABLE_TAIL, REP_TABLE_COST, REP_TABLE_REPLAY };
#define REP_MAXCOL 16

typedef struct rep_head {
    char text[96];
    const char *unit;  /* "USD", "%", ... ("" for the policy column) */
} rep_head;

typedef struct rep_cell {
    const char *key;   /* attribute or derived quantity shown: "es99", "p_loss_1", "net_hedge_cost" */
    char text[112];    /* display text, UTF-8 */
    char sub[64];      /* a second line (the stress matrix's difference to the baseline), or "" */
    int sig;           /* paired difference beyond VR_Z_SIGNIFICANT standard errors (text) */
    int subsig;        /* the same for sub */
    int rough;         /* a tail estimate, or a ΔES99 (a difference of two), resting on fewer than
                        * VR_TAIL_MIN_BEYOND paths beyond VaR99; such a ΔES99 is never sig */
} rep_cell;

/* Column headers of table `which`; returns the column count (<= REP_MAXCOL). */
size_t vr_rep_table_head(const rep_scenario *s, int which, rep_head *h);
/* Cells of policy pi's row; returns the column count. */
size_t vr_rep_table_row(const rep_scenario *s, size_t pi, int which, rep_cell *c);

/* The tail warning of a scenario, or NULL: a sentence saying that ES99 (and ES99.9) rest on fewer
 * than VR_TAIL_MIN_BEYOND paths beyond VaR, and with ES99 each ΔES99 (written into buf). */
const char *vr_rep_tail_warning(const rep_scenario *s, char *buf, size_t cap);


/* ---- extras.c: the run-wide stress matrix, attribution rows, sweeps, trade logs ---------------- */

/* One cell of the stress matrix (policy x scenario). What it shows depends on the scenario:
 *   REP_M_DES99   a sampled scenario without shocks: ES99 minus the baseline's +- paired SE
 *   REP_M_SHOCK   a sampled scenario with shocks on every path: mean P&L +- SE; delta: d_mean +- SE
 *   REP_M_REPLAY  a replayed history (one path): its P&L; delta: minus the baseline's */
enum { REP_M_NONE, REP_M_DES99, REP_M_SHOCK, REP_M_REPLAY };
typedef struct rep_mcell {
    int kind;                 /* REP_M_*; NONE: the policy is not in that scenario */
    double v, se, d, dse;     /* the value shown (+- se) and the difference to the baseline (+- dse) */
    int sig;                  /* |paired difference| > VR_Z_SIGNIFICANT SE (vr_significant), and for
                               * a ΔES99 only when it is not rough */
    int rough;                /* a ΔES99 resting on fewer than VR_TAIL_MIN_BEYOND tail paths */
    int base;                 /* the baseline's own cell */
} rep_mcell;
typedef struct rep_matrix {
    size_t npol, nscen;
    const char *pol[VR_MAX_POLICIES]; /* row names (borrowed from the run): policies of any scenario
                                       * in file order, ablation-derived policies left out */
    rep_mcell *cell;                  /* [npol * nscen], row-major */
} rep_matrix;
/* Build the matrix of run r; a run with one scenario gets one too (callers show it for >= 2). */
vr_status vr_rep_matrix_build(const rep_run *r, rep_matrix *m, vr_err *err);
void vr_rep_matrix_free(rep_matrix *m);
/* Scenario kind of column j (REP_M_*) and its label ("ΔES99 ± SE", "mean P&L ± SE", "P&L"). */
int vr_rep_matrix_kind(const rep_scenario *s);
const char *vr_rep_matrix_label(int kind);
/* The matrix as table cells for HTML and Markdown (JSON and CSV write the numbers of rep_mcell).
 * Head: "Policy", then per scenario its name with the cell's label as unit ("ΔES99 ± SE", ...);
 * returns m->nscen + 1, so h needs that many entries.
 * Row i (policy m->pol[i]): c[0] the policy name, c[1 + j] scenario j: text "-9,874 ± 1,860"
 * (REP_M_DES99, SHOCK), "21,283" (REP_M_REPLAY), "(baseline)" (the baseline's DES99 cell) or "-"
 * (REP_M_NONE), key "d_es99" (DES99) or "mean"; sub the difference to the baseline "Δ 14,694" or
 * "(baseline)" (SHOCK, REPLAY; else ""); sig marks a significant ΔES99 in text, subsig a
 * significant difference in sub, rough a ΔES99 on too few tail paths (then never sig).
 * Returns m->nscen + 1. */
size_t vr_rep_matrix_head(const rep_run *r, const rep_matrix *m, rep_head *h);
size_t vr_rep_matrix_row(const rep_matrix *m, size_t i, rep_cell *c);

/* Attribution table of a scenario: one row per (policy, owner) where owner is the condor (-1) or a
 * layer; policies without attribution or layer scores have no rows. */
typedef struct rep_arow {
    size_t pol;
    int layer;                /* -1: the condor */
} rep_arow;
size_t vr_rep_attr_rows(const rep_scenario *s, rep_arow *rows, size_t cap);
size_t vr_rep_attr_head(rep_head *h);
/* The key to the attribution table's empty cells, printed under it by the Markdown and HTML
 * writers (plain text: no character either format escapes). */
#define REP_ATTR_KEY                                                                               \
    "A condor row's net is followed by its difference to the baseline's condor (\xC2\xB1 its paired "   \
    "standard error), and its nets on the baseline's worst 1% and 5% add up with the layers' to "     \
    "the policy's mean result on those paths. Its other empty cells describe a hedge layer (trades, "\
    "premium, correlation with the condor, ablation) and have no value for the condor. n/a: the "   \
    "layer's ablation was not run (the policy has no ablate: true; ablation variants are not "      \
    "ablated themselves)."
size_t vr_rep_attr_row(const rep_scenario *s, const rep_arow *row, rep_cell *c);

/* Sweeps: policies a `sweep` derived ("<policy>@<key>=<number>"), grouped by policy and key, ordered by value. */
#define REP_MAX_SWEEPS 8
typedef struct rep_sweep { /* struct tag: report_internal.h declares the chart */
    char base[VR_NAME_MAX], key[VR_NAME_MAX];
    char label[VR_NAME_MAX]; /* the key as the config writes it: "layers[0]." for the name's "layers_0_." */
    size_t n;
    size_t pol[VR_MAX_POLICIES];
    double x[VR_MAX_POLICIES];
} rep_sweep;
size_t vr_rep_sweeps(const rep_scenario *s, rep_sweep *out, size_t cap);

/* Trade log table: the columns of vr_rf_trade_fields with display text. HTML and Markdown show the
 * first REP_TRADES_SHOWN records of a log (the CSV and JSON all of them). */
#define REP_TRADES_SHOWN 400
#define REP_STR_(x) #x
#define REP_STR(x) REP_STR_(x)
size_t vr_rep_trade_head(rep_head *h);
size_t vr_rep_trade_row(const rep_trade *t, rep_cell *c);

#endif
