/* vr_condor.c: vixrisk's side of the numpy peer's "condor" mode (bench/peers/np_heston.py).
 *
 * Heston QE paths from the engine's block driver (vr_sim_run, the same code `vixrisk price` and
 * `vixrisk run` use) and, at every step, a Black-Scholes mark of the 4-leg iron condor (long 85
 * put, short 90 put, short 110 call, long 115 call, expiring at the horizon) on every path, with
 * the path's instantaneous vol sqrt(v) as the Black vol: the numpy peer's workload exactly. The
 * marks go through the dispatched Black kernel (vk_table.black) on the four legs of a block laid
 * out side by side (4 x npad lanes, structure of arrays), as the engine's book does.
 *
 *   vr_condor [--paths N] [--reps R] [--isa I] [--gen-only] [--fast-log] [--single]
 *
 * One thread. Prints one JSON object: the median over R runs of path-steps/s and option marks/s,
 * and the mean condor mark at expiry (a cross-check with the numpy peer's). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vk.h"
#include "vixrisk/vk_bs.h"

#define BLOCK 1024
#define LEGS 4
#define REPS_MAX 15

static const double leg_k[LEGS] = {85.0, 90.0, 110.0, 115.0};
static const double leg_cp[LEGS] = {-1.0, -1.0, +1.0, +1.0};
static const double leg_w[LEGS] = {+1.0, -1.0, -1.0, +1.0};

typedef struct condor_ctx {
    const vk_table *kt;
    double rate, dividend, horizon, dt;
    size_t steps;
    double *fwd, *k, *vol, *tau, *df, *cp, *price, *delta; /* LEGS * BLOCK lanes each */
    size_t np_layout;      /* npad the strike/flag layout was built for */
    double final_sum;
} condor_ctx;

static void on_step(void *vctx, const vr_sim_block *b, size_t step)
{
    condor_ctx *c = vctx;
    if (step == 0)
        return;
    const size_t np = b->npad;
    const double tau = fmax(c->horizon - (double)step * c->dt, 0.0);
    if (np != c->np_layout) { /* legs side by side: lanes [l np, (l + 1) np) are leg l */
        for (int l = 0; l < LEGS; l++)
            for (size_t i = 0; i < np; i++) {
                c->k[l * np + i] = leg_k[l];
                c->cp[l * np + i] = leg_cp[l];
            }
        c->np_layout = np;
    }
    const double g = exp((c->rate - c->dividend) * tau), df = exp(-c->rate * tau);
    for (size_t i = 0; i < np; i++) {
        const double f = exp(b->log_s[i]) * g;
        const double v = sqrt(b->var[i] > 0 ? b->var[i] : 0.0);
        for (int l = 0; l < LEGS; l++) {
            c->fwd[l * np + i] = f;
            c->vol[l * np + i] = v;
        }
    }
    for (size_t i = 0; i < LEGS * np; i++) {
        c->tau[i] = tau;
        c->df[i] = df;
    }
    c->kt->black(c->fwd, c->k, c->vol, c->tau, c->df, c->cp, c->price, c->delta, LEGS * np);
    if (step == c->steps)
        for (size_t i = 0; i < b->n; i++)
            for (int l = 0; l < LEGS; l++)
                c->final_sum += leg_w[l] * c->price[l * np + i];
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t paths = 100000;
    int reps = 3, gen_only = 0, fast_log = 0, single = 0;
    const char *isa = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--paths") == 0 && i + 1 < argc)
            paths = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--isa") == 0 && i + 1 < argc)
            isa = argv[++i];
        else if (strcmp(argv[i], "--gen-only") == 0)
            gen_only = 1;
        else if (strcmp(argv[i], "--fast-log") == 0) /* simulation.fast_log */
            fast_log = 1;
        else if (strcmp(argv[i], "--single") == 0) /* simulation.precision: single */
            single = 1;
        else {
            fprintf(stderr,
                    "usage: vr_condor [--paths N] [--reps R] [--isa I] [--gen-only] [--fast-log] "
                    "[--single]\n");
            return 2;
        }
    }
    if (paths < 1 || reps < 1 || reps > REPS_MAX) {
        fprintf(stderr, "vr_condor: paths >= 1 and reps in [1, %d]\n", REPS_MAX);
        return 2;
    }
    const vk_table *kt = vk_select(isa);
    if (!kt) {
        fprintf(stderr, "vr_condor: ISA %s not available\n", isa);
        return 1;
    }

    condor_ctx c = {.kt = kt, .rate = 0.03, .dividend = 0.01, .horizon = 1.0, .steps = 252};
    c.dt = c.horizon / (double)c.steps;
    double **arr[] = {&c.fwd, &c.k, &c.vol, &c.tau, &c.df, &c.cp, &c.price, &c.delta};
    int st = 0;
    for (size_t a = 0; a < sizeof arr / sizeof arr[0]; a++)
        if (!(*arr[a] = vr_aligned_alloc(LEGS * BLOCK * sizeof(double))))
            st = 1;
    if (st) {
        fprintf(stderr, "vr_condor: out of memory\n");
        goto done;
    }

    const vr_sim_spec spec = {
        .type = VR_MODEL_HESTON, .params = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7},
        .spot = 100, .rate = c.rate, .dividend = c.dividend, .v0 = 0.04, .horizon = c.horizon,
        .steps = c.steps, .paths = paths, .seed = 7, .scheme = VR_SCHEME_QE,
        .fast_log = fast_log, .single = single, .block = BLOCK,
        .threads = 1, .kt = kt,
    };
    const vr_sim_observer obs = {.ctx = &c, .on_step = on_step, .on_block_done = NULL};
    double ts[REPS_MAX], mean_final = 0;
    vr_err err = {VR_OK, ""};
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        c.final_sum = 0;
        const double t0 = omp_get_wtime();
        if (vr_sim_run(&spec, gen_only ? NULL : &obs, &err) != VR_OK) {
            fprintf(stderr, "vr_condor: %s\n", err.msg);
            st = 1;
            goto done;
        }
        if (r >= 0)
            ts[r] = omp_get_wtime() - t0;
        if (r == 0)
            mean_final = c.final_sum / (double)paths;
    }
    qsort(ts, (size_t)reps, sizeof ts[0], cmp_d);
    const double med = reps % 2 ? ts[reps / 2] : 0.5 * (ts[reps / 2 - 1] + ts[reps / 2]);
    const double ps = (double)paths * (double)c.steps;
    printf("{\"program\": \"vr_condor\", \"isa\": \"%s\", \"threads\": 1, \"paths\": %zu, \"steps\": %zu, "
           "\"block\": %d, \"mode\": \"%s\", \"fast_log\": %s, \"precision\": \"%s\", \"reps\": %d, "
           "\"seconds\": %.6g, \"path_steps_per_s\": %.6g",
           kt->isa, paths, c.steps, BLOCK, gen_only ? "gen" : "condor", fast_log ? "true" : "false",
           single ? "single" : "double", reps, med, ps / med);
    if (!gen_only)
        printf(", \"option_marks_per_s\": %.6g, \"mean_final_condor_mark\": %.8g",
               LEGS * ps / med, mean_final);
    printf("}\n");
done:
    for (size_t a = 0; a < sizeof arr / sizeof arr[0]; a++)
        vr_free(*arr[a]);
    return st;
}
