/* test_h5_ranges.c: the reader never clips an integer silently. A file from elsewhere may store a
 * trade log's int32 columns as int64, or an integer attribute (seed, paths) as uint64; libhdf5's
 * conversion clips what does not fit (5e9 -> 2147483647, 2^64-1 -> INT64_MAX) without an error,
 * so the report printed a wrong path index or seed as if it were the file's. A value that fits is
 * read exactly; one that does not is a data error naming the object. The files are made with
 * h5py (vixrisk never writes these types); skipped without python3-h5py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_test_util.h"
#include "vixrisk/vr_h5.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("h5ranges", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

typedef struct row {
    int32_t path, day;
    double cash;
    char reason[16];
} row;

/* A file with /t (compound: path int64 = big_path, day int16, cash float64, reason S16) and root
 * attributes seed (uint64 = seed) and paths (uint32 = 7). 0 if h5py is missing. */
static int make_file(const char *path, const char *big_path, const char *seed)
{
    if (system("/usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null") != 0)
        return 0;
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import h5py, numpy as np\n"
             "t = np.zeros(2, dtype=[(\"path\", \"<i8\"), (\"day\", \"<i2\"), (\"cash\", \"<f8\"), (\"reason\", \"S16\")])\n"
             "t[\"path\"] = [3, %s]\n"
             "t[\"day\"] = [-4, 250]\n"
             "t[\"cash\"] = [1.5, -2.5]\n"
             "t[\"reason\"] = [b\"open\", b\"expiry\"]\n"
             "with h5py.File(\"%s\", \"w\") as f:\n"
             "    f[\"t\"] = t\n"
             "    f.attrs[\"seed\"] = np.uint64(%s)\n"
             "    f.attrs[\"paths\"] = np.uint32(7)\n'",
             big_path, path, seed);
    assert_int_equal(system(cmd), 0);
    return 1;
}

static vr_status read_rows(const char *path, row **rows, size_t *n, vr_err *err)
{
    static const vr_h5_col cols[4] = {
        {"path", VR_H5_COL_I32, offsetof(row, path), 4},
        {"day", VR_H5_COL_I32, offsetof(row, day), 4},
        {"cash", VR_H5_COL_F64, offsetof(row, cash), 8},
        {"reason", VR_H5_COL_STR, offsetof(row, reason), sizeof(((row *)0)->reason)},
    };
    vr_h5_reader *r = NULL;
    vr_status st = vr_h5_open_read(path, &r, err);
    void *data = NULL;
    if (st == VR_OK)
        st = vr_h5_read_table(r, "/t", cols, 4, sizeof(row), 100, &data, n, err);
    vr_h5_close(r);
    *rows = data;
    return st;
}

static void test_table_int_range(void **state)
{
    (void)state;
    char f[512];
    snprintf(f, sizeof f, "%s/ok.h5", dir);
    if (!make_file(f, "2147483647", "12345")) {
        printf("no python3-h5py: skipped\n");
        skip();
    }
    vr_err err = {VR_OK, ""};
    row *rows = NULL;
    size_t n = 0;
    /* in range: read exactly, whatever the file's integer widths */
    if (read_rows(f, &rows, &n, &err) != VR_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].path, 3);
    assert_int_equal(rows[1].path, 2147483647);
    assert_int_equal(rows[0].day, -4);
    assert_int_equal(rows[1].day, 250);
    assert_true(rows[1].cash == -2.5);
    assert_string_equal(rows[1].reason, "expiry");
    free(rows);
    rows = NULL;
    /* out of range, above and below: an error naming the dataset, not a clipped 2147483647 */
    static const char *const bad[2] = {"5000000000", "-2147483649"};
    for (int k = 0; k < 2; k++) {
        snprintf(f, sizeof f, "%s/bad%d.h5", dir, k);
        assert_true(make_file(f, bad[k], "1"));
        vr_err_clear(&err);
        const vr_status st = read_rows(f, &rows, &n, &err);
        if (st == VR_OK)
            fail_msg("path %s read as %d, without an error", bad[k], (int)rows[1].path);
        printf("%s: %s\n", bad[k], err.msg);
        assert_int_equal(vr_status_exit_code(st), 1);
        assert_non_null(strstr(err.msg, "/t"));
        assert_non_null(strstr(err.msg, "does not fit"));
        free(rows);
        rows = NULL;
    }
}

static void test_attr_uint64(void **state)
{
    (void)state;
    char f[512];
    snprintf(f, sizeof f, "%s/seed.h5", dir);
    if (!make_file(f, "1", "9223372036854775807")) {
        printf("no python3-h5py: skipped\n");
        skip();
    }
    vr_err err = {VR_OK, ""};
    vr_h5_reader *r = NULL;
    int64_t v = 0;
    if (vr_h5_open_read(f, &r, &err) != VR_OK || vr_h5_read_attr_int64(r, "/", "seed", &v, &err) != VR_OK)
        fail_msg("%s", err.msg);
    assert_true(v == INT64_MAX); /* the largest that fits, exactly */
    if (vr_h5_read_attr_int64(r, "/", "paths", &v, &err) != VR_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(v, 7);
    vr_h5_close(r);
    r = NULL;
    snprintf(f, sizeof f, "%s/seed_big.h5", dir);
    assert_true(make_file(f, "1", "18446744073709551615"));
    if (vr_h5_open_read(f, &r, &err) != VR_OK)
        fail_msg("%s", err.msg);
    vr_err_clear(&err);
    const vr_status st = vr_h5_read_attr_int64(r, "/", "seed", &v, &err);
    if (st == VR_OK)
        fail_msg("a uint64 seed of 2^64-1 read as %lld, without an error", (long long)v);
    printf("%s\n", err.msg);
    assert_int_equal(vr_status_exit_code(st), 1);
    assert_non_null(strstr(err.msg, "'seed'"));
    vr_h5_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_table_int_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attr_uint64, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
