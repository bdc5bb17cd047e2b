/* tables.h: the scenario tables as text cells (tables.c), shared by html.c and md.c. */
#ifndef VIXRISK_REPORT_TABLES_H
#define VIXRISK_REPORT_TABLES_H

#include "report/report_internal.h"

enum { REP_TABLE_TAIL, REP_TABLE_COST };
#define REP_MAXCOL 16

typedef struct rep_head {
    char text[96];
    const char *unit;  /* "USD", "%", ... ("" for the policy column) */
} rep_head;

typedef struct rep_cell {
    const char *key;   /* attribute or derived quantity shown: "es99", "p_loss_1", "net_hedge_cost" */
    char text[112];    /* display text, UTF-8 */
    int sig;           /* paired difference beyond 2 standard errors */
} rep_cell;

/* Column headers of table `which`; returns the column count (<= REP_MAXCOL). */
size_t vr_rep_table_head(const rep_scenario *s, int which, rep_head *h);
/* Cells of policy pi's row; returns the column count. */
size_t vr_rep_table_row(const rep_scenario *s, size_t pi, int which, rep_cell *c);

#endif
