/* test_run_pipe.c: `vixrisk run` whose standard output is a pipe nobody reads any more
 * (`vixrisk run cfg -o out.h5 | head -1`, the reader gone before the run prints). The run file is in
 * place before the console tables are printed, so the run leaves out.h5, complete, and nothing else:
 * it used to print the verdict and the tables first, die of SIGPIPE on the first write and leave its
 * hidden temporary .vr<pid>*.tmp beside the output. The exit status says the console was lost
 * (killed by SIGPIPE, or exit 1 where SIGPIPE is ignored). A reader of the standard error gone
 * mid-run kills the run with SIGPIPE and leaves nothing (test_closed_stderr_pipe). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vixrisk/vr_h5.h"
#include "vr_test_util.h"

/* Two scenarios and a sweep of 8 values: a console output of tens of KB, beyond any stdio buffer,
 * so it is written while the run is still running, not at its exit. */
static const char cfg_text[] =
    "simulation:\n"
    "  paths: 200\n"
    "  horizon_days: 5\n"
    "  seed: 3\n"
    "  threads: 1\n"
    "  sample_paths: 0\n"
    "  trade_log_paths: 0\n"
    "  baseline: unhedged\n"
    "scenarios:\n"
    "  - name: first\n"
    "    model: &m\n"
    "      type: heston\n"
    "      spot: 5000.0\n"
    "      rate: 0.04\n"
    "      dividend: 0.013\n"
    "      v0: 0.03\n"
    "      physical: {kappa: 3.0, theta: 0.03, sigma: 0.6, rho: -0.75}\n"
    "      pricing:  {kappa: 2.4, theta: 0.035, sigma: 0.6, rho: -0.75}\n"
    "  - name: second\n"
    "    model: *m\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: static\n"
    "    layers:\n"
    "      - name: sleeve\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: pct_of_credit, value: 0.10}}\n"
    "sweep:\n"
    "  - {policy: static, key: \"layers[0].action.size.value\",\n"
    "     values: [0.01, 0.02, 0.03, 0.05, 0.08, 0.13, 0.21, 0.34]}\n";

/* `vixrisk run CFG -o DIR/out/out.h5` with file descriptor `closed` (1 or 2) a pipe whose reader is
 * gone and the other of the two on /dev/null (env VIXRISK_DATA set when data is given); the wait
 * status. cfg_file is written into dir, out gets the output's path. */
static int run_closed(const char *dir, const char *cfg_file, const char *text, int closed,
                      const char *data, char *out, size_t cap)
{
    char od[600], cfgpath[512];
    const char *cfg = vr_test_write(dir, cfg_file, text);
    assert_non_null(cfg);
    snprintf(cfgpath, sizeof cfgpath, "%s", cfg);
    snprintf(od, sizeof od, "%s/out", dir);
    assert_int_equal(mkdir(od, 0755), 0);
    snprintf(out, cap, "%s/out.h5", od);
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        close(fd[0]); /* no reader: every write to it fails */
        dup2(fd[1], closed);
        close(fd[1]);
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, closed == 1 ? 2 : 1);
        if (data != NULL)
            setenv("VIXRISK_DATA", data, 1);
        execl(VIXRISK_CLI, VIXRISK_CLI, "run", cfgpath, "-o", out, (char *)NULL);
        _exit(127);
    }
    close(fd[0]);
    close(fd[1]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    printf("vixrisk run with fd %d a closed pipe: %s %d\n", closed,
           WIFSIGNALED(status) ? "killed by signal" : "exit",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return status;
}

/* The entries of dir/out (printed); *found = 1 if one of them is out.h5. */
static int out_entries(const char *dir, int *found)
{
    char od[600];
    snprintf(od, sizeof od, "%s/out", dir);
    DIR *h = opendir(od);
    assert_non_null(h);
    int n = 0;
    *found = 0;
    struct dirent *e;
    while ((e = readdir(h)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        printf("  left in the output directory: %s\n", e->d_name);
        *found |= strcmp(e->d_name, "out.h5") == 0;
    }
    closedir(h);
    return n;
}

static void test_closed_stdout_pipe(void **state)
{
    (void)state;
    char dir[256], out[512];
    assert_int_equal(vr_test_tmpdir("run-pipe", dir, sizeof dir), 0);
    const int status = run_closed(dir, "p.yaml", cfg_text, 1, NULL, out, sizeof out);
    assert_true((WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) ||
                (WIFEXITED(status) && WEXITSTATUS(status) == 1));
    /* the output directory holds out.h5 and nothing else */
    int found = 0;
    assert_int_equal(out_entries(dir, &found), 1);
    assert_true(found);
    /* and it is a whole run file: the verdict is its last attribute */
    vr_h5_reader *r = NULL;
    vr_err err = {0};
    char *verdict = NULL;
    if (vr_h5_open_read(out, &r, &err) != VR_OK)
        fail_msg("open %s: %s", out, err.msg);
    assert_int_equal(vr_h5_read_attr_str(r, "/", "verdict", &verdict, &err), VR_OK);
    assert_non_null(strstr(verdict, "static@"));
    free(verdict);
    double des = 0;
    assert_int_equal(vr_h5_read_attr_double(r, "/second/static", "d_es99", &des, &err), VR_OK);
    vr_h5_close(r);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* The same with the standard error's reader gone (`vixrisk run cfg 2>&1 >/dev/null | head`): the
 * run's first note to stderr comes mid-run, from the history replay after the model scenario (no
 * tail warning at load with 10,000 paths). SIGPIPE had no handler: the run died there and left
 * its temporary file. Now the handler removes it: nothing is left, the status is 141. Skips
 * without the shared data. */
static const char cfg_replay[] =
    "simulation:\n"
    "  paths: 10000\n"
    "  horizon_days: 5\n"
    "  seed: 3\n"
    "  threads: 1\n"
    "  sample_paths: 0\n"
    "  trade_log_paths: 0\n"
    "  baseline: unhedged\n"
    "scenarios:\n"
    "  - name: model\n"
    "    model: &m\n"
    "      type: svcj\n"
    "      spot: 5000.0\n"
    "      rate: 0.04\n"
    "      dividend: 0.013\n"
    "      v0: 0.02\n"
    "      physical: {kappa: 3.0, theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.8, mu_v: 0.04,\n"
    "                 mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6}\n"
    "      pricing: {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.2, mu_v: 0.05,\n"
    "                mu_s: -0.04, sigma_s: 0.05, rho_j: -0.6}\n"
    "  - {name: replay_2018, type: history, window: {from: 2017-12-01, to: 2018-06-29}, model: *m}\n"
    "policies:\n"
    "  - name: unhedged\n";

static void test_closed_stderr_pipe(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[256], out[512];
    assert_int_equal(vr_test_tmpdir("run-pipe2", dir, sizeof dir), 0);
    const int status = run_closed(dir, "r.yaml", cfg_replay, 2, VR_TEST_DATA_DIR, out, sizeof out);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
    int found = 0;
    assert_int_equal(out_entries(dir, &found), 0);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_stdout_pipe),
        cmocka_unit_test(test_closed_stderr_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
