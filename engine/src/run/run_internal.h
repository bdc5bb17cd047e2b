/* run_internal.h: what run.c shares with table.c and verdict.c. */
#ifndef VIXRISK_RUN_INTERNAL_H
#define VIXRISK_RUN_INTERNAL_H

#include <stdio.h>

#include "vixrisk/vr_run.h"
#include "vixrisk/vr_summary.h"

/* The ranking table of scenario sc (ps: one summary per policy of the run) on out. */
void vr_run_print_table(FILE *out, const vr_run_cfg *cfg, int sc, const vr_pol_summary *ps);

/* The stress matrix of a run with two or more scenarios: cells[sc * npol + p] (the caller's array
 * of nscen x npol doubles) takes scenario sc's value of policy p, noted after each scenario; the
 * matrix is printed once at the end (nothing for a one-scenario run). */
void vr_run_matrix_note(double *cells, const vr_run_cfg *cfg, int sc, const vr_pol_summary *ps);
void vr_run_print_matrix(FILE *out, const vr_run_cfg *cfg, const double *cells);

/* The verdict (verdict.c) of a run: ps holds nscen x npol summaries, scenario-major, with their
 * attribution scores. A malloc'd NUL-terminated text, NULL when out of memory. */
char *vr_verdict_text(const vr_run_cfg *cfg, const vr_pol_summary *ps);

#endif
