/* vr_mpi.h: the MPI layer (built only with -DVIXRISK_MPI=ON, which defines VIXRISK_MPI).
 *
 * A run on N ranks splits each scenario's paths into blocks of B paths (the same blocks the
 * OpenMP driver uses) and gives every rank one contiguous range of blocks; blocks are equal work,
 * so a balanced contiguous split (block counts differing by at most one) balances the ranks and
 * keeps each rank's per-path outputs one contiguous slice of the global arrays. Because path p's
 * randomness depends only on (seed, scenario, p), a rank computes exactly the numbers the single
 * process computes for its paths; what remains is moving them without changing a bit:
 *   - per-path arrays are gathered to rank 0 in path order (vr_mpi_gather_paths: byte copies, any
 *     element size, any total size: messages are cut into rounds of at most 1 GiB per rank, and
 *     counts are in blocks so no int overflows below 2^31 blocks);
 *   - streaming scores (vr_tailstats) are merged to a root rank over a binomial tree in fixed rank
 *     order; the accumulators are order-independent, so the result equals the single-process one.
 * Nothing here does floating-point arithmetic.
 *
 * Threads: MPI is initialised with MPI_THREAD_FUNNELED; OpenMP threads run inside each rank and
 * only the thread that called vr_mpi_init calls MPI. Errors: MPI calls return their codes
 * (MPI_ERRORS_RETURN) and become VR_EIO with MPI's message. A rank that fails while the others
 * may be waiting in a collective must call vr_mpi_abort, which prints the message with the rank
 * and takes every rank down (MPI_Abort), so no rank hangs. */
#ifndef VIXRISK_VR_MPI_H
#define VIXRISK_VR_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_status.h"
#include "vixrisk/vr_tailstats.h"

/* Initialise MPI (MPI_THREAD_FUNNELED) once per process; *rank, *size receive this rank and the
 * number of ranks. Errors: VR_EIO if MPI fails or cannot provide FUNNELED. */
vr_status vr_mpi_init(int *argc, char ***argv, int *rank, int *size, vr_err *err);
/* Finalise MPI (after every rank is done with it). */
void vr_mpi_finalize(void);
int vr_mpi_rank(void);
int vr_mpi_size(void);

/* Print "vixrisk: rank R of N: <err->msg>" to stderr and abort every rank with the exit code of
 * err->code (vr_status_exit_code). Never returns. */
void vr_mpi_abort(const vr_err *err) __attribute__((noreturn));

/* The contiguous range of blocks [*first, *first + *count) of rank `rank` among `size` ranks for
 * nblocks blocks: the first nblocks % size ranks take one block more. */
void vr_mpi_blocks(size_t nblocks, int rank, int size, size_t *first, size_t *count);

/* The paths [*p0, *p1) of this rank for n paths in blocks of block_paths (the last block may be
 * shorter). */
void vr_mpi_paths(size_t n, size_t block_paths, int rank, int size, size_t *p0, size_t *p1);

/* Gather per-path elements of elem_bytes each to rank 0 in path order. Every rank passes its own
 * slice `local` (the paths vr_mpi_paths gives it, elem_bytes each, in path order); rank 0 passes
 * `global` with room for n elements (others pass NULL) and receives every rank's slice at its
 * paths' offset, its own copied. Collective: every rank must call it with the same n, block_paths
 * and elem_bytes. Errors: VR_EINVAL (bad arguments, more than INT_MAX blocks), VR_EIO. */
vr_status vr_mpi_gather_paths(const void *local, void *global, size_t elem_bytes, size_t n,
                              size_t block_paths, vr_err *err);

/* Merge the accumulators t[0..count) of every rank into those of rank `root` over a binomial tree
 * (with ranks renumbered v = (rank - root) mod size, v receives from v + 1, v + 2, v + 4, ... in
 * that order). Afterwards root's t[i] covers every rank's paths; the other ranks' accumulators are
 * unchanged. Giving each policy its own root spreads the traffic and the finalisation (an
 * O(k log k) sort per policy) over the ranks. Collective; every rank passes the same count and
 * root, accumulators created alike. Errors: VR_EIO, VR_ENOMEM, VR_EINVAL (bad root, accumulators
 * differ). */
vr_status vr_mpi_reduce_tailstats(vr_tailstats *const *t, int count, int root, vr_err *err);

/* Prune the accumulators t[0..count) of every rank with cuts agreed by all ranks (one allgather
 * of 40 bytes per rank and accumulator), so that each rank keeps about k / size entries per kept
 * set instead of min(k, its paths); the merged scores are unchanged. Call it at the same points on
 * every rank, once each rank has fed a good share of its paths (a set for which some rank holds
 * fewer than k / size entries is not pruned). Collective. Errors: VR_EIO, VR_ENOMEM. */
vr_status vr_mpi_prune_tailstats(vr_tailstats *const *t, int count, vr_err *err);

/* 1 while MPI is initialised and not finalised (a process started by mpirun that called
 * vr_mpi_init), else 0: callers use it to choose between the MPI and the single-process path. */
int vr_mpi_active(void);

/* Agree on the outcome of a step: every rank passes its status and err; afterwards every rank
 * returns the status of the lowest-numbered failing rank and holds its message, prefixed with
 * "rank R: " when R is not this rank (VR_OK everywhere when no rank failed). One allreduce of an
 * int, plus a broadcast of the message on failure. Collective. An MPI failure here ends every
 * rank through vr_mpi_abort (nothing else could be agreed). */
vr_status vr_mpi_agree(vr_status st, vr_err *err);

/* Whether every rank holds rank 0's value h (a digest of what it loaded or chose): VR_OK, else
 * on every rank the lowest-numbered rank whose h differs (*first) and VR_EINVAL, err untouched
 * (the caller says what differs). A broadcast and an allreduce. Collective; an MPI failure ends
 * every rank through vr_mpi_abort. */
vr_status vr_mpi_same(uint64_t h, int *first);
/* The same for n bytes at p (a name), compared by their digest. */
vr_status vr_mpi_same_bytes(const void *p, size_t n, int *first);

/* Collect rows [lo, hi) of every rank's copy of buf (nrows rows of row_bytes each; each rank
 * passes the rows it computed, ranges of different ranks disjoint) into rank 0's buf, in place.
 * For small arrays indexed by path (sample paths): at most INT_MAX bytes in all. Collective.
 * Errors: VR_EINVAL (ranges outside [0, nrows), too large), VR_EIO. */
vr_status vr_mpi_gather_rows(void *buf, size_t row_bytes, size_t nrows, size_t lo, size_t hi,
                             vr_err *err);

/* Gather `bytes` bytes from every rank into rank 0's all[size * bytes], rank r's at r * bytes
 * (others pass all = NULL). Collective. Errors: VR_EINVAL (bytes > INT_MAX), VR_EIO. */
vr_status vr_mpi_gather_bytes(const void *mine, size_t bytes, void *all, vr_err *err);
/* The same into every rank's all[size * bytes] (no NULL). Collective. */
vr_status vr_mpi_allgather_bytes(const void *mine, size_t bytes, void *all, vr_err *err);

/* Largest message one rank sends in one round (bytes); tests lower it to exercise the rounds.
 * Values below 1 KiB are raised to 1 KiB. Returns the previous value. */
size_t vr_mpi_set_round_bytes(size_t bytes);

#endif
