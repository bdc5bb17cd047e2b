/* bench.c: vixrisk-bench, throughput of the kernels and of path generation per ISA and thread
 * count. Each figure is the median of several timed repetitions after a warm-up; the output is a
 * human table on stdout and a JSON record (CPU, compiler, flags, commit) for results/.
 *
 *   vixrisk-bench [--quick] [--json FILE]
 *
 * Kernel figures are ns per element (one lane of one call) on one core, with the block in L1/L2
 * as in the simulation; path-step figures are whole simulations (RNG + model step + driver). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_sim.h"
#include "vk.h"

#define BLK 1024
#define REPS_MAX 15

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_d);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

typedef struct bufs {
    uint64_t *st, *inc;
    double *a, *b, *c, *ls, *v;
} bufs;

static void bufs_init(bufs *B)
{
    B->st = vr_aligned_alloc(BLK * 8);
    B->inc = vr_aligned_alloc(BLK * 8);
    B->a = vr_aligned_alloc(BLK * 8);
    B->b = vr_aligned_alloc(BLK * 8);
    B->c = vr_aligned_alloc(BLK * 8);
    B->ls = vr_aligned_alloc(BLK * 8);
    B->v = vr_aligned_alloc(BLK * 8);
    for (int i = 0; i < BLK; i++) {
        vk_pcg32 r;
        vk_pcg32_stream(&r, 1, 0, (uint64_t)i);
        B->st[i] = r.state;
        B->inc[i] = r.inc;
        B->ls[i] = log(100.0);
        B->v[i] = 0.04;
    }
}

static void bufs_free(bufs *B)
{
    vr_free(B->st); vr_free(B->inc); vr_free(B->a); vr_free(B->b); vr_free(B->c);
    vr_free(B->ls); vr_free(B->v);
}

enum { K_UNIFORM, K_NORMAL2, K_QE, K_EULER, K_VIX, K_COUNT };
static const char *kname[K_COUNT] = {"uniform", "normal2 (2 normals)", "heston_qe step",
                                     "heston_euler step", "vix from state"};

/* ns per element of one kernel call on a block of BLK lanes. */
static double time_kernel(const vk_table *t, int k, bufs *B, const vk_heston_coef *hc, int inner)
{
    double ts[REPS_MAX];
    const int reps = 9;
    for (int r = -1; r < reps; r++) {
        const double t0 = omp_get_wtime();
        for (int j = 0; j < inner; j++) {
            switch (k) {
            case K_UNIFORM: t->uniform(B->st, B->inc, B->a, BLK); break;
            case K_NORMAL2: t->normal2(B->st, B->inc, B->a, B->b, BLK); break;
            case K_QE:
                /* keep v in its stationary range: reset every 256 steps */
                if ((j & 255) == 0)
                    for (int i = 0; i < BLK; i++) B->v[i] = 0.04;
                t->heston_qe(hc, B->a, B->c, B->b, B->ls, B->v, BLK);
                break;
            case K_EULER: t->heston_euler(hc, B->a, B->b, B->ls, B->v, BLK); break;
            case K_VIX: t->vix(0.01, 0.9, B->v, B->c, BLK); break;
            }
        }
        if (r >= 0)
            ts[r] = (omp_get_wtime() - t0) * 1e9 / ((double)inner * BLK);
    }
    return median(ts, reps);
}

/* Path-steps per second of the whole generator (median of reps runs). */
static double time_paths(const vk_table *t, vr_model_type type, vr_scheme scheme, int threads,
                         size_t paths, int reps)
{
    vr_sim_spec s = {
        .type = type, .params = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7,
                                 .lambda = 1.0, .mu_j = -0.05, .sigma_j = 0.08, .mu_v = 0.05,
                                 .mu_s = -0.04, .sigma_s = 0.05, .rho_j = -0.5},
        .spot = 100, .rate = 0.03, .dividend = 0.01, .v0 = 0.04, .horizon = 1.0, .steps = 252,
        .paths = paths, .seed = 7, .scheme = scheme, .block = BLK, .threads = threads, .kt = t,
    };
    double ts[REPS_MAX];
    vr_err err = {VR_OK, ""};
    for (int r = -1; r < reps; r++) {
        const double t0 = omp_get_wtime();
        if (vr_sim_run(&s, NULL, &err) != VR_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            exit(1);
        }
        if (r >= 0)
            ts[r] = (double)paths * 252 / (omp_get_wtime() - t0);
    }
    return median(ts, reps);
}

static void cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                p += 2;
                p[strcspn(p, "\n")] = '\0';
                snprintf(out, cap, "%s", p);
            }
            break;
        }
    fclose(f);
}

int main(int argc, char **argv)
{
    int quick = 0;
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json = argv[++i];
        else {
            fprintf(stderr, "usage: vixrisk-bench [--quick] [--json FILE]\n");
            return 2;
        }
    }
    const char *isas[3];
    const int nisa = vk_available(isas, 3);
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    const int maxth = omp_get_max_threads();
    printf("vixrisk-bench %s (%s), %s, %d threads max, gcc %s\n", VIXRISK_VERSION, VIXRISK_GIT, cpu,
           maxth, __VERSION__);

    FILE *js = json ? fopen(json, "w") : NULL;
    if (json && !js) {
        fprintf(stderr, "bench: cannot write %s\n", json);
        return 1;
    }
    if (js)
        fprintf(js, "{\n  \"cpu\": \"%s\", \"compiler\": \"gcc %s\", \"cflags\": \"%s\", \"commit\": \"%s\",\n"
                    "  \"max_threads\": %d, \"quick\": %d,\n  \"kernels_ns_per_element\": {",
                cpu, __VERSION__, VIXRISK_CFLAGS, VIXRISK_GIT, maxth, quick);

    vk_heston_coef hc;
    const vr_sv_params hp = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7};
    vr_heston_coef_make(VR_MODEL_HESTON, &hp, 0.03, 0.01, 1.0 / 252, &hc);
    const int inner = quick ? 20 : 400;
    printf("\nkernel ns/element (1 core, block %d, median of 9)\n%-22s", BLK, "");
    for (int i = 0; i < nisa; i++)
        printf("%12s", isas[i]);
    printf("\n");
    double kt[K_COUNT][3];
    for (int k = 0; k < K_COUNT; k++) {
        printf("%-22s", kname[k]);
        for (int i = 0; i < nisa; i++) {
            bufs B;
            bufs_init(&B);
            const vk_table *t = vk_select(isas[i]);
            /* inputs for the step kernels: real normals and uniforms */
            t->normal2(B.st, B.inc, B.a, B.b, BLK);
            t->uniform(B.st, B.inc, B.c, BLK);
            kt[k][i] = time_kernel(t, k, &B, &hc, inner);
            printf("%12.3f", kt[k][i]);
            bufs_free(&B);
        }
        printf("\n");
        if (js) {
            fprintf(js, "%s\n    \"%s\": {", k ? "," : "", kname[k]);
            for (int i = 0; i < nisa; i++)
                fprintf(js, "%s\"%s\": %.4f", i ? ", " : "", isas[i], kt[k][i]);
            fprintf(js, "}");
        }
    }
    if (js)
        fprintf(js, "\n  },\n  \"path_steps_per_second\": [");

    const size_t paths = quick ? 8192 : 262144;
    const int reps = quick ? 1 : 5;
    static const struct { vr_model_type t; vr_scheme s; const char *name; } cases[] = {
        {VR_MODEL_HESTON, VR_SCHEME_QE, "heston qe"},
        {VR_MODEL_HESTON, VR_SCHEME_EULER, "heston euler"},
        {VR_MODEL_BATES, VR_SCHEME_QE, "bates qe"},
        {VR_MODEL_SVCJ, VR_SCHEME_QE, "svcj qe"},
    };
    printf("\npath generation, 252 daily steps, %zu paths, RNG included (million path-steps/s)\n", paths);
    printf("%-14s %-8s %8s %14s %14s %10s\n", "model", "isa", "threads", "total", "per core", "speedup");
    int first = 1;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int i = 0; i < nisa; i++) {
            const vk_table *t = vk_select(isas[i]);
            double one = 0;
            for (int th = 1; th <= (maxth < 2 ? maxth : 2); th++) {
                const double r = time_paths(t, cases[c].t, cases[c].s, th, paths, reps);
                if (th == 1)
                    one = r;
                printf("%-14s %-8s %8d %14.1f %14.1f %9.2fx\n", cases[c].name, isas[i], th, r / 1e6,
                       r / 1e6 / th, r / one);
                if (js)
                    fprintf(js, "%s\n    {\"model\": \"%s\", \"isa\": \"%s\", \"threads\": %d, "
                                "\"path_steps_per_s\": %.4g, \"per_core\": %.4g, \"speedup_vs_1\": %.3f}",
                            first ? "" : ",", cases[c].name, isas[i], th, r, r / th, r / one);
                first = 0;
            }
        }
    }
    if (js) {
        fprintf(js, "\n  ]\n}\n");
        fclose(js);
    }
    return 0;
}
