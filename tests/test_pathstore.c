/* test_pathstore.c: the per-path outputs of stored paths (engine/src/run/pathstore.c) in memory
 * and on disk. Blocks fed out of order from two threads come back bit for bit, every field of
 * every policy, with odd path counts (field alignment) and awkward doubles (-0, subnormals,
 * huge); the two P&L slots hold two policies at once; errors name the directory. End to end:
 * `vixrisk run` with the store forced to disk (VIXRISK_PATH_STORE_MB=0) writes the same datasets
 * and prints the same table as in memory, leaves nothing beside the output, and a bad value of the
 * variable is a usage error found with the config (`check` too), before the output directory is
 * made. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/run_internal.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_h5.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("pathstore", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

#define NPOL 3
static const int nlayers[NPOL] = {0, 2, 5};

static void make_spec(vr_run_spec *s, vr_policy *pol)
{
    memset(s, 0, sizeof *s);
    memset(pol, 0, NPOL * sizeof *pol);
    for (int p = 0; p < NPOL; p++)
        pol[p].nlayers = nlayers[p];
    s->npol = NPOL;
    s->pol = pol;
}

/* A double for (policy, field, path, column) with varied bit patterns. */
static double dval(int p, int f, size_t i, int k)
{
    const unsigned h = (unsigned)(p * 7919 + f * 104729 + k * 31) ^ (unsigned)(i * 2654435761u);
    switch (h % 7) {
    case 0: return -0.0;
    case 1: return 4.9e-324 * (double)(h % 1000 + 1); /* subnormal */
    case 2: return 1e300 * (double)(h % 17);
    default: return sin((double)h) * 1e5;
    }
}

static int32_t ival(int p, int f, size_t i, int k)
{
    return (int32_t)((unsigned)(p * 131 + f * 977 + k * 13) ^ (unsigned)(i * 40503u));
}

/* Policy p's expected outputs of paths [i0, i0 + m) into o (element 0 is path i0). */
static void fill(vr_path_out *o, int p, size_t i0, size_t m)
{
    const int na = o->nattr;
    for (size_t j = 0; j < m; j++) {
        const size_t i = i0 + j;
        o->pnl[j] = dval(p, 0, i, 0);
        o->drawdown[j] = dval(p, 1, i, 0);
        o->hedge_cost[j] = dval(p, 2, i, 0);
        o->hedge_proceeds[j] = dval(p, 3, i, 0);
        o->trades[j] = ival(p, 4, i, 0);
        for (int k = 0; k < VR_MAX_LAYERS; k++) {
            o->activations[j * VR_MAX_LAYERS + k] = ival(p, 5, i, k);
            o->first_day[j * VR_MAX_LAYERS + k] = ival(p, 6, i, k);
        }
        for (int k = 0; k < na; k++) {
            o->attr[j * (size_t)na + k] = dval(p, 7, i, k);
            o->outlay[j * (size_t)na + k] = dval(p, 8, i, k);
        }
    }
}

static void expect_equal(const vr_path_out *want, const vr_path_out *got, size_t n)
{
    assert_int_equal(want->nattr, got->nattr);
    const vr_path_out *o = want;
#define CMP(f, T, k) assert_memory_equal(want->f, got->f, n * (k) * sizeof(T));
    VR_PATH_OUT_FIELDS(CMP, o)
#undef CMP
}

static void roundtrip(size_t n, size_t limit)
{
    vr_run_spec s;
    vr_policy pol[NPOL];
    make_spec(&s, pol);
    vr_err err = {VR_OK, ""};
    vr_path_store *ps = NULL;
    assert_int_equal(vr_path_store_create(dir, &s, n, limit, 2, &ps, &err), VR_OK);
    assert_int_equal(vr_path_store_on_disk(ps), limit == 0);
    assert_int_equal(vr_path_store_max_nattr(ps), 6);
    /* blocks of 64 paths (the last shorter), fed in a scrambled order from two threads */
    const size_t bp = 64, nb = (n + bp - 1) / bp;
#pragma omp parallel num_threads(2)
    {
        vr_path_out blk[NPOL];
        for (int p = 0; p < NPOL; p++)
            assert_true(vr_path_out_alloc(&blk[p], bp, 1 + nlayers[p]));
#pragma omp for schedule(dynamic, 1)
        for (size_t q = 0; q < nb; q++) {
            const size_t b = (q * 7 + 3) % nb; /* nb is not a multiple of 7 below */
            const size_t i0 = b * bp, m = i0 + bp <= n ? bp : n - i0;
            for (int p = 0; p < NPOL; p++)
                fill(&blk[p], p, i0, m);
            vr_path_store_feed(ps, i0, m, blk);
        }
        for (int p = 0; p < NPOL; p++)
            vr_path_out_free(&blk[p]);
    }
    assert_int_equal(vr_path_store_status(ps, &err), VR_OK);
    vr_path_out want[NPOL];
    for (int p = 0; p < NPOL; p++) {
        assert_true(vr_path_out_alloc(&want[p], n, 1 + nlayers[p]));
        fill(&want[p], p, 0, n);
    }
    for (int p = NPOL - 1; p >= 0; p--) {
        vr_path_out got;
        assert_int_equal(vr_path_store_get(ps, p, 0, VR_PS_ALL, &got, &err), VR_OK);
        expect_equal(&want[p], &got, n);
    }
    /* two slots at once, one with the summary's fields only */
    vr_path_out g0, g1;
    assert_int_equal(vr_path_store_get(ps, 2, 0, VR_PS_ALL, &g0, &err), VR_OK);
    assert_int_equal(vr_path_store_get(ps, 1, 1, VR_PS_SUMMARY, &g1, &err), VR_OK);
    expect_equal(&want[2], &g0, n);
    assert_null(g1.attr);
    assert_null(g1.first_day);
    assert_int_equal(g1.nattr, want[1].nattr);
    assert_memory_equal(g1.pnl, want[1].pnl, n * sizeof(double));
    assert_memory_equal(g1.drawdown, want[1].drawdown, n * sizeof(double));
    assert_memory_equal(g1.hedge_cost, want[1].hedge_cost, n * sizeof(double));
    assert_memory_equal(g1.hedge_proceeds, want[1].hedge_proceeds, n * sizeof(double));
    assert_memory_equal(g1.activations, want[1].activations, n * VR_MAX_LAYERS * sizeof(int32_t));
    assert_int_equal(vr_path_store_get(ps, 1, 2, VR_PS_ALL, &g1, &err), VR_EINVAL); /* no slot 2 */
    assert_non_null(strstr(err.msg, "slot 2"));
    err = (vr_err){VR_OK, ""};
    /* two policies' P&L at once */
    const double *a = NULL, *b = NULL;
    assert_int_equal(vr_path_store_get_pnl(ps, 2, 0, &a, &err), VR_OK);
    assert_int_equal(vr_path_store_get_pnl(ps, 1, 1, &b, &err), VR_OK);
    assert_memory_equal(a, want[2].pnl, n * sizeof(double));
    assert_memory_equal(b, want[1].pnl, n * sizeof(double));
    /* a whole policy put over what the feeds wrote (the gather of several ranks) */
    fill(&want[1], 0, 0, n);
    assert_int_equal(vr_path_store_put(ps, 1, &want[1], &err), VR_OK);
    vr_path_out got;
    assert_int_equal(vr_path_store_get(ps, 1, 1, VR_PS_ALL, &got, &err), VR_OK);
    expect_equal(&want[1], &got, n);
    assert_int_equal(vr_path_store_get(ps, 0, 0, VR_PS_ALL, &got, &err), VR_OK); /* its neighbour untouched */
    expect_equal(&want[0], &got, n);
    want[0].nattr = 3; /* not policy 0's columns */
    assert_int_equal(vr_path_store_put(ps, 0, &want[0], &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "attribution columns"));
    for (int p = 0; p < NPOL; p++)
        vr_path_out_free(&want[p]);
    vr_path_store_destroy(ps);
}

static void test_memory(void **state)
{
    (void)state;
    roundtrip(1000, (size_t)1 << 30);
    roundtrip(777, (size_t)1 << 30);
    roundtrip(1, (size_t)1 << 30);
}

static void test_disk(void **state)
{
    (void)state;
    roundtrip(1000, 0);
    roundtrip(777, 0);
    roundtrip(1, 0);
    /* the file is unlinked: nothing of the store is left in the directory */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    assert_int_equal(entries, 0);
}

static void test_errors(void **state)
{
    (void)state;
    vr_run_spec s;
    vr_policy pol[NPOL];
    make_spec(&s, pol);
    vr_err err = {VR_OK, ""};
    vr_path_store *ps = NULL;
    char missing[400];
    snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
    assert_int_equal(vr_path_store_create(missing, &s, 100, 0, 1, &ps, &err), VR_EIO);
    assert_null(ps);
    assert_non_null(strstr(err.msg, missing));
    /* in memory the directory is not used */
    assert_int_equal(vr_path_store_create(missing, &s, 100, (size_t)1 << 20, 1, &ps, &err), VR_OK);
    vr_path_store_destroy(ps);
    /* a block beyond the scenario's paths: the feed fails, the status says so and names the
     * directory */
    for (int lim = 0; lim < 2; lim++) {
        ps = NULL;
        assert_int_equal(vr_path_store_create(dir, &s, 100, lim ? (size_t)1 << 20 : 0, 1, &ps, &err), VR_OK);
        vr_path_out blk[NPOL];
        for (int p = 0; p < NPOL; p++) {
            assert_true(vr_path_out_alloc(&blk[p], 64, 1 + nlayers[p]));
            fill(&blk[p], p, 64, 64);
        }
        vr_path_store_feed(ps, 64, 64, blk);
        err = (vr_err){VR_OK, ""};
        assert_int_equal(vr_path_store_status(ps, &err), VR_EIO);
        assert_non_null(strstr(err.msg, "per-path outputs"));
        if (!lim) /* on disk: the message names the directory */
            assert_non_null(strstr(err.msg, dir));
        for (int p = 0; p < NPOL; p++)
            vr_path_out_free(&blk[p]);
        vr_path_store_destroy(ps);
    }
}

/* ---- end to end ---------------------------------------------------------------------------- */

static const char *cfg_text =
    "simulation: {paths: 1200, horizon_days: 30, seed: 11, block: 256}\n"
    "scenarios:\n"
    "  - name: hes\n"
    "    model:\n"
    "      type: heston\n"
    "      spot: 5000\n"
    "      rate: 0.04\n"
    "      dividend: 0.013\n"
    "      v0: 0.03\n"
    "      physical: {kappa: 2.5, theta: 0.035, sigma: 0.6, rho: -0.75}\n"
    "condor: {contracts: 5, dte: 30, short_delta: 0.16, wing_width: 50}\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: alvh\n"
    "    ablate: true\n"
    "    layers:\n"
    "      - name: spike\n"
    "        trigger: {vix_level: 18}\n"
    "        action: {type: vix_call, delta: 0.25, dte: 30, size: {by: pct_of_credit, value: 0.2}}\n"
    "        exit: {profit_multiple: 2}\n"
    "      - name: puts\n"
    "        trigger: {always: true}\n"
    "        action: {type: spx_put_spread, delta: 0.05, short_delta: 0.02, dte: 30,\n"
    "                 size: {by: pct_of_credit, value: 0.1}}\n"
    "        exit: {dte: 5}\n";

/* Cut the output at its `wrote ...` line (the file name and the time differ between runs). */
static void strip_wrote(char *out)
{
    char *w = strstr(out, "wrote ");
    if (w)
        *w = '\0';
}

static void test_run_on_disk(void **state)
{
    (void)state;
    const char *cfg = vr_test_write(dir, "small.yaml", cfg_text);
    assert_non_null(cfg);
    char sub[400], h1[600], h2[600], args[1600];
    snprintf(sub, sizeof sub, "%s/out", dir);
    snprintf(h1, sizeof h1, "%s/mem.h5", sub);
    snprintf(h2, sizeof h2, "%s/disk.h5", sub);
    static char out1[32768], out2[32768];
    snprintf(args, sizeof args, "run %s -o %s --threads 2", cfg, h1);
    assert_int_equal(vr_test_cli(args, out1, sizeof out1), 0);
    assert_int_equal(setenv("VIXRISK_PATH_STORE_MB", "0", 1), 0);
    snprintf(args, sizeof args, "run %s -o %s --threads 2", cfg, h2);
    const int rc = vr_test_cli(args, out2, sizeof out2);
    unsetenv("VIXRISK_PATH_STORE_MB");
    assert_int_equal(rc, 0);
    strip_wrote(out1);
    strip_wrote(out2);
    assert_string_equal(out1, out2);
    /* every per-path dataset of every policy, bit for bit */
    vr_h5_reader *r1 = NULL, *r2 = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h1, &r1, &err), VR_OK);
    assert_int_equal(vr_h5_open_read(h2, &r2, &err), VR_OK);
    const char *sets[] = {"pnl", "drawdown", "hedge_cost", "hedge_proceeds", "attribution/condor",
                          "attribution/spike", "attribution/puts", NULL};
    const char *pols[] = {"unhedged", "alvh", "alvh@without=spike", "alvh@only=puts", NULL};
    int compared = 0;
    for (int p = 0; pols[p]; p++)
        for (int k = 0; sets[k]; k++) {
            char path[200];
            snprintf(path, sizeof path, "/hes/%s/%s", pols[p], sets[k]);
            if (!vr_h5_exists(r1, path))
                continue;
            double *a = NULL, *b = NULL;
            size_t na = 0, nb = 0;
            assert_int_equal(vr_h5_read_f64(r1, path, &a, &na, &err), VR_OK);
            assert_int_equal(vr_h5_read_f64(r2, path, &b, &nb, &err), VR_OK);
            assert_int_equal(na, 1200);
            assert_int_equal(nb, na);
            assert_memory_equal(a, b, na * sizeof(double));
            free(a);
            free(b);
            compared++;
        }
    assert_true(compared >= 18);
    double e1 = 0, e2 = 1;
    assert_int_equal(vr_h5_read_attr_double(r1, "/hes/alvh/layers/spike", "d_es99_removed", &e1, &err), VR_OK);
    assert_int_equal(vr_h5_read_attr_double(r2, "/hes/alvh/layers/spike", "d_es99_removed", &e2, &err), VR_OK);
    assert_true(e1 == e2);
    vr_h5_close(r1);
    vr_h5_close(r2);
    /* nothing but the two run files in the output directory */
    DIR *d = opendir(sub);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    assert_int_equal(entries, 2);
    /* a bad value: exit 2, the variable named, nothing written */
    char h3[600];
    snprintf(h3, sizeof h3, "%s/bad.h5", sub);
    snprintf(args, sizeof args, "run %s -o %s", cfg, h3);
    assert_int_equal(setenv("VIXRISK_PATH_STORE_MB", "12MB", 1), 0);
    const int rc3 = vr_test_cli(args, out2, sizeof out2);
    unsetenv("VIXRISK_PATH_STORE_MB");
    assert_int_equal(rc3, 2);
    assert_non_null(strstr(out2, "VIXRISK_PATH_STORE_MB"));
    assert_int_equal(access(h3, F_OK), -1);
    /* nor a missing output directory made, and `check` says the same */
    char h4[700];
    snprintf(h4, sizeof h4, "%s/new/dir/", sub);
    assert_int_equal(setenv("VIXRISK_PATH_STORE_MB", "-1", 1), 0);
    snprintf(args, sizeof args, "run %s -o %s", cfg, h4);
    const int rc4 = vr_test_cli(args, out2, sizeof out2);
    snprintf(args, sizeof args, "check %s -o %s", cfg, h4);
    const int rc5 = vr_test_cli(args, out1, sizeof out1);
    unsetenv("VIXRISK_PATH_STORE_MB");
    assert_int_equal(rc4, 2);
    assert_int_equal(rc5, 2);
    assert_non_null(strstr(out1, "VIXRISK_PATH_STORE_MB"));
    char h5[700];
    snprintf(h5, sizeof h5, "%s/new", sub);
    assert_int_equal(access(h5, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_disk),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_run_on_disk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
