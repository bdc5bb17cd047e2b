/* test_run.c: `vixrisk run` end to end on a small config: the HDF5 file read back with the C API
 * (shapes, attributes, stored scores equal to a recomputation from `pnl`), bit-identical datasets
 * for --threads 1 and 2, h5dump on the file, config errors (file, line, key; exit 2; nothing
 * written), and an interrupted run leaving no file under the final name. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_stats.h"
#include "vr_test_util.h"

static char dir[256];

static const char *cfg_text =
    "simulation: {paths: 1500, horizon_days: 42, seed: 7, block: 256, sample_paths: 5}\n"
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
    "  - name: hedged\n"
    "    layers:\n"
    "      - name: spike\n"
    "        trigger: {vix_level: 20}\n"
    "        action: {type: vix_call, delta: 0.25, dte: 30, size: {by: pct_of_credit, value: 0.2}}\n"
    "        exit: {profit_multiple: 2}\n"
    "sweep:\n"
    "  - {policy: hedged, key: \"layers[0].trigger.vix_level\", values: [18, 25]}\n";

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("run", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

static const char *write_cfg(const char *name, const char *text)
{
    const char *p = vr_test_write(dir, name, text);
    assert_non_null(p);
    return p;
}

static int run(const char *args, char *out, size_t cap)
{
    return vr_test_cli(args, out, cap);
}

static void test_run_and_read_back(void **state)
{
    (void)state;
    const char *cfg = write_cfg("small.yaml", cfg_text);
    char out[16384], args[1200], h1[600], h2[600];
    snprintf(h1, sizeof h1, "%s/t1.h5", dir);
    snprintf(h2, sizeof h2, "%s/t2.h5", dir);
    snprintf(args, sizeof args, "run %s -o %s --threads 1 --quiet", cfg, h1);
    assert_int_equal(run(args, out, sizeof out), 0);
    printf("%s", out);
    assert_non_null(strstr(out, "hedged@layers_0_.trigger.vix_level=18"));
    snprintf(args, sizeof args, "run %s -o %s --threads 2 --quiet", cfg, h2);
    assert_int_equal(run(args, out, sizeof out), 0);

    vr_h5_reader *r1 = NULL, *r2 = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h1, &r1, &err), VR_OK);
    assert_int_equal(vr_h5_open_read(h2, &r2, &err), VR_OK);
    char **names = NULL;
    size_t count = 0;
    assert_int_equal(vr_h5_list_groups(r1, "/hes", &names, &count, &err), VR_OK);
    /* unhedged, hedged, 2 sweep policies, sample_paths */
    assert_int_equal(count, 5);
    vr_h5_free_names(names, count);
    char *text = NULL;
    assert_int_equal(vr_h5_read_attr_str(r1, "/", "config", &text, &err), VR_OK);
    assert_non_null(strstr(text, "sweep"));
    free(text);
    int64_t seed = 0;
    assert_int_equal(vr_h5_read_attr_int64(r1, "/", "seed", &seed, &err), VR_OK);
    assert_int_equal(seed, 7);
    const char *pols[2] = {"unhedged", "hedged"};
    const char *sets[5] = {"pnl", "drawdown", "hedge_cost", "hedge_proceeds", NULL};
    for (int p = 0; p < 2; p++) {
        for (int k = 0; sets[k]; k++) {
            char path[128];
            snprintf(path, sizeof path, "/hes/%s/%s", pols[p], sets[k]);
            double *a = NULL, *b = NULL;
            size_t na = 0, nb = 0;
            assert_int_equal(vr_h5_read_f64(r1, path, &a, &na, &err), VR_OK);
            assert_int_equal(vr_h5_read_f64(r2, path, &b, &nb, &err), VR_OK);
            assert_int_equal(na, 1500);
            assert_int_equal(nb, 1500);
            assert_memory_equal(a, b, na * sizeof(double)); /* threads 1 vs 2: bit-identical */
            if (k == 0) {
                /* stored scores equal a recomputation from pnl */
                const double thr[4] = {10000, 25000, 50000, 100000};
                vr_scores s;
                assert_int_equal(vr_scores_compute(a, na, thr, &s, &err), VR_OK);
                double mean, es99, var99;
                char g[64];
                snprintf(g, sizeof g, "/hes/%s", pols[p]);
                assert_int_equal(vr_h5_read_attr_double(r1, g, "mean", &mean, &err), VR_OK);
                assert_int_equal(vr_h5_read_attr_double(r1, g, "es99", &es99, &err), VR_OK);
                assert_int_equal(vr_h5_read_attr_double(r1, g, "var99", &var99, &err), VR_OK);
                assert_true(mean == s.mean && es99 == s.es[1] && var99 == s.var[1]);
                printf("%s: mean %.0f ES99 %.0f\n", pols[p], mean, es99);
            }
            free(a);
            free(b);
        }
    }
    vr_h5_dset_info info;
    assert_int_equal(vr_h5_dset_info_get(r1, "/hes/sample_paths/vix", &info, &err), VR_OK);
    assert_int_equal(info.rank, 2);
    assert_int_equal(info.dims[0], 5);
    assert_int_equal(info.dims[1], 43);
    double *acts = NULL;
    size_t na = 0;
    assert_int_equal(vr_h5_read_f64(r1, "/hes/hedged/hedge_cost", &acts, &na, &err), VR_OK);
    double paid = 0;
    for (size_t i = 0; i < na; i++) paid += acts[i];
    assert_true(paid > 0); /* the hedged policy did buy calls */
    free(acts);
    vr_h5_close(r1);
    vr_h5_close(r2);
    if (system("command -v h5dump > /dev/null 2>&1") == 0) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "h5dump -A %s", h1);
        assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
        assert_non_null(strstr(out, "es99"));
    }
}

static void test_run_config_errors(void **state)
{
    (void)state;
    static const struct { const char *name, *yaml, *want1, *want2; } bad[] = {
        {"wing.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\ncondor:\n  wing_width: 52\npolicies:\n  - name: p\n",
         ":6: condor.wing_width", "multiple of 5"},
        {"delta.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n    condor:\n      short_delta: 0.7\n",
         ":8: policies[0].condor.short_delta", "(0, 0.5)"},
        {"dte.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\ncondor: {dte: 0}\npolicies:\n  - name: p\n",
         ":5: condor.dte", "[1, 365]"},
        {"pt.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\ncondor: {profit_take: 1.5}\npolicies:\n  - name: p\n",
         ":5: condor.profit_take", "[0, 1]"},
        {"trig.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n    layers:\n      - trigger: {cooldown_days: 2}\n        action: {delta: 0.2, size: {by: contracts, value: 1}}\n",
         ":8: policies[0].layers[0].trigger", "no condition"},
        {"model.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model:\n      type: heston\n      spot: 100\n      v0: 0.04\n      physical: {kappa: -2, theta: 0.04, sigma: 0.5, rho: -0.7}\npolicies:\n  - name: p\n",
         ":8: scenarios[0].model.physical.kappa", "(0, 100]"},
        {"base.yaml", "simulation: {paths: 10, baseline: nope}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n",
         ":1: simulation.baseline", "not a policy"},
        {"key.yaml", "simulation: {paths: 10, horizon: 5}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n",
         ":1: simulation.horizon", "unknown key"},
    };
    char out[4096], args[1200], h[600];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *cfg = write_cfg(bad[i].name, bad[i].yaml);
        snprintf(h, sizeof h, "%s/bad%zu.h5", dir, i);
        snprintf(args, sizeof args, "run %s -o %s --quiet", cfg, h);
        const int rc = run(args, out, sizeof out);
        printf("%-10s rc %d: %s", bad[i].name, rc, out);
        assert_int_equal(rc, 2);
        assert_non_null(strstr(out, bad[i].want1));
        assert_non_null(strstr(out, bad[i].want2));
        struct stat sb;
        assert_int_not_equal(stat(h, &sb), 0); /* nothing written */
    }
}

/* SIGINT in the middle of a run: no file under the final name, no temporary left behind. */
static void test_interrupted_run(void **state)
{
    (void)state;
    const char *cfg = write_cfg("long.yaml",
        "simulation: {paths: 400000, horizon_days: 252, seed: 1}\n"
        "scenarios:\n  - name: a\n    model: {type: heston, spot: 5000, rate: 0.03, v0: 0.03, physical: {kappa: 2, theta: 0.03, sigma: 0.5, rho: -0.7}}\n"
        "policies:\n  - name: p\n");
    char h[600];
    snprintf(h, sizeof h, "%s/int.h5", dir);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", 1);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(VIXRISK_CLI, "vixrisk", "run", cfg, "-o", h, "--quiet", (char *)NULL);
        _exit(127);
    }
    sleep(3);
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
    struct stat sb;
    assert_int_not_equal(stat(h, &sb), 0);
    char cmd[700], out[1024];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp", dir);
    vr_run_capture(cmd, out, sizeof out);
    assert_int_equal(atoi(out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_and_read_back),
        cmocka_unit_test(test_run_config_errors),
        cmocka_unit_test(test_interrupted_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
