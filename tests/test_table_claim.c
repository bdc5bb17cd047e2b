/* test_table_claim.c: the table store's claim (vr_table_store_claim, pricing/table_store.c).
 *
 * - Two processes that miss the same table set at the same moment build it once: one builds and
 *   stores it, the other waits for that and loads the file (stored 1 and loaded 1 in all, where
 *   without the claim both build and both store); their marks are the same bits.
 * - Every lock file's name taken by a symlink (to a name that does not exist) or by a directory:
 *   the build goes on unclaimed and stores its file, and nothing is made at the symlinks' targets.
 *
 * The processes are forked before this program has started any OpenMP thread (libgomp's threads do
 * not survive a fork), so the first test must stay first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vixrisk/vr_pricing.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("claim", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    vr_table_store_set(NULL, NULL);
    return vr_test_rmdir(dir);
}

static vr_model svcj_model(void)
{
    vr_model m = {.type = VR_MODEL_SVCJ, .spot = 100, .rate = 0.04, .dividend = 0.013, .v0 = 0.03,
                  .physical = {.kappa = 3, .theta = 0.025, .sigma = 0.45, .rho = -0.7, .lambda = 1.0,
                               .mu_v = 0.05, .mu_s = -0.04, .sigma_s = 0.05, .rho_j = -0.5}};
    m.pricing = m.physical;
    m.pricing.theta = 0.031;
    return m;
}

/* The .vrt files in the store. */
static int store_files(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const size_t l = strlen(e->d_name);
        n += l > 4 && strcmp(e->d_name + l - 4, ".vrt") == 0;
    }
    closedir(d);
    return n;
}

/* What a child reports: its store counts, whether its tables came from the store, a mark. */
typedef struct report {
    int hits, stored, failed, from_store;
    double mark;
} report;

/* A child: wait for the start, build the VIX tables of the model with the store on, report. */
static void child(int go, int out)
{
    char c;
    if (read(go, &c, 1) != 1)
        _exit(3);
    vr_err err = {VR_OK, ""};
    if (vr_table_store_set(dir, &err) != VR_OK)
        _exit(4);
    const vr_model m = svcj_model();
    vr_pricing *pr = NULL;
    if (vr_pricing_build_only(&m, 0.5, VR_UL_VIX, &pr, &err) != VR_OK)
        _exit(5);
    vr_table_store_counts k;
    vr_table_store_stats(&k);
    const vr_instrument in = {VR_INST_VIX_OPTION, 1, 21.0, 30.0 / 365};
    const vr_state st = {0, 100, {0.05}};
    const report r = {(int)k.hits, (int)k.stored, (int)k.failed, vr_pricing_from_store(pr),
                      vr_pricing_mark(pr, &in, &st, 0).price};
    vr_pricing_destroy(pr);
    _exit(write(out, &r, sizeof r) == (ssize_t)sizeof r ? 0 : 6);
}

static void test_two_processes(void **state)
{
    (void)state;
    int go[2], out[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid[2];
    for (int i = 0; i < 2; i++) {
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] == 0) {
            close(go[1]);
            close(out[0]);
            child(go[0], out[1]);
        }
    }
    close(go[0]);
    close(out[1]);
    /* both at once: each misses the store (an empty directory) */
    assert_int_equal(write(go[1], "gg", 2), 2);
    close(go[1]);
    report r[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(read(out[0], &r[i], sizeof r[i]), (ssize_t)sizeof r[i]);
    close(out[0]);
    for (int i = 0; i < 2; i++) {
        int ws = 0;
        assert_int_equal(waitpid(pid[i], &ws, 0), pid[i]);
        assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    }
    printf("  two processes at once: stored %d + %d, loaded %d + %d\n", r[0].stored, r[1].stored,
           r[0].hits, r[1].hits);
    assert_int_equal(r[0].stored + r[1].stored, 1);
    assert_int_equal(r[0].hits + r[1].hits, 1);
    assert_int_equal(r[0].failed + r[1].failed, 0);
    assert_int_equal(r[0].from_store + r[1].from_store, 1);
    assert_memory_equal(&r[0].mark, &r[1].mark, sizeof r[0].mark);
    assert_true(r[0].mark > 0);
    assert_int_equal(store_files(), 1);
}

/* Every lock file's name: a symlink to a missing file under dir/away, or a directory. */
static void occupy_lock_names(int as_dir)
{
    char p[512], t[512];
    snprintf(p, sizeof p, "%s/away", dir);
    assert_true(mkdir(p, 0700) == 0 || as_dir);
    for (int i = 0; i < 64; i++) {
        snprintf(p, sizeof p, "%s/.vrlock-%02x", dir, i);
        snprintf(t, sizeof t, "%s/away/%02x", dir, i);
        assert_int_equal(as_dir ? mkdir(p, 0700) : symlink(t, p), 0);
    }
}

static void test_lock_names_taken(void **state)
{
    (void)state;
    char p[512];
    vr_err err = {VR_OK, ""};
    for (int as_dir = 0; as_dir < 2; as_dir++) {
        /* a fresh store each time, its lock names taken before any build */
        assert_int_equal(vr_test_rmdir(dir), 0);
        assert_int_equal(mkdir(dir, 0700), 0);
        occupy_lock_names(as_dir);
        assert_int_equal(vr_table_store_set(dir, &err), VR_OK);
        vr_table_store_counts k0, k1;
        vr_table_store_stats(&k0);
        const vr_model m = svcj_model();
        vr_pricing *pr = NULL;
        assert_int_equal(vr_pricing_build_only(&m, 0.5, VR_UL_VIX, &pr, &err), VR_OK);
        assert_int_equal(vr_pricing_from_store(pr), 0);
        vr_pricing_destroy(pr);
        vr_table_store_stats(&k1);
        assert_int_equal(k1.stored - k0.stored, 1);
        assert_int_equal(store_files(), 1);
        for (int i = 0; i < 64; i++) {
            struct stat sb;
            snprintf(p, sizeof p, "%s/away/%02x", dir, i);
            assert_int_equal(lstat(p, &sb), -1); /* no file made through a symlink */
            snprintf(p, sizeof p, "%s/.vrlock-%02x", dir, i);
            assert_int_equal(lstat(p, &sb), 0);
            assert_true(as_dir ? S_ISDIR(sb.st_mode) : S_ISLNK(sb.st_mode));
        }
        printf("  lock names taken by %s: built unclaimed and stored\n",
               as_dir ? "directories" : "symlinks");
        vr_table_store_set(NULL, NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_processes), /* first: it forks (see the top) */
        cmocka_unit_test(test_lock_names_taken),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
