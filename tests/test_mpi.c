/* test_mpi.c: the MPI layer (vr_mpi.h) under mpirun (ctest runs it with -np 2 and -np 3).
 *
 * Fake per-path results are a function of (seed, path) alone, like the engine's: a condor-like
 * P&L with ties, a baseline, a drawdown with exact zeros, an int32 and a 4 x int32 record per path.
 * Each rank computes its block range (OpenMP threads over blocks inside the rank), then
 *   - the gathered arrays on rank 0 equal the single-process arrays byte for byte, for doubles,
 *     int32 and 16-byte records, with the default rounds and with 1 KiB rounds (many rounds);
 *   - the streaming scores, pruned collectively halfway and merged across threads and ranks (to
 *     rank 0, and through 1 KiB rounds to the last rank), equal those of one accumulator fed every
 *     path in order, bit for bit (scores, paired, drawdown quantiles), and pruning shrinks them;
 *   - the partition gives every block to exactly one rank, contiguous, balanced to one block;
 * for sizes with a partial last block, without one, and with fewer blocks than ranks.
 * With --abort, rank 1 fails while the others wait in a barrier: every rank must end (the ctest
 * checks the message; a hang is a timeout); with --abort DIR it holds an output's temporary in a
 * directory made for it, which the abort removes (test_mpi_abort_cleanup checks DIR is empty). Not a cmocka program: every rank checks, rank 0
 * reports, the exit status is nonzero if any rank saw a difference. */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "vixrisk/vr_mpi.h"
#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_stats.h"
#include "vixrisk/vr_tailstats.h"

static int failures;

#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "rank %d: %s:%d: ", vr_mpi_rank(), __FILE__, __LINE__);              \
            fprintf(stderr, __VA_ARGS__);                                                        \
            fputc('\n', stderr);                                                                 \
            failures++;                                                                          \
        }                                                                                        \
    } while (0)

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double u01(uint64_t seed, uint64_t path, int k)
{
    return ((double)(mix(seed ^ mix(path * 0x9E3779B97F4A7C15ull + (uint64_t)k)) >> 11) + 0.5) *
           0x1.0p-53;
}

typedef struct rec { int32_t a[4]; } rec;

/* the results of one path: depend on (seed, path) only */
static void fake_path(uint64_t seed, uint64_t p, double *pnl, double *base, double *dd,
                      int32_t *trades, rec *acts)
{
    const double u = u01(seed, p, 0), v = u01(seed, p, 1);
    const double b = u < 0.6 ? 150.0 : u < 0.72 ? -350.0 : -350.0 + 500.0 * v;
    *base = b;
    *pnl = b - 12.0 + (b < -300.0 ? 0.4 * (-300.0 - b) : 0.0) + (v - 0.5);
    *dd = u < 0.3 ? 0.0 : 1000.0 * v * v;
    *trades = (int32_t)(mix(seed + p) % 7);
    for (int l = 0; l < 4; l++)
        acts->a[l] = (int32_t)((mix(seed * 31 + p * 4 + (uint64_t)l) >> 40) % 3);
}

typedef struct arrays { double *pnl, *base, *dd; int32_t *trades; rec *acts; } arrays;

static arrays alloc_arrays(size_t n)
{
    const size_t m = n ? n : 1;
    arrays a = {malloc(m * sizeof(double)), malloc(m * sizeof(double)), malloc(m * sizeof(double)),
                malloc(m * sizeof(int32_t)), malloc(m * sizeof(rec))};
    if (!a.pnl || !a.base || !a.dd || !a.trades || !a.acts) {
        vr_err e = {VR_ENOMEM, "test_mpi: out of memory"};
        vr_mpi_abort(&e);
    }
    return a;
}
static void free_arrays(arrays *a)
{
    free(a->pnl);
    free(a->base);
    free(a->dd);
    free(a->trades);
    free(a->acts);
}

static const double THR[4] = {0.0, 100.0, 300.0, 1000.0};

typedef struct scores { vr_scores s; vr_paired p; double dq[3]; } scores;

static void finish(vr_tailstats *t, vr_tailstats *b, scores *out)
{
    vr_err err = {0};
    memset(out, 0, sizeof *out);
    if (vr_tailstats_scores(t, &out->s, &err) || vr_tailstats_paired(t, b, &out->p, &err) ||
        vr_tailstats_drawdown(t, out->dq, &err))
        vr_mpi_abort(&err);
}

/* one case: n paths in blocks of bp */
static void run_case(uint64_t seed, size_t n, size_t bp)
{
    const int me = vr_mpi_rank(), size = vr_mpi_size();
    vr_err err = {0};
    const size_t nblocks = (n + bp - 1) / bp;

    /* the partition: each block once, contiguous, balanced */
    size_t next = 0, cmin = SIZE_MAX, cmax = 0;
    for (int r = 0; r < size; r++) {
        size_t f, c;
        vr_mpi_blocks(nblocks, r, size, &f, &c);
        CHECK(f == next, "n %zu: rank %d starts at block %zu, expected %zu", n, r, f, next);
        next = f + c;
        if (c < cmin) cmin = c;
        if (c > cmax) cmax = c;
    }
    CHECK(next == nblocks && cmax - cmin <= 1, "n %zu: blocks %zu of %zu, counts %zu..%zu", n, next,
          nblocks, cmin, cmax);

    /* this rank's paths, OpenMP over its blocks */
    size_t p0, p1;
    vr_mpi_paths(n, bp, me, size, &p0, &p1);
    const size_t nl = p1 - p0;
    arrays loc = alloc_arrays(nl);
    const long nbl = (long)((nl + bp - 1) / bp);
#pragma omp parallel for schedule(dynamic, 1)
    for (long b = 0; b < nbl; b++)
        for (size_t i = (size_t)b * bp; i < nl && i < ((size_t)b + 1) * bp; i++)
            fake_path(seed, p0 + i, &loc.pnl[i], &loc.base[i], &loc.dd[i], &loc.trades[i], &loc.acts[i]);

    /* the single-process arrays (every rank: any may be the root of a reduction) */
    arrays all = alloc_arrays(n);
    for (size_t p = 0; p < n; p++)
        fake_path(seed, p, &all.pnl[p], &all.base[p], &all.dd[p], &all.trades[p], &all.acts[p]);

    /* gathers, with the default rounds and with 1 KiB rounds */
    for (int pass = 0; pass < 2; pass++) {
        const size_t old = pass ? vr_mpi_set_round_bytes(1024) : 0;
        arrays g = {0};
        if (me == 0)
            g = alloc_arrays(n);
        if (vr_mpi_gather_paths(loc.pnl, g.pnl, sizeof(double), n, bp, &err) ||
            vr_mpi_gather_paths(loc.trades, g.trades, sizeof(int32_t), n, bp, &err) ||
            vr_mpi_gather_paths(loc.acts, g.acts, sizeof(rec), n, bp, &err))
            vr_mpi_abort(&err);
        if (me == 0) {
            CHECK(memcmp(g.pnl, all.pnl, n * sizeof(double)) == 0, "n %zu pass %d: pnl differs", n, pass);
            CHECK(memcmp(g.trades, all.trades, n * sizeof(int32_t)) == 0, "n %zu: trades differ", n);
            CHECK(memcmp(g.acts, all.acts, n * sizeof(rec)) == 0, "n %zu: records differ", n);
            free_arrays(&g);
        }
        if (pass)
            vr_mpi_set_round_bytes(old);
    }

    /* streaming scores: a pair of accumulators per thread, merged in thread order, then ranks */
    if (n >= 2) {
        const int nt = omp_get_max_threads();
        vr_tailstats **tp = calloc((size_t)nt, sizeof *tp), **tb = calloc((size_t)nt, sizeof *tb);
        for (int k = 0; k < nt; k++)
            if (vr_tailstats_create(n, THR, 1, &tp[k], &err) ||
                vr_tailstats_create(n, THR, 1, &tb[k], &err))
                vr_mpi_abort(&err);
        int bad = 0;
        /* the first half of this rank's blocks, a collective prune of the threads' merged
         * accumulators, then the second half (so pruned and unpruned parts are merged too) */
        const long half = nbl / 2;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : bad)
        for (long b = 0; b < half; b++) {
            const int k = omp_get_thread_num();
            const size_t i = (size_t)b * bp, m = nl - i < bp ? nl - i : bp;
            vr_err e = {0};
            bad += vr_tailstats_add(tp[k], p0 + i, m, loc.pnl + i, loc.base + i, loc.dd + i, &e) != VR_OK;
            bad += vr_tailstats_add(tb[k], p0 + i, m, loc.base + i, loc.base + i, NULL, &e) != VR_OK;
        }
        for (int k = 1; k < nt; k++) {
            if (vr_tailstats_merge(tp[0], tp[k], &err) || vr_tailstats_merge(tb[0], tb[k], &err))
                vr_mpi_abort(&err);
            vr_tailstats_reset(tp[k]);
            vr_tailstats_reset(tb[k]);
        }
        const size_t before = vr_tailstats_packed_size(tp[0]);
        vr_tailstats *both[2] = {tp[0], tb[0]};
        if (vr_mpi_prune_tailstats(both, 2, &err))
            vr_mpi_abort(&err);
        const size_t after = vr_tailstats_packed_size(tp[0]);
        if (n == 10007 && size > 1) /* each rank holds >= k / size of every set here: it shrinks */
            CHECK(after < before, "n %zu: pruning kept %zu of %zu bytes", n, after, before);
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : bad)
        for (long b = half; b < nbl; b++) {
            const int k = omp_get_thread_num();
            const size_t i = (size_t)b * bp, m = nl - i < bp ? nl - i : bp;
            vr_err e = {0};
            bad += vr_tailstats_add(tp[k], p0 + i, m, loc.pnl + i, loc.base + i, loc.dd + i, &e) != VR_OK;
            bad += vr_tailstats_add(tb[k], p0 + i, m, loc.base + i, loc.base + i, NULL, &e) != VR_OK;
        }
        CHECK(bad == 0, "n %zu: feeding failed", n);
        for (int k = 1; k < nt; k++)
            if (vr_tailstats_merge(tp[0], tp[k], &err) || vr_tailstats_merge(tb[0], tb[k], &err))
                vr_mpi_abort(&err);
        for (int pass = 0; pass < 2; pass++) {
            /* pass 1 reduces copies through 1 KiB rounds: rebuild them from the thread parts */
            vr_tailstats *pair[2] = {NULL, NULL};
            if (vr_tailstats_create(n, THR, 1, &pair[0], &err) ||
                vr_tailstats_create(n, THR, 1, &pair[1], &err) ||
                vr_tailstats_merge(pair[0], tp[0], &err) || vr_tailstats_merge(pair[1], tb[0], &err))
                vr_mpi_abort(&err);
            const size_t old = pass ? vr_mpi_set_round_bytes(1024) : 0;
            /* pass 0 reduces to rank 0, pass 1 to the last rank */
            const int root = pass ? size - 1 : 0;
            if (vr_mpi_reduce_tailstats(pair, 2, root, &err))
                vr_mpi_abort(&err);
            if (pass)
                vr_mpi_set_round_bytes(old);
            if (me == root) {
                vr_tailstats *sp = NULL, *sb = NULL;
                if (vr_tailstats_create(n, THR, 1, &sp, &err) || vr_tailstats_create(n, THR, 1, &sb, &err) ||
                    vr_tailstats_add(sp, 0, n, all.pnl, all.base, all.dd, &err) ||
                    vr_tailstats_add(sb, 0, n, all.base, all.base, NULL, &err))
                    vr_mpi_abort(&err);
                scores got, want;
                finish(pair[0], pair[1], &got);
                finish(sp, sb, &want);
                CHECK(memcmp(&got, &want, sizeof got) == 0,
                      "n %zu pass %d: merged scores differ (mean %.17g vs %.17g, es99 %.17g vs %.17g)",
                      n, pass, got.s.mean, want.s.mean, got.s.es[1], want.s.es[1]);
                /* and the order statistics equal the in-memory scores of the gathered array */
                vr_scores mem;
                if (vr_scores_compute(all.pnl, n, THR, &mem, &err))
                    vr_mpi_abort(&err);
                CHECK(memcmp(got.s.es, mem.es, sizeof mem.es) == 0 &&
                          memcmp(got.s.var, mem.var, sizeof mem.var) == 0,
                      "n %zu: ES/VaR differ from vr_scores_compute", n);
                vr_tailstats_destroy(sp);
                vr_tailstats_destroy(sb);
            }
            vr_tailstats_destroy(pair[0]);
            vr_tailstats_destroy(pair[1]);
        }
        for (int k = 0; k < nt; k++) {
            vr_tailstats_destroy(tp[k]);
            vr_tailstats_destroy(tb[k]);
        }
        free(tp);
        free(tb);
    }
    free_arrays(&loc);
    free_arrays(&all);
}

int main(int argc, char **argv)
{
    int me = 0, size = 1;
    vr_err err = {0};
    if (vr_mpi_init(&argc, &argv, &me, &size, &err) != VR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "--abort") == 0) {
        if (me == 1) {
            /* --abort DIR: the failing rank holds an output's temporary in DIR/sub/ (made for
             * it), which the abort must remove with the directory (the ctest checks) */
            vr_outfile o;
            char path[600];
            if (argc > 2) {
                snprintf(path, sizeof path, "%s/sub/r1.h5", argv[2]);
                if (vr_outfile_prepare(&o, path, NULL, NULL, 0, &err) != VR_OK ||
                    vr_outfile_begin(&o, &err) != VR_OK)
                    vr_mpi_abort(&err);
            }
            vr_fail(&err, VR_EIO, "injected failure");
            vr_mpi_abort(&err);
        }
        MPI_Barrier(MPI_COMM_WORLD); /* rank 1 never arrives */
        vr_mpi_finalize();
        return 0;
    }
    run_case(11, 10007, 64); /* a partial last block */
    run_case(12, 4096, 64);  /* whole blocks only */
    run_case(13, 5, 4);      /* fewer blocks than ranks at -np 3 */
    run_case(14, 3001, 1);   /* one path per block */
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (me == 0)
        printf("test_mpi: %d ranks x %d threads: %s (%d failures)\n", size, omp_get_max_threads(),
               total ? "FAILED" : "ok", total);
    vr_mpi_finalize();
    return total ? 1 : 0;
}
