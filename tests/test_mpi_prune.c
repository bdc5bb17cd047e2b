/* test_mpi_prune.c: the collective prune and merge of streaming-score accumulators as a run does
 * them (vr_mpi_prune_tailstats once every path is in, then vr_mpi_reduce_tailstats to rank 0),
 * under mpirun (ctest runs it with -np 2 and -np 3).
 *
 * The combined low cut is one (value, path) entry held by exactly one rank. When that rank is not
 * the root and the entry is among the k lowest of the whole sample, it must survive the merge:
 * a run of 997 paths lost it on 2 ranks about one seed in fifteen, and VaR95's standard error
 * (which reads that order statistic) came out several times too large. For 200 seeds of integer
 * P&L (ties across paths) on 997 paths in blocks of 64, rank 0's merged scores, paired scores and
 * drawdown quantiles must equal those of one accumulator fed every path, bit for bit. Not a
 * cmocka program: rank 0 reports, the exit status is nonzero on any difference. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "vixrisk/vr_mpi.h"
#include "vixrisk/vr_stats.h"
#include "vixrisk/vr_tailstats.h"

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* one path's P&L, baseline P&L and drawdown: a function of (seed, path) alone */
static void fake_path(uint64_t seed, uint64_t p, double *pnl, double *base, double *dd)
{
    *pnl = (double)(int64_t)(mix(seed * 1000003ull + p) % 200001) - 100000.0;
    *base = (double)(int64_t)(mix(seed * 7 + p * 13) % 2001) - 1000.0;
    *dd = fabs(*pnl);
}

int main(int argc, char **argv)
{
    int rank = 0, size = 1, failures = 0, tried = 0;
    vr_err err = {VR_OK, ""};
    if (vr_mpi_init(&argc, &argv, &rank, &size, &err) != VR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const size_t n = 997, block = 64;
    const double thr[4] = {10000, 25000, 50000, 100000};
    double *pnl = malloc(n * sizeof *pnl), *base = malloc(n * sizeof *base), *dd = malloc(n * sizeof *dd);
    if (!pnl || !base || !dd) {
        fprintf(stderr, "rank %d: out of memory\n", rank);
        vr_mpi_abort(NULL);
    }
    size_t p0, p1;
    vr_mpi_paths(n, block, rank, size, &p0, &p1);
    for (uint64_t seed = 1; seed <= 200; seed++) {
        for (size_t i = 0; i < n; i++)
            fake_path(seed, i, &pnl[i], &base[i], &dd[i]);
        /* the policy and the baseline, each this rank's share, as stream.c feeds them */
        vr_tailstats *part[2] = {NULL, NULL};
        vr_status st = VR_OK;
        for (int k = 0; k < 2 && st == VR_OK; k++) {
            st = vr_tailstats_create(n, thr, 1, &part[k], &err);
            if (st == VR_OK && p1 > p0)
                st = vr_tailstats_add(part[k], p0, p1 - p0, (k ? base : pnl) + p0, base + p0, dd + p0, &err);
        }
        if (st == VR_OK)
            st = vr_mpi_prune_tailstats(part, 2, &err);
        if (st == VR_OK)
            st = vr_mpi_reduce_tailstats(part, 2, 0, &err);
        if (st != VR_OK)
            vr_mpi_abort(&err);
        if (rank == 0) {
            vr_tailstats *one[2] = {NULL, NULL};
            vr_scores a, b;
            vr_paired pa, pb;
            double da[3], db[3];
            memset(&a, 0, sizeof a), memset(&b, 0, sizeof b), memset(&pa, 0, sizeof pa), memset(&pb, 0, sizeof pb);
            for (int k = 0; k < 2 && st == VR_OK; k++)
                if ((st = vr_tailstats_create(n, thr, 1, &one[k], &err)) == VR_OK)
                    st = vr_tailstats_add(one[k], 0, n, k ? base : pnl, base, dd, &err);
            if (st == VR_OK && (st = vr_tailstats_scores(one[0], &a, &err)) == VR_OK &&
                (st = vr_tailstats_paired(one[0], one[1], &pa, &err)) == VR_OK)
                st = vr_tailstats_drawdown(one[0], da, &err);
            if (st != VR_OK)
                vr_mpi_abort(&err);
            vr_status sb = vr_tailstats_scores(part[0], &b, &err);
            if (sb == VR_OK)
                sb = vr_tailstats_paired(part[0], part[1], &pb, &err);
            if (sb == VR_OK)
                sb = vr_tailstats_drawdown(part[0], db, &err);
            tried++;
            if (sb != VR_OK) {
                fprintf(stderr, "seed %llu: merged accumulator: %s\n", (unsigned long long)seed, err.msg);
                failures++;
            } else if (memcmp(&a, &b, sizeof a) != 0 || memcmp(&pa, &pb, sizeof pa) != 0 ||
                       memcmp(da, db, sizeof da) != 0) {
                fprintf(stderr, "seed %llu: %d ranks differ from one accumulator: VaR95 SE %.17g, "
                                "one accumulator %.17g\n",
                        (unsigned long long)seed, size, b.var_se[0], a.var_se[0]);
                failures++;
            }
            vr_tailstats_destroy(one[0]);
            vr_tailstats_destroy(one[1]);
        }
        vr_tailstats_destroy(part[0]);
        vr_tailstats_destroy(part[1]);
    }
    int all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("test_mpi_prune: %d ranks, %d seeds of %zu paths: %d differ\n", size, tried, n, all);
    free(pnl);
    free(base);
    free(dd);
    vr_mpi_finalize();
    return all != 0;
}
