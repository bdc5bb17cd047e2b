/* test_outfile_mode.c: an output that replaces an existing file keeps that file's permission bits
 * (vr_outfile_commit): a run file or report made private (0600, 0640) is not replaced by a
 * world-readable one (the temporary is created 0666 & ~umask); a new file still follows the umask.
 * Checked through vr_outfile directly and through the HDF5 writer (vr_h5_create, vr_h5_commit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vr_test_util.h"
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_outfile.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    umask(022);
    return vr_test_tmpdir("outmode", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void make_file(const char *path, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old\n", f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* Replace path through vr_outfile with a text file. */
static void replace_text(const char *path)
{
    vr_outfile o;
    vr_err err = {VR_OK, ""};
    if (vr_outfile_prepare(&o, path, NULL, NULL, 0, &err) != VR_OK || vr_outfile_begin(&o, &err) != VR_OK)
        fail_msg("%s", err.msg);
    FILE *f = fopen(o.tmp, "w");
    assert_non_null(f);
    fputs("new\n", f);
    fclose(f);
    if (vr_outfile_commit(&o, &err) != VR_OK)
        fail_msg("%s", err.msg);
}

static void test_outfile_keeps_mode(void **state)
{
    (void)state;
    static const mode_t modes[] = {0600, 0640, 0444, 0660};
    char path[512];
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        snprintf(path, sizeof path, "%s/r%zu.txt", dir, i);
        make_file(path, modes[i]);
        replace_text(path);
        char *txt = vr_test_slurp(path);
        assert_non_null(txt);
        assert_string_equal(txt, "new\n");
        free(txt);
        if (mode_of(path) != modes[i])
            fail_msg("replaced a %04o file: the new one is %04o", (unsigned)modes[i], (unsigned)mode_of(path));
    }
    /* a new file: 0666 & ~umask, as before */
    snprintf(path, sizeof path, "%s/fresh.txt", dir);
    replace_text(path);
    assert_int_equal(mode_of(path), 0644);
    /* set-id bits are never carried over */
    snprintf(path, sizeof path, "%s/setid.txt", dir);
    make_file(path, 02750);
    replace_text(path);
    assert_int_equal(mode_of(path), 0750);
}

static void test_h5_keeps_mode(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/run.h5", dir);
    make_file(path, 0600);
    vr_h5 *w = NULL;
    vr_err err = {VR_OK, ""};
    const double v[3] = {1, 2, 3};
    if (vr_h5_create(path, &w, &err) != VR_OK || vr_h5_write_f64(w, "/s/pnl", v, 3, 0, &err) != VR_OK ||
        vr_h5_commit(w, &err) != VR_OK)
        fail_msg("%s", err.msg);
    if (mode_of(path) != 0600)
        fail_msg("replaced a 0600 run file: the new one is %04o", (unsigned)mode_of(path));
    vr_h5_reader *r = NULL;
    double *back = NULL;
    size_t n = 0;
    if (vr_h5_open_read(path, &r, &err) != VR_OK || vr_h5_read_f64(r, "/s/pnl", &back, &n, &err) != VR_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(n, 3);
    assert_true(back[2] == 3.0);
    free(back);
    vr_h5_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outfile_keeps_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_h5_keeps_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
