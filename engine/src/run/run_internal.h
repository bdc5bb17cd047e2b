/* run_internal.h: what the files of engine/src/run share: the ranking table and stress matrix
 * (table.c), a summary from finished scores (summary.c), the verdict (verdict.c), the streaming
 * scores of `store_paths: false` (stream.c), the per-path outputs of `store_paths: true` on disk
 * (pathstore.c) and the few collective steps of a run on several MPI
 * ranks (dist.c, single-process without MPI). */
#ifndef VIXRISK_RUN_INTERNAL_H
#define VIXRISK_RUN_INTERNAL_H

#include <math.h>
#include <stdio.h>

#include "vixrisk/vr_run.h"
#include "vixrisk/vr_summary.h"
#include "vixrisk/vr_tailstats.h"

/* x, or +0 where x prints as zero with `decimals` decimals: the console and the verdict print no
 * "-0" (nor "-0.000"), as the reports do not (docs/report.md). */
static inline double vr_z0(double x, int decimals)
{
    double sc = 1.0;
    for (int i = 0; i < decimals; i++)
        sc *= 10.0;
    return nearbyint(x * sc) == 0 ? 0.0 : x;
}


/* The ranking table of scenario sc (ps: one summary per policy of the run) on out. */
void vr_run_print_table(FILE *out, const vr_run_cfg *cfg, int sc, const vr_pol_summary *ps);

/* A sampled policy's summary from its scores, paired differences against the baseline, drawdown
 * quantiles dd[3] (q50, q95, q99), mean hedge flows and mean activations per layer slot. */
void vr_pol_summary_set(vr_pol_summary *ps, size_t n, const vr_scores *s, const vr_paired *d,
                        const double dd[3], double paid_mean, double recv_mean,
                        const double mean_act[VR_MAX_LAYERS]);

/* ---- streaming scores of one scenario (stream.c) ------------------------------------------- */

/* Per policy: a vr_tailstats accumulator fed (pnl, baseline pnl, drawdown) and exact sums of the
 * hedge flows and layer activations; fed block by block from the evaluator's threads. */
typedef struct vr_run_stream vr_run_stream;
/* What a rank sends to rank 0 besides the accumulators, per policy: plain data, merged exactly
 * (here so that tests can size it). */
typedef struct vr_run_pol_sums {
    vr_xsum paid, recv;
    int64_t act[VR_MAX_LAYERS];
} vr_run_pol_sums;

/* For n >= 2 paths, npol policies, baseline index base. Errors: VR_ENOMEM, VR_EINVAL. Under MPI
 * it is local: the ranks must agree on its outcome (vr_dist_agree) before the next collective;
 * vr_run_stream_reduce then allocates nothing of its own. */
vr_status vr_run_stream_create(size_t n, int npol, int base, const double thresholds[4],
                               vr_run_stream **out, vr_err *err);
void vr_run_stream_destroy(vr_run_stream *s);
/* The evaluator's block callback (vr_eval_block_fn; ctx = the stream): thread-safe. */
void vr_run_stream_feed(void *ctx, size_t path0, size_t n, const vr_path_out *out);
/* The first error a feed met (VR_OK if none). */
vr_status vr_run_stream_status(const vr_run_stream *s, vr_err *err);
/* Merge every rank's accumulators into rank 0's (collective; nothing to do on one process). */
vr_status vr_run_stream_reduce(vr_run_stream *s, vr_err *err);
/* Rank 0, after the reduce: policy p's summary. */
vr_status vr_run_stream_summary(vr_run_stream *s, int p, vr_pol_summary *ps, vr_err *err);

/* ---- per-path outputs of a scenario scored from them (pathstore.c) --------------------------
 * Every policy's per-path outputs of one scenario's n paths (`store_paths: true`, or a one-path
 * replay): in memory while they take at most mem_limit bytes (or the directory lacks room for
 * them and a run file), else in an unlinked temporary file in directory dir (the run file's), so
 * that scoring holds one policy at a time. */
typedef struct vr_path_store vr_path_store;

/* The default of vr_run_store_limit, MiB. */
#define VR_PATH_STORE_MB 256
/* Errors: VR_ENOMEM; VR_EIO when dir takes no temporary file (naming dir and the reason). */
/* nslots: how many policies may be read at once (vr_path_store_get). */
vr_status vr_path_store_create(const char *dir, const vr_run_spec *s, size_t n, size_t mem_limit,
                               int nslots, vr_path_store **out, vr_err *err);
/* Whether vr_path_store_create would find room for n paths of s's policies (memory up to
 * mem_limit, else the directory with twice their size free, else the machine's physical memory):
 * VR_OK, or its VR_ENOMEM error. */
vr_status vr_path_store_fits(const char *dir, const vr_run_spec *s, size_t n, size_t mem_limit, vr_err *err);
void vr_path_store_destroy(vr_path_store *ps);
/* The evaluator's block callback (vr_eval_block_fn; ctx = the store): paths [path0, path0 + n) of
 * every policy; thread-safe. A failure is kept for vr_path_store_status; later feeds do nothing. */
void vr_path_store_feed(void *ctx, size_t path0, size_t n, const vr_path_out *out);
/* The first failure of a feed (VR_EIO naming the reason, and the directory on disk), or VR_OK. */
vr_status vr_path_store_status(const vr_path_store *ps, vr_err *err);
/* All n paths of policy p from o (o->nattr must be the policy's 1 + layers). */
vr_status vr_path_store_put(vr_path_store *ps, int p, const vr_path_out *o, vr_err *err);
/* Policy p's n paths: o's arrays point into the store, valid until the next get into the same
 * slot (0 <= slot < nslots; gets into different slots may run on different threads). fields:
 * VR_PS_ALL, or VR_PS_SUMMARY for what vr_pol_summary_compute reads (pnl, drawdown, hedge_cost,
 * hedge_proceeds, activations; the other arrays of o are NULL). */
enum { VR_PS_ALL, VR_PS_SUMMARY };
vr_status vr_path_store_get(vr_path_store *ps, int p, int slot, int fields, vr_path_out *o, vr_err *err);
/* Only policy p's P&L (n doubles) in *pnl, valid until the next call with the same slot (0 or 1;
 * the two slots hold two policies' P&L at once). */
vr_status vr_path_store_get_pnl(vr_path_store *ps, int p, int slot, const double **pnl, vr_err *err);
/* The most attribution columns of any policy (>= 1). */
int vr_path_store_max_nattr(const vr_path_store *ps);
/* 1 when the store is on disk. */
int vr_path_store_on_disk(const vr_path_store *ps);
/* The bytes it holds (every policy's outputs of its n paths). */
size_t vr_path_store_bytes(const vr_path_store *ps);

/* ---- ranks (dist.c): without MPI, or when not started by mpirun, one rank of one ------------
 * The gathers and the reduce end every rank (vr_mpi_abort) when they fail on several ranks. */

int vr_dist_rank(void);
int vr_dist_size(void);
/* This rank's paths [*p0, *p1) of n paths in blocks of block_paths. */
void vr_dist_paths(size_t n, size_t block_paths, size_t *p0, size_t *p1);
/* Every rank gets the lowest failing rank's status and message (vr_mpi_agree); one process: st. */
vr_status vr_dist_agree(vr_status st, vr_err *err);
/* The per-path arrays of every field of VR_PATH_OUT_FIELDS, each rank's paths [p0, p1) (local:
 * element 0 is path p0) into rank 0's global (n paths; others pass NULL). Collective. */
vr_status vr_dist_gather_out(const vr_path_out *local, vr_path_out *global, size_t n,
                             size_t block_paths, vr_err *err);
/* Rows [lo, hi) of every rank's buf into rank 0's (vr_mpi_gather_rows). */
vr_status vr_dist_gather_rows(void *buf, size_t row_bytes, size_t nrows, size_t lo, size_t hi,
                              vr_err *err);
/* bytes from every rank into rank 0's all[size * bytes] (vr_mpi_gather_bytes). */
vr_status vr_dist_gather_bytes(const void *mine, size_t bytes, void *all, vr_err *err);
/* The same into every rank's all[size * bytes] (vr_mpi_allgather_bytes). */
vr_status vr_dist_allgather_bytes(const void *mine, size_t bytes, void *all, vr_err *err);
/* Prune, then merge accumulators t[0..count) into rank 0's (vr_mpi_prune_tailstats,
 * vr_mpi_reduce_tailstats). */
vr_status vr_dist_reduce_tailstats(vr_tailstats *const *t, int count, vr_err *err);

/* The stress matrix of a run with two or more scenarios: cells[sc * npol + p] (the caller's array
 * of nscen x npol doubles) takes scenario sc's value of policy p, noted after each scenario; the
 * matrix is printed once at the end (nothing for a one-scenario run). */
void vr_run_matrix_note(double *cells, const vr_run_cfg *cfg, int sc, const vr_pol_summary *ps);
void vr_run_print_matrix(FILE *out, const vr_run_cfg *cfg, const double *cells);

/* The verdict (verdict.c) of a run: ps holds nscen x npol summaries, scenario-major, with their
 * attribution scores. A malloc'd NUL-terminated text, NULL when out of memory. */
char *vr_verdict_text(const vr_run_cfg *cfg, const vr_pol_summary *ps);

#endif
