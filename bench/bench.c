/* bench.c: vixrisk-bench, throughput of the kernels and of path generation per ISA and thread
 * count. Kernel and option-mark figures are the median of 9 timed repetitions after a warm-up,
 * scoring the median of 9, path generation the median of 3 (one under --quick) after a warm-up,
 * the SVCJ evaluator the median of 3 (one under --quick), the main job end to end one run (it
 * takes minutes); each section's header and the JSON record say how many. The output is a human
 * table on stdout and a JSON record (CPU, compiler, flags, commit) for results/.
 *
 *   vixrisk-bench [--quick] [--json FILE] [--config FILE]
 *   vixrisk-bench --version   (the version and the commit it was built from, as its records name it)
 *
 * Then the main job end to end: the model and every policy of configs/alvh.yaml (or --config), the
 * ablation variants included (the policies the run counts), 100,000 paths x 252 days on up to 2
 * threads (512 paths under --quick), with the wall time, path-day-policies/s and the wall time of
 * 1M paths x 252 days x 8 policies at that rate. Last, the scoring of one policy's million P&L
 * values (100,000 under --quick): the sort (and its comparison-sort reference) and the scores.
 *
 * Kernel figures are ns per element (one lane of one call) on one core, with the block in L1/L2
 * as in the simulation; path-step figures are whole simulations (RNG + model step + driver).
 *
 * The main job's config and the --json target are checked before anything is timed (exit 2 for
 * a bad config or an unusable target: a symlink, FIFO, device or directory is refused, as is the
 * config itself). The JSON record is built in memory and written at the end through vr_outfile
 * (a temporary beside the target, renamed over it): a failed or interrupted bench leaves an
 * earlier record in place, and a write that fails is an error (exit 1), not a truncated file. */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_surface.h"
#include "vixrisk/vr_vix.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vr_stats.h"
#include "vixrisk/vk.h"
#include "vixrisk/vr_version.h"

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

enum { K_UNIFORM, K_NORMAL2, K_NORMAL2F, K_QE, K_QEF, K_QED, K_QEDF, K_QES, K_EULER, K_VIX, K_COUNT };
static const char *kname[K_COUNT] = {"uniform", "normal2 (2 normals)", "normal2_fast (2)",
                                     "heston_qe step", "heston_qe_fast step",
                                     "heston_qe_draw step+RNG", "heston_qe_draw_fast step+RNG",
                                     "heston_qe_single step+RNG", "heston_euler step",
                                     "vix from state"};

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
            case K_NORMAL2F: t->normal2_fast(B->st, B->inc, B->a, B->b, BLK); break;
            case K_QE:
            case K_QEF:
                /* keep v in its stationary range: reset every 256 steps */
                if ((j & 255) == 0)
                    for (int i = 0; i < BLK; i++) B->v[i] = 0.04;
                (k == K_QE ? t->heston_qe : t->heston_qe_fast)(hc, B->a, B->c, B->b, B->ls, B->v,
                                                               BLK);
                break;
            case K_QED:
            case K_QEDF:
            case K_QES: /* draw their own numbers: compare with normal2 + uniform + step */
                if ((j & 255) == 0)
                    for (int i = 0; i < BLK; i++) B->v[i] = 0.04;
                (k == K_QED ? t->heston_qe_draw : k == K_QEDF ? t->heston_qe_draw_fast
                                                             : t->heston_qe_single)(hc, B->st, B->inc, B->ls, B->v, BLK);
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
static double time_paths(const vk_table *t, vr_model_type type, vr_scheme scheme, int fast_log,
                         int single, int threads, size_t paths, int reps)
{
    vr_sim_spec s = {
        .type = type, .params = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7,
                                 .lambda = 1.0, .mu_j = -0.05, .sigma_j = 0.08, .mu_v = 0.05,
                                 .mu_s = -0.04, .sigma_s = 0.05, .rho_j = -0.5,
                                 /* svcj2: the svcj set above with a stochastic level m and
                                  * intensity 0.5 + 12.5 v (1.0 at v = 0.04, as svcj) */
                                 .s2 = {.kappa_v = 2, .kappa_m = 0.5, .theta = 0.04, .sigma_v = 0.5,
                                        .sigma_m = 0.1, .rho = -0.7, .lambda0 = 0.5,
                                        .lambda1 = 12.5, .mu_v = 0.05, .mu_s = -0.04,
                                        .sigma_s = 0.05, .rho_j = -0.5}},
        .spot = 100, .rate = 0.03, .dividend = 0.01, .v0 = 0.04, .m0 = 0.04, .horizon = 1.0, .steps = 252,
        .paths = paths, .seed = 7, .scheme = scheme, .fast_log = fast_log, .single = single, .block = BLK,
        .threads = threads, .kt = t,
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

/* s as the body of a JSON string (quotes, backslashes and control characters escaped). */
static void json_str(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
}

/* The JSON record (built in memory as the bench runs) into the target prepared at the start:
 * temporary, checked writes, rename. 0 on success, else 1 with the reason on stderr. */
static int json_commit(vr_outfile *o, const char *buf, size_t len)
{
    vr_err err = {VR_OK, ""};
    if (vr_outfile_begin(o, &err) != VR_OK) {
        fprintf(stderr, "vixrisk-bench: %s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(o->tmp, "w");
    int ok = f != NULL && fwrite(buf, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "vixrisk-bench: cannot write %s: %s (nothing was kept)\n", o->final,
                strerror(errno));
        vr_outfile_abort(o);
        return 1;
    }
    if (vr_outfile_commit(o, &err) != VR_OK) {
        fprintf(stderr, "vixrisk-bench: %s\n", err.msg);
        return 1;
    }
    return 0;
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
    const char *main_cfg = VIXRISK_SOURCE_DIR "/configs/alvh.yaml";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json = argv[++i];
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            main_cfg = argv[++i];
        else if (strcmp(argv[i], "--version") == 0) {
            printf("vixrisk-bench %s (%s)\n", VR_VERSION, VR_BUILD); /* the commit it was built from */
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: vixrisk-bench [--quick] [--json FILE] [--config FILE] | --version\n"
                   "  kernels, path generation, option marks and the evaluator, with the main job\n"
                   "  (--config, default configs/alvh.yaml) end to end at 100,000 paths; --quick:\n"
                   "  small sizes, single runs; --json FILE: the figures as JSON\n"
                   "  (results/BENCHMARKS.md)\n");
            return 0;
        } else {
            fprintf(stderr, "usage: vixrisk-bench [--quick] [--json FILE] [--config FILE] | --version\n");
            return 2;
        }
    }
    /* the main job's config and the JSON target, before anything is timed */
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    const vr_run_load_opts lo = {0};
    vr_status lst = vr_run_load_ex(main_cfg, &lo, &cfg, &err);
    if (lst != VR_OK) {
        fprintf(stderr, "vixrisk-bench: %s\n", err.msg);
        return vr_status_exit_code(lst);
    }
    static vr_outfile jout; /* 8 KiB: not on the stack */
    if (json != NULL) {
        const char *inputs[1] = {main_cfg};
        if ((lst = vr_outfile_prepare(&jout, json, NULL, inputs, 1, &err)) != VR_OK) {
            fprintf(stderr, "vixrisk-bench: %s\n", err.msg);
            vr_run_cfg_free(&cfg);
            return vr_status_exit_code(lst);
        }
    }
    /* Every ISA this CPU runs, or only the one VIXRISK_ISA names (the end-to-end run uses it too). */
    const char *isas[3];
    int nisa = vk_available(isas, 3);
    const vk_table *kdef = vk_select(NULL);
    if (kdef == NULL) {
        char why[256];
        fprintf(stderr, "vixrisk-bench: %s\n", vk_select_error(NULL, why, sizeof why));
        return 2;
    }
    const char *isa_env = getenv("VIXRISK_ISA");
    if (isa_env != NULL && isa_env[0] != '\0') {
        isas[0] = kdef->isa;
        nisa = 1;
    }
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    const int maxth = omp_get_max_threads();
    /* a profile-guided build (VIXRISK_PGO=USE, bench/pgo_build.sh) says so: its times are not the
     * default build's */
    const int pgo = strcmp(VIXRISK_PGO_MODE, "OFF") != 0;
    printf("vixrisk-bench %s (%s), %s, %d threads max, gcc %s%s%s\n", VR_VERSION, VR_BUILD, cpu,
           maxth, __VERSION__, pgo ? ", profile-guided build: " : "", pgo ? VIXRISK_PGO_MODE : "");

    char *jbuf = NULL;
    size_t jlen = 0;
    FILE *js = json ? open_memstream(&jbuf, &jlen) : NULL;
    if (json && !js) {
        fprintf(stderr, "vixrisk-bench: the JSON record: %s\n", strerror(errno));
        return 1;
    }
    if (js) {
        fprintf(js, "{\n  \"cpu\": \"");
        json_str(js, cpu);
        fprintf(js, "\", \"compiler\": \"gcc %s\", \"cflags\": \"%s\", \"pgo\": \"%s\", \"commit\": \"%s\",\n"
                    "  \"max_threads\": %d, \"quick\": %d,\n  \"kernels_ns_per_element\": {",
                __VERSION__, VIXRISK_CFLAGS, VIXRISK_PGO_MODE, VR_BUILD, maxth, quick);
    }

    vk_heston_coef hc;
    const vr_sv_params hp = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7};
    vr_heston_coef_make(VR_MODEL_HESTON, &hp, 0.03, 0.01, 1.0 / 252, &hc);
    const int inner = quick ? 20 : 400;
    printf("\nkernel ns/element (1 core, block %d, median of 9)\n%-29s", BLK, "");
    for (int i = 0; i < nisa; i++)
        printf("%12s", isas[i]);
    printf("\n");
    double kt[K_COUNT][3];
    for (int k = 0; k < K_COUNT; k++) {
        printf("%-29s", kname[k]);
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

    const size_t paths = quick ? 8192 : 65536;
    const int reps = quick ? 1 : 3;
    /* "fast": simulation.fast_log (path kernels with SLEEF's 3.5-ulp log); "single":
     * simulation.precision single (the QE step in float) */
    static const struct {
        vr_model_type t;
        vr_scheme s;
        int fast, single;
        const char *name;
    } cases[] = {
        {VR_MODEL_HESTON, VR_SCHEME_QE, 0, 0, "heston qe"},
        {VR_MODEL_HESTON, VR_SCHEME_QE, 1, 0, "heston qe fast"},
        {VR_MODEL_HESTON, VR_SCHEME_QE, 0, 1, "heston qe single"},
        {VR_MODEL_HESTON, VR_SCHEME_EULER, 0, 0, "heston euler"},
        {VR_MODEL_BATES, VR_SCHEME_QE, 0, 0, "bates qe"},
        {VR_MODEL_SVCJ, VR_SCHEME_QE, 0, 0, "svcj qe"},
        {VR_MODEL_SVCJ, VR_SCHEME_QE, 1, 0, "svcj qe fast"},
        {VR_MODEL_SVCJ, VR_SCHEME_QE, 0, 1, "svcj qe single"},
        {VR_MODEL_SVCJ2, VR_SCHEME_QE, 0, 0, "svcj2 qe"},
        {VR_MODEL_SVCJ2, VR_SCHEME_QE, 1, 0, "svcj2 qe fast"},
    };
    printf("\npath generation, 252 daily steps, %zu paths, RNG included (million path-steps/s, %s %d after "
           "a warm-up)\n", paths, reps > 1 ? "median of" : "runs:", reps);
    printf("%-14s %-8s %8s %14s %14s %10s\n", "model", "isa", "threads", "total", "per core", "speedup");
    int first = 1;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int i = 0; i < nisa; i++) {
            const vk_table *t = vk_select(isas[i]);
            double one = 0;
            for (int th = 1; th <= (maxth < 2 ? maxth : 2); th++) {
                const double r =
                    time_paths(t, cases[c].t, cases[c].s, cases[c].fast, cases[c].single, th,
                               paths, reps);
                if (th == 1)
                    one = r;
                printf("%-14s %-8s %8d %14.1f %14.1f %9.2fx\n", cases[c].name, isas[i], th, r / 1e6,
                       r / 1e6 / th, r / one);
                if (js)
                    fprintf(js, "%s\n    {\"model\": \"%s\", \"fast_log\": %s, \"precision\": \"%s\", "
                                "\"isa\": \"%s\", \"threads\": %d, \"path_steps_per_s\": %.4g, "
                                "\"per_core\": %.4g, \"speedup_vs_1\": %.3f, \"runs\": %d}",
                            first ? "" : ",", cases[c].name, cases[c].fast ? "true" : "false",
                            cases[c].single ? "single" : "double", isas[i], th, r, r / th, r / one, reps);
                first = 0;
            }
        }
    }
    if (js)
        fprintf(js, "\n  ],\n");

    /* ---- option marks: surface lookup + Black-76 (price and greeks), per ISA, 1 core ---- */
    const vr_sv_params sp = {.kappa = 3, .theta = 0.02, .sigma = 0.4, .rho = -0.7, .lambda = 1.0,
                             .mu_v = 0.05, .mu_s = -0.04, .sigma_s = 0.04, .rho_j = -0.5};
    vr_surface *surf = NULL;
    vr_vix_table *vtab = NULL;
    vr_surface_spec ss = {0};
    ss.tau_min = 1.0 / 365;
    ss.tau_max = 0.5;
    const double tb0 = omp_get_wtime();
    if (vr_surface_build(VR_MODEL_SVCJ, &sp, &ss, &surf, &err) != VR_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    const double surf_build = omp_get_wtime() - tb0;
    const vr_vix_table_spec vs = {.v_max = 1.0, .tau_min = 1.0 / 365, .tau_max = 0.5, .m_min = 0.5, .m_max = 3.0, .rate = 0.04};
    const double tv0 = omp_get_wtime();
    if (vr_vix_table_build(VR_MODEL_SVCJ, &sp, &vs, &vtab, &err) != VR_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    const double vix_build = omp_get_wtime() - tv0;
    /* a realistic block of condor legs: spots near 5000, strikes 4500-5500, 1-45 days, v 0.005-0.1 */
    const size_t NO = 4096;
    double *F = vr_aligned_alloc(NO * 8), *K = vr_aligned_alloc(NO * 8), *V = vr_aligned_alloc(NO * 8);
    double *T = vr_aligned_alloc(NO * 8), *D = vr_aligned_alloc(NO * 8), *CP = vr_aligned_alloc(NO * 8);
    double *KK = vr_aligned_alloc(NO * 8), *VOL = vr_aligned_alloc(NO * 8), *P = vr_aligned_alloc(NO * 8);
    double *DE = vr_aligned_alloc(NO * 8), *G = vr_aligned_alloc(NO * 8), *VE = vr_aligned_alloc(NO * 8), *TH = vr_aligned_alloc(NO * 8);
    vk_pcg32 rr;
    vk_pcg32_seed(&rr, 9, 9);
    for (size_t i = 0; i < NO; i++) {
        const double u1 = vk_u01_from_u32(vk_pcg32_next(&rr), vk_pcg32_next(&rr));
        const double u2 = vk_u01_from_u32(vk_pcg32_next(&rr), vk_pcg32_next(&rr));
        const double u3 = vk_u01_from_u32(vk_pcg32_next(&rr), vk_pcg32_next(&rr));
        F[i] = 5000;
        K[i] = 4500 + 1000 * u1;
        T[i] = (1 + 44 * u2) / 365;
        V[i] = 0.005 + 0.095 * u3;
        D[i] = exp(-0.04 * T[i]);
        CP[i] = K[i] < 5000 ? -1 : 1;
        KK[i] = log(K[i] / F[i]) / sqrt(T[i]);
    }
    printf("\noption marks on 1 core (%zu SVCJ options: surface lookup + Black-76), ns per option\n", NO);
    printf("%-24s", "");
    for (int i = 0; i < nisa; i++)
        printf("%12s", isas[i]);
    printf("\n");
    /* the last three: simulation.mark_precision: single (the kernels of vk_single_marks) */
    enum { NMK = 7 };
    double mk_ns[NMK][3];
    const char *mk_name[NMK] = {"black price+delta", "black all greeks", "surface lookup", "mark (surface+greeks)",
                                "black all greeks sf", "surface lookup sf", "mark sf (surface+greeks)"};
    const int inner_o = quick ? 5 : 200;
    for (int i = 0; i < nisa; i++) {
        const vk_table *t = vk_select(isas[i]);
        for (int k = 0; k < NMK; k++) {
            double ts[REPS_MAX];
            for (int r = -1; r < 9; r++) {
                const double t0 = omp_get_wtime();
                for (int j = 0; j < inner_o; j++) {
                    if (k == 0) t->black(F, K, V, T, D, CP, P, DE, NO);
                    if (k == 1) t->black_greeks(F, K, V, T, D, CP, P, DE, G, VE, TH, NO);
                    if (k == 2 || k == 3) t->surface_vol(vr_surface_kernel_view(surf), V, T, KK, VOL, NO);
                    if (k == 3) t->black_greeks(F, K, VOL, T, D, CP, P, DE, G, VE, TH, NO);
                    if (k == 4) t->black_greeks_sf(F, K, V, T, D, CP, P, DE, G, VE, TH, NO);
                    if (k >= 5) t->surface_vol_sf(vr_surface_kernel_view(surf), V, T, KK, VOL, NO);
                    if (k == 6) t->black_greeks_sf(F, K, VOL, T, D, CP, P, DE, G, VE, TH, NO);
                }
                if (r >= 0)
                    ts[r] = (omp_get_wtime() - t0) * 1e9 / ((double)inner_o * NO);
            }
            mk_ns[k][i] = median(ts, 9);
        }
    }
    for (int k = 0; k < NMK; k++) {
        printf("%-24s", mk_name[k]);
        for (int i = 0; i < nisa; i++)
            printf("%12.2f", mk_ns[k][i]);
        printf("\n");
    }
    printf("=> option marks per second per core: ");
    for (int i = 0; i < nisa; i++)
        printf("%s %.0fM  ", isas[i], 1e3 / mk_ns[3][i]);
    printf("\n=> with mark_precision single: ");
    for (int i = 0; i < nisa; i++)
        printf("%s %.0fM  ", isas[i], 1e3 / mk_ns[6][i]);
    printf("\n");
    /* VIX option table lookups (batch function, scalar code) */
    double vts[REPS_MAX];
    double *VT = vr_aligned_alloc(NO * 8);
    for (size_t i = 0; i < NO; i++) {
        VT[i] = 14 + 20 * (double)i / NO; /* strikes */
    }
    for (int r = -1; r < 9; r++) {
        const double t0 = omp_get_wtime();
        for (int j = 0; j < inner_o / 5 + 1; j++)
            vr_vix_table_call_n(vtab, V, T, VT, P, NO);
        if (r >= 0)
            vts[r] = (omp_get_wtime() - t0) * 1e9 / ((double)(inner_o / 5 + 1) * NO);
    }
    const double vix_ns = median(vts, 9);
    double vix_isa_ns[3];
    for (int i = 0; i < nisa; i++) {
        const vk_table *t = vk_select(isas[i]);
        for (int r = -1; r < 9; r++) {
            const double t0 = omp_get_wtime();
            for (int j = 0; j < inner_o / 5 + 1; j++)
                t->vix_call(vr_vix_table_kernel_view(vtab), V, T, VT, P, NO);
            if (r >= 0)
                vts[r] = (omp_get_wtime() - t0) * 1e9 / ((double)(inner_o / 5 + 1) * NO);
        }
        vix_isa_ns[i] = median(vts, 9);
    }
    printf("VIX call table lookup kernel, ns:");
    for (int i = 0; i < nisa; i++)
        printf(" %s %.1f", isas[i], vix_isa_ns[i]);
    printf("\n");
    printf("VIX call table lookup: %.1f ns (%.1fM lookups/s per core); builds: SPX surface %.2f s, VIX table %.2f s\n",
           vix_ns, 1e3 / vix_ns, surf_build, vix_build);
    if (js) {
        fprintf(js, "  \"option_marks_ns\": {");
        for (int k = 0; k < NMK; k++) {
            fprintf(js, "%s\n    \"%s\": {", k ? "," : "", mk_name[k]);
            for (int i = 0; i < nisa; i++)
                fprintf(js, "%s\"%s\": %.3f", i ? ", " : "", isas[i], mk_ns[k][i]);
            fprintf(js, "}");
        }
        fprintf(js, "\n  },\n  \"vix_table_lookup_ns\": %.3f, \"surface_build_s\": %.3f, \"vix_table_build_s\": %.3f,\n",
                vix_ns, surf_build, vix_build);
        fprintf(js, "  \"vix_table_kernel_ns\": {");
        for (int i = 0; i < nisa; i++)
            fprintf(js, "%s\"%s\": %.3f", i ? ", " : "", isas[i], vix_isa_ns[i]);
        fprintf(js, "},\n");
    }

    /* ---- svcj2 tables (the m dimension): build and lookups through the descriptor ---- */
    {
        const vr_model_ops *o2 = vr_model_ops_get(VR_MODEL_SVCJ2);
        vr_model m2 = {.type = VR_MODEL_SVCJ2, .spot = 5000, .rate = 0.04, .dividend = 0.013,
                       .v0 = 0.02, .m0 = 0.02};
        m2.physical.s2 = (vr_svcj2_params){.kappa_v = 3, .kappa_m = 0.5, .theta = 0.02,
                                           .sigma_v = 0.4, .sigma_m = 0.06, .rho = -0.7,
                                           .lambda0 = 0.5, .lambda1 = 25, .mu_v = 0.05,
                                           .mu_s = -0.04, .sigma_s = 0.04, .rho_j = -0.5};
        m2.pricing = m2.physical;
        const vr_tables_spec ts2 = {.tau_max_spx = 0.5, .tau_max_vix = 0.5, .rate = 0.04};
        vr_model_tables *tab2 = NULL;
        if (o2->tables_build(&m2, &ts2, &tab2, &err) != VR_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            return 1;
        }
        const double b2 = o2->tables_build_seconds(tab2);
        double *MM = vr_aligned_alloc(NO * 8);
        for (size_t i = 0; i < NO; i++)
            MM[i] = 0.005 + 0.06 * (double)((i * 7919) % NO) / NO;
        const double *xs[VR_FACTORS_MAX] = {V, MM};
        double s2ns[2][3];
        for (int i = 0; i < nisa; i++) {
            const vk_table *t = vk_select(isas[i]);
            for (int k = 0; k < 2; k++) {
                for (int r = -1; r < 9; r++) {
                    const double t0 = omp_get_wtime();
                    for (int j = 0; j < inner_o / 5 + 1; j++) {
                        if (k == 0)
                            o2->spx_vol_n(tab2, t, xs, T, KK, VOL, NO);
                        else
                            o2->vix_call_n(tab2, t, xs, T, VT, P, NO);
                    }
                    if (r >= 0)
                        vts[r] = (omp_get_wtime() - t0) * 1e9 / ((double)(inner_o / 5 + 1) * NO);
                }
                s2ns[k][i] = median(vts, 9);
            }
        }
        printf("svcj2 tables (v, m): build %.2f s (SPX slices and VIX slices together); lookup ns:", b2);
        for (int i = 0; i < nisa; i++)
            printf(" %s SPX vol %.1f, VIX call %.1f;", isas[i], s2ns[0][i], s2ns[1][i]);
        printf("\n");
        if (js) {
            fprintf(js, "  \"svcj2_tables_build_s\": %.3f, \"svcj2_lookup_ns\": {", b2);
            for (int i = 0; i < nisa; i++)
                fprintf(js, "%s\"%s\": {\"spx_vol\": %.3f, \"vix_call\": %.3f}", i ? ", " : "",
                        isas[i], s2ns[0][i], s2ns[1][i]);
            fprintf(js, "},\n");
        }
        o2->tables_destroy(tab2);
        vr_free(MM);
    }

    /* ---- end to end: the policy evaluator (SVCJ, 4 policies incl. hedges), 1 and 2 threads ---- */
    vr_policy pol[4];
    memset(pol, 0, sizeof pol);
    const vr_condor_rules cr = {.contracts = 10, .dte = 45, .short_delta = 0.16, .wing_width = 50,
                                .profit_take = 0.5, .stop_loss = 2, .exit_dte = 21, .roll_delta = 0.3,
                                .roll_to_delta = 0.16, .reentry_days = 1, .commission = 0.65,
                                .half_spread = 0.1, .vix_half_spread = 0.05};
    for (int p = 0; p < 4; p++) {
        snprintf(pol[p].name, sizeof pol[p].name, "p%d", p);
        pol[p].condor = cr;
        pol[p].nlayers = p;
        for (int l = 0; l < p; l++) {
            vr_layer *ly = &pol[p].layers[l];
            vr_trigger *tg = &ly->trigger;
            tg->any = 1;
            tg->vix_level = 20 + 5 * l;
            tg->vix_change_days = tg->vix_change_pct = tg->vix_change_pts = NAN;
            tg->rsi_days = tg->rsi_level = tg->term_ratio = tg->dd_pct = tg->condor_loss_pct = tg->short_delta = NAN;
            tg->confirm_days = 1;
            tg->cooldown_days = 5;
            ly->action = (vr_action){.kind = VR_ACTION_VIX_CALL, .delta = 0.25, .strike_pct = NAN, .dte = 30,
                                     .size_by = VR_SIZE_PCT_CREDIT, .size = 0.15, .stress_vix = 50};
            ly->exit = (vr_exit){.profit_multiple = 3, .vix_above = NAN, .vix_below = NAN, .dte = 5};
        }
    }
    vr_scenario sc = {.name = "svcj", .model = {.type = VR_MODEL_SVCJ, .spot = 5000, .rate = 0.04, .dividend = 0.013,
                                                 .v0 = 0.02, .physical = sp, .pricing = sp}};
    const size_t e2e_paths = quick ? 512 : 8192;
    const int e2e_reps = quick ? 1 : 3; /* each run builds its marks first: a warm-up of its own */
    printf("\nend to end: policy evaluator, SVCJ, %zu paths x 252 days x 4 policies (marks build excluded), %s, "
           "%s %d\n", e2e_paths, kdef->isa, e2e_reps > 1 ? "median of" : "runs:", e2e_reps);
    if (js)
        fprintf(js, "  \"end_to_end\": [");
    double e1 = 0;
    for (int th = 1; th <= (maxth < 2 ? maxth : 2); th++) {
        vr_run_spec rs = {.paths = e2e_paths, .horizon_days = 252, .steps_per_day = 1, .seed = 3, .block = 512,
                          .threads = th, .sample_paths = 0, .kt = kdef, .nscen = 1, .scen = &sc,
                          .npol = 4, .pol = pol};
        double secs[REPS_MAX];
        for (int r = 0; r < e2e_reps; r++) {
            vr_scenario_result res;
            if (vr_eval_scenario(&rs, 0, &res, NULL, NULL, &err) != VR_OK) {
                fprintf(stderr, "bench: %s\n", err.msg);
                return 1;
            }
            secs[r] = res.seconds - res.build_seconds;
            vr_scenario_result_free(&res);
        }
        const double sec = median(secs, e2e_reps);
        const double rate = (double)e2e_paths * 252 * 4 / sec;
        if (th == 1)
            e1 = rate;
        printf("  %d thread(s): %.2f s, %.2fM path-day-policies/s (%.2fM per core), speedup %.2fx\n", th, sec,
               rate / 1e6, rate / 1e6 / th, rate / e1);
        if (js)
            fprintf(js, "%s\n    {\"isa\": \"%s\", \"threads\": %d, \"paths\": %zu, \"runs\": %d, "
                        "\"seconds\": %.3f, \"path_day_policies_per_s\": %.4g}",
                    th > 1 ? "," : "", kdef->isa, th, e2e_paths, e2e_reps, sec, rate);
    }
    /* ---- end to end: the main job (its model and policies), marks build included ---- */
    {
        vr_run_spec rs = cfg.spec;
        rs.paths = quick ? 512 : 100000;
        rs.threads = maxth < 2 ? maxth : 2;
        rs.sample_paths = 0;
        rs.trade_log_paths = 0;
        rs.kt = kdef;
        rs.nscen = 1;
        vr_scenario one = rs.scen[0];
        one.paths = 0;
        rs.scen = &one;
        const int days = vr_scenario_days(&rs, &one);
        vr_scenario_result res;
        /* (the second run below takes the tables this one builds) */
        vr_pricing_cache *pc = NULL;
        if (vr_pricing_cache_create(&pc, &err) != VR_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            vr_run_cfg_free(&cfg);
            return 1;
        }
        const vr_eval_opts eo = {0, 0, 1, NULL, NULL, pc, NULL};
        if (vr_eval_scenario_ex(&rs, 0, &eo, &res, NULL, NULL, &err) != VR_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            vr_pricing_cache_destroy(pc);
            vr_run_cfg_free(&cfg);
            return 1;
        }
        const double pdp = (double)rs.paths * days * rs.npol;
        const double rate = pdp / (res.seconds - res.build_seconds);
        /* An extrapolation, not a measurement: the rate scales linearly in paths and in policies
         * (a path's generation and the day's market work, shared by the policies, are counted per
         * policy, so fewer policies than measured come out optimistic), and it leaves out the
         * scoring and the run file. At 5886c9d it gave 210 s for 1M x 252 x 11 where the same
         * case measured in full took 230 s (results/million.txt: 12.4M/s at 1M paths against
         * 13.3M/s here, and 5 s of scoring and writing). */
        const double target = 1e6 * 252 * 8 / rate + res.build_seconds;
        printf("\nend to end: the main job (%s, scenario %s), %zu paths x %d days x %d policies, %d "
               "thread(s), %s, one run\n", main_cfg, one.name, rs.paths, days, rs.npol, rs.threads, kdef->isa);
        printf("  wall %.2f s (marks build %.2f s), %.3gM path-day-policies/s; 1M paths x 252 days x 8 "
               "policies at this rate (linear in paths and policies, scoring and run file left out): "
               "%.0f s wall (target 15 s)\n", res.seconds, res.build_seconds, rate / 1e6, target);
        if (js) {
            fprintf(js, "\n  ],\n  \"end_to_end_main_job\": {\"config\": \"");
            json_str(js, main_cfg);
            fprintf(js, "\", \"isa\": \"%s\", "
                        "\"threads\": %d, \"runs\": 1, \"paths\": %zu, \"days\": %d, \"policies\": %d, "
                        "\"wall_s\": %.3f, \"build_s\": %.3f, \"path_day_policies_per_s\": %.4g, "
                        "\"wall_1m_252_8_s\": %.1f}", kdef->isa, rs.threads, rs.paths, days,
                    rs.npol, res.seconds, res.build_seconds, rate, target);
        }
        vr_scenario_result_free(&res);

        /* Where the time goes: a second run of fewer paths with the evaluator's stage timers on
         * (vr_eval_stages; the timers' own cost shows as the rate's difference from the run
         * above), in ns of thread time per path-day (a path's day, every policy included). */
        rs.paths = quick ? 512 : 20000;
        vr_eval_stages sg;
        const vr_eval_opts eos = {0, 0, 1, NULL, NULL, pc, &sg};
        const vr_status sst = vr_eval_scenario_ex(&rs, 0, &eos, &res, NULL, NULL, &err);
        vr_pricing_cache_destroy(pc);
        if (sst != VR_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            vr_run_cfg_free(&cfg);
            return 1;
        }
        const double run_s = res.seconds - res.build_seconds;
        const double trate = (double)rs.paths * days * rs.npol / run_s;
        printf("  stages (a second run, %zu paths, timers on: wall %.2f s, %.3gM path-day-policies/s), ns of "
               "thread time per path-day (%d policies, %d threads):\n", rs.paths, res.seconds, trate / 1e6, rs.npol,
               sg.threads);
        vr_eval_stages_print(stdout, &sg, "    ");
        if (js) {
            fprintf(js, ",\n  \"end_to_end_stages\": {\"paths\": %zu, \"threads\": %d, \"runs\": 1, "
                        "\"wall_s\": %.3f, \"build_s\": %.3f, \"path_day_policies_per_s\": %.4g, ",
                    rs.paths, rs.threads, res.seconds, res.build_seconds, trate);
            vr_eval_stages_json(js, &sg);
            fprintf(js, "}");
        }
        vr_scenario_result_free(&res);
    }
    /* ---- scoring: what a run does per policy with its per-path P&L (a million paths) ---- */
    {
        const size_t ns = quick ? 100000 : 1000000;
        double *pnl = malloc(ns * sizeof *pnl), *work = malloc(ns * sizeof *work);
        if (pnl == NULL || work == NULL) {
            fprintf(stderr, "bench: scoring arrays\n");
            return 1;
        }
        uint64_t z = 12345;
        for (size_t i = 0; i < ns; i += 2) { /* P&L-like: normal, mean 3000, sd 8000 (Box-Muller) */
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            const double u1 = ((z >> 11) + 1) * 0x1p-53;
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            const double u2 = (z >> 11) * 0x1p-53, r = sqrt(-2 * log(u1));
            pnl[i] = 3000 + 8000 * r * cos(2 * M_PI * u2);
            if (i + 1 < ns)
                pnl[i + 1] = 3000 + 8000 * r * sin(2 * M_PI * u2);
        }
        const double thr[4] = {10000, 25000, 50000, 100000};
        double t_sort[9], t_ref[9], t_scores[9];
        vr_scores sres;
        for (int r = 0; r < 9; r++) {
            memcpy(work, pnl, ns * sizeof *work);
            double t0 = omp_get_wtime();
            vr_sort_doubles(work, ns);
            t_sort[r] = (omp_get_wtime() - t0) * 1e3;
            memcpy(work, pnl, ns * sizeof *work);
            t0 = omp_get_wtime();
            vr_sort_doubles_ref(work, ns);
            t_ref[r] = (omp_get_wtime() - t0) * 1e3;
            t0 = omp_get_wtime();
            if (vr_scores_compute_buf(pnl, ns, thr, work, &sres, &err) != VR_OK) {
                fprintf(stderr, "bench: %s\n", err.msg);
                return 1;
            }
            t_scores[r] = (omp_get_wtime() - t0) * 1e3;
        }
        const double ms = median(t_sort, 9), mr = median(t_ref, 9), mc = median(t_scores, 9);
        printf("\nscoring on 1 core, %zu P&L values (median of 9, ms): sort %.1f (radix; the introsort "
               "reference %.1f, %.2fx), a policy's scores (moments, quantiles, VaR/ES with SEs) %.1f\n",
               ns, ms, mr, mr / ms, mc);
        if (js)
            fprintf(js, ",\n  \"scoring\": {\"n\": %zu, \"sort_ms\": %.3f, \"sort_ref_ms\": %.3f, "
                        "\"scores_ms\": %.3f}", ns, ms, mr, mc);
        free(pnl);
        free(work);
    }
    vr_surface_destroy(surf);
    vr_vix_table_destroy(vtab);
    double *fr[] = {F, K, V, T, D, CP, KK, VOL, P, DE, G, VE, TH, VT};
    for (size_t i = 0; i < sizeof fr / sizeof fr[0]; i++)
        vr_free(fr[i]);
    if (js) {
        double load[3] = {0, 0, 0};
        FILE *la = fopen("/proc/loadavg", "r");
        if (la) {
            if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
                load[0] = load[1] = load[2] = -1;
            fclose(la);
        }
        fprintf(js, ",\n  \"loadavg_at_end\": [%.2f, %.2f, %.2f]\n}\n", load[0], load[1], load[2]);
        const int bad = fclose(js) != 0;
        const int rc = bad ? 1 : json_commit(&jout, jbuf, jlen);
        if (bad)
            fprintf(stderr, "vixrisk-bench: the JSON record: out of memory (nothing was written)\n");
        free(jbuf);
        if (rc != 0) {
            vr_run_cfg_free(&cfg);
            return rc;
        }
    }
    vr_run_cfg_free(&cfg);
    return 0;
}
