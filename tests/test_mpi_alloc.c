/* test_mpi_alloc.c: a step of `vixrisk run` that fails on one MPI rank alone (here: memory) ends
 * every rank with that rank's error, never with the others waiting in a collective step the
 * failing rank skipped. Under mpirun (ctest: -np 2 and -np 3); linked with --wrap=malloc and
 * --wrap=calloc, so that the allocation of one exact size on one rank can be made to fail.
 *
 * Cases, each a whole run of a small config (one Heston scenario, two policies, scores streamed
 * with `store_paths: false`):
 *   - nothing fails: every rank returns VR_OK;
 *   - rank 0's buffer for every rank's hedge-flow sums (vr_run_pol_sums, one per rank) fails:
 *     until this test, that buffer was allocated inside the collective reduce of the scores, and
 *     rank 0 left it while the others waited in its gathers (a hang);
 *   - the last rank's summary table (npol x nscen vr_pol_summary) fails: the run left at once,
 *     while the other ranks went on to the next agreement (a hang).
 * Every failing case must fire its injected failure (or the test fails: the size is wrong) and
 * end with VR_ENOMEM on every rank. A hang is ended by alarm() (SIGALRM) and fails the test. Not a
 * cmocka program: rank 0 reports, the exit status is nonzero on any failure. */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "run/run_internal.h"
#include "vixrisk/vr_mpi.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_summary.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);

/* the armed failure: the next allocation of exactly fail_bytes bytes returns NULL */
static volatile size_t fail_bytes;
static volatile int fired;

void *__wrap_malloc(size_t n)
{
    if (fail_bytes != 0 && n == fail_bytes) {
        fail_bytes = 0;
        fired = 1;
        return NULL;
    }
    return __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    if (fail_bytes != 0 && k * n == fail_bytes) {
        fail_bytes = 0;
        fired = 1;
        return NULL;
    }
    return __real_calloc(k, n);
}

static const char cfg_text[] =
    "simulation: {paths: 200, horizon_days: 10, seed: 5, block: 16, sample_paths: 8,\n"
    "             store_paths: false, baseline: unhedged}\n"
    "scenarios:\n"
    "  - name: heston\n"
    "    model: {type: heston, spot: 5000, v0: 0.02, rate: 0.04, dividend: 0.013,\n"
    "            physical: {kappa: 3.0, theta: 0.025, sigma: 0.5, rho: -0.75},\n"
    "            pricing: {kappa: 2.4, theta: 0.032, sigma: 0.5, rho: -0.75}}\n"
    "condor: {contracts: 10, dte: 45, short_delta: 0.16, wing_width: 50}\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: layered\n"
    "    layers:\n"
    "      - name: spike\n"
    "        trigger: {vix_level: 15}\n"
    "        action: {delta: 0.3, dte: 30, size: {by: pct_of_credit, value: 0.2}}\n";

int main(int argc, char **argv)
{
    int rank = 0, size = 1, failures = 0;
    vr_err err = {VR_OK, ""};
    if (vr_mpi_init(&argc, &argv, &rank, &size, &err) != VR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    alarm(120); /* a rank left waiting in a collective fails the test instead of hanging it */
    char dir[] = "/tmp/vr_mpi_alloc_XXXXXX", cfg_path[64], out_path[64];
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        vr_mpi_abort(NULL);
    }
    snprintf(cfg_path, sizeof cfg_path, "%s/alloc.yaml", dir);
    snprintf(out_path, sizeof out_path, "%s/alloc.h5", dir);
    FILE *f = fopen(cfg_path, "w");
    if (f == NULL || fputs(cfg_text, f) == EOF || fclose(f) != 0) {
        perror(cfg_path);
        vr_mpi_abort(NULL);
    }
    vr_run_cfg cfg;
    if (vr_run_load(cfg_path, &cfg, &err) != VR_OK) {
        fprintf(stderr, "rank %d: %s\n", rank, err.msg);
        vr_mpi_abort(&err);
    }
    const struct {
        const char *what;
        int victim; /* -1: nothing fails */
        size_t bytes;
    } cases[] = {
        {"no failure", -1, 0},
        {"rank 0: every rank's hedge-flow sums", 0, (size_t)size * sizeof(vr_run_pol_sums)},
        {"last rank: the summary table", size - 1,
         (size_t)cfg.spec.npol * (size_t)cfg.spec.nscen * sizeof(vr_pol_summary)},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        vr_run_opts ro = {out_path, 1, NULL, NULL};
        err = (vr_err){VR_OK, ""};
        fired = 0;
        fail_bytes = rank == cases[c].victim ? cases[c].bytes : 0;
        const vr_status st = vr_run_execute(&cfg, &ro, &err);
        fail_bytes = 0;
        /* not an Allreduce of one int, which a rank still inside the run's agreement could match */
        int mine[2] = {(int)st, fired}, all[2 * 64];
        if (size > 64)
            vr_mpi_abort(NULL);
        MPI_Allgather(mine, 2, MPI_INT, all, 2, MPI_INT, MPI_COMM_WORLD);
        if (rank == 0) {
            const vr_status want = cases[c].victim < 0 ? VR_OK : VR_ENOMEM;
            int bad = 0;
            for (int r = 0; r < size; r++) {
                if (all[2 * r] != (int)want) {
                    fprintf(stderr, "%s: rank %d returned status %d, want %d\n", cases[c].what, r,
                            all[2 * r], (int)want);
                    bad = 1;
                }
                if (r == cases[c].victim && !all[2 * r + 1]) {
                    fprintf(stderr, "%s: the injected failure (%zu bytes) never fired\n",
                            cases[c].what, cases[c].bytes);
                    bad = 1;
                }
            }
            if (!bad && want != VR_OK && strstr(err.msg, "memory") == NULL &&
                strstr(err.msg, "buffers") == NULL && strstr(err.msg, "scores") == NULL) {
                fprintf(stderr, "%s: unexpected message: %s\n", cases[c].what, err.msg);
                bad = 1;
            }
            printf("test_mpi_alloc: %d ranks, %s: %s%s%s\n", size, cases[c].what,
                   bad ? "FAILED" : "ok", want != VR_OK ? ": " : "", want != VR_OK ? err.msg : "");
            failures += bad;
        }
    }
    vr_run_cfg_free(&cfg);
    unlink(cfg_path);
    unlink(out_path);
    rmdir(dir);
    MPI_Bcast(&failures, 1, MPI_INT, 0, MPI_COMM_WORLD);
    vr_mpi_finalize();
    return failures != 0;
}
