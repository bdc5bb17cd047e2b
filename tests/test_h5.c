/* test_h5.c: the HDF5 result file (vr_h5.h).
 *
 * Round trip of datasets (f64/f32/i32, 1-D and 2-D, compressed or not, empty) and attributes
 * (strings larger than HDF5's 64 KiB attribute limit, int64, double, double arrays); the chunk rule;
 * the atomic protocol (nothing under the final name before commit, no temp file after abort,
 * commit replaces an existing file); clear errors for missing objects and non-HDF5 files; and,
 * when the tools are installed, that h5dump and h5py (+ pandas) read the file without vixrisk. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/runfile_write.h"
#include "vixrisk/vr_h5.h"
#include "vr_test_util.h"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vr_h5_test_XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/run.h5", f->dir);
    *state = f;
    return 0;
}

/* number of entries in dir (excluding . and ..); deletes them if wipe */
static int dir_entries(const char *dir, int wipe)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        if (wipe) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    return n;
}

static int teardown(void **state)
{
    fixture *f = *state;
    dir_entries(f->dir, 1);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

#define OK(call)                                                                                 \
    do {                                                                                         \
        vr_err e_ = {0};                                                                         \
        vr_status s_ = (call);                                                                   \
        if (s_ != VR_OK)                                                                         \
            fprintf(stderr, "%s failed: %s\n", #call, e_.msg);                                   \
        assert_int_equal(s_, VR_OK);                                                             \
    } while (0)
/* the calls inside OK() name their error record e_ */

enum { NP = 300000, NS = 64, NT = 253 };

/* A file like the engine writes: root metadata, two policies of one scenario, sample paths. */
static void write_sample(const char *path, double *pnl, float *dd, int32_t *ev, float *paths,
                         char *config, int commit)
{
    for (size_t i = 0; i < NP; i++) {
        pnl[i] = sin(0.001 * (double)i) * 1e4 + (double)i * 1e-3;
        dd[i] = (float)(i % 1000) * 0.5f;
        ev[i] = (int32_t)(i % 7) - 3;
    }
    for (size_t i = 0; i < (size_t)NS * NT; i++)
        paths[i] = (float)(4000.0 + (double)i * 0.25);
    vr_h5 *w = NULL;
    OK(vr_h5_create(path, &w, &e_));
    assert_false(file_exists(path));
    assert_true(file_exists(vr_h5_temp_path(w)));
    OK(vr_h5_attr_str(w, "/", "config", config, &e_));
    OK(vr_h5_attr_int64(w, "/", "seed", INT64_C(-9007199254740993), &e_));
    OK(vr_h5_attr_str(w, "/", "isa", "avx512", &e_));
    OK(vr_h5_attr_double(w, "/", "version", 1.0, &e_));
    OK(vr_h5_attr_double(w, "/", "version", 2.0, &e_)); /* replaces */
    /* creation order (zeta before alpha) differs from name order */
    OK(vr_h5_group(w, "/base/zeta", &e_));
    OK(vr_h5_group(w, "/base/zeta", &e_)); /* idempotent */
    OK(vr_h5_write_f64(w, "/base/zeta/pnl", pnl, NP, 0, &e_));
    OK(vr_h5_write_f32(w, "/base/zeta/drawdown", dd, NP, 0, &e_));
    OK(vr_h5_write_i32(w, "/base/zeta/events", ev, NP, 0, &e_));
    const double q[3] = {-1.5, 0.25, 1e300};
    OK(vr_h5_attr_double_array(w, "/base/zeta/pnl", "quantiles", q, 3, &e_));
    OK(vr_h5_attr_double(w, "/base/zeta", "es99", 1234.5, &e_));
    /* parents created on the fly by the dataset write */
    OK(vr_h5_write_f64(w, "/base/alpha/pnl", pnl, NP, 4, &e_));
    OK(vr_h5_write_f64(w, "/base/alpha/empty", NULL, 0, 0, &e_));
    OK(vr_h5_write_f32_2d(w, "/base/samples/spx", paths, NS, NT, &e_));
    OK(vr_h5_write_f64_2d(w, "/base/samples/wide", pnl, 1000, 300, &e_));
    OK(vr_h5_write_f64_2d(w, "/base/samples/longrow", pnl, 2, 150000, &e_));
    if (commit) {
        OK(vr_h5_commit(w, &e_));
    } else {
        vr_h5_abort(w);
    }
}

static char *big_config(void)
{
    const size_t n = 50000; /* a large config: a fixed-length string attribute holds up to VR_H5_STR_MAX */
    char *c = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        c[i] = (i % 80 == 79) ? '\n' : (char)('a' + i % 26);
    static const char head[] = "model: svcj # \xcf\x83 utf-8\n";
    memcpy(c, head, sizeof head - 1);
    c[n] = '\0';
    return c;
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    double *pnl = malloc(NP * sizeof *pnl);
    float *dd = malloc(NP * sizeof *dd), *paths = malloc((size_t)NS * NT * sizeof *paths);
    int32_t *ev = malloc(NP * sizeof *ev);
    char *config = big_config();
    write_sample(f->path, pnl, dd, ev, paths, config, 1);
    assert_int_equal(dir_entries(f->dir, 0), 1); /* the temp file was renamed */

    vr_h5_reader *r = NULL;
    OK(vr_h5_open_read(f->path, &r, &e_));
    double *x = NULL;
    size_t n = 0;
    OK(vr_h5_read_f64(r, "/base/zeta/pnl", &x, &n, &e_));
    assert_int_equal(n, NP);
    assert_int_equal(memcmp(x, pnl, NP * sizeof *x), 0);
    free(x);
    OK(vr_h5_read_f64(r, "/base/alpha/pnl", &x, &n, &e_)); /* compressed */
    assert_int_equal(n, NP);
    assert_int_equal(memcmp(x, pnl, NP * sizeof *x), 0);
    free(x);
    OK(vr_h5_read_f64(r, "/base/zeta/drawdown", &x, &n, &e_));
    assert_int_equal(n, NP);
    for (size_t i = 0; i < NP; i++)
        assert_true(x[i] == (double)dd[i]);
    free(x);
    OK(vr_h5_read_f64(r, "/base/zeta/events", &x, &n, &e_));
    for (size_t i = 0; i < NP; i++)
        assert_true(x[i] == (double)ev[i]);
    free(x);
    OK(vr_h5_read_f64(r, "/base/samples/spx", &x, &n, &e_));
    assert_int_equal(n, (size_t)NS * NT);
    for (size_t i = 0; i < n; i++)
        assert_true(x[i] == (double)paths[i]);
    free(x);
    x = (double *)1;
    OK(vr_h5_read_f64(r, "/base/alpha/empty", &x, &n, &e_));
    assert_int_equal(n, 0);
    assert_null(x);

    char *s = NULL;
    OK(vr_h5_read_attr_str(r, "/", "config", &s, &e_));
    assert_string_equal(s, config);
    free(s);
    int64_t seed = 0;
    OK(vr_h5_read_attr_int64(r, "/", "seed", &seed, &e_));
    assert_true(seed == INT64_C(-9007199254740993));
    double v = 0;
    OK(vr_h5_read_attr_double(r, "/", "version", &v, &e_));
    assert_true(v == 2.0);
    OK(vr_h5_read_attr_double(r, "/base/zeta", "es99", &v, &e_));
    assert_true(v == 1234.5);
    OK(vr_h5_read_attr_double(r, "/", "seed", &v, &e_)); /* int64 converted */
    assert_true(v == -9007199254740992.0);

    char **names = NULL;
    size_t count = 0;
    OK(vr_h5_list_groups(r, "/", &names, &count, &e_));
    assert_int_equal(count, 1);
    assert_string_equal(names[0], "base");
    vr_h5_free_names(names, count);
    OK(vr_h5_list_groups(r, "/base", &names, &count, &e_));
    assert_int_equal(count, 3);
    assert_string_equal(names[0], "zeta"); /* creation order */
    assert_string_equal(names[1], "alpha");
    assert_string_equal(names[2], "samples");
    vr_h5_free_names(names, count);
    OK(vr_h5_list_groups(r, "/base/zeta", &names, &count, &e_)); /* only datasets inside */
    assert_int_equal(count, 0);
    assert_null(names);

    assert_true(vr_h5_exists(r, "/base/zeta/pnl"));
    assert_true(vr_h5_exists(r, "/"));
    assert_false(vr_h5_exists(r, "/base/nope/pnl"));
    assert_false(vr_h5_exists(r, "nope"));
    vr_h5_close(r);
    free(pnl);
    free(dd);
    free(paths);
    free(ev);
    free(config);
}

static void test_chunks(void **state)
{
    fixture *f = *state;
    double *pnl = malloc(NP * sizeof *pnl);
    float *dd = malloc(NP * sizeof *dd), *paths = malloc((size_t)NS * NT * sizeof *paths);
    int32_t *ev = malloc(NP * sizeof *ev);
    char *config = big_config();
    write_sample(f->path, pnl, dd, ev, paths, config, 1);
    /* plus the edges of the rule: exactly 1 MiB, one element more */
    vr_h5 *w = NULL;
    char p2[160];
    snprintf(p2, sizeof p2, "%s/edges.h5", f->dir);
    OK(vr_h5_create(p2, &w, &e_));
    OK(vr_h5_write_f64(w, "/a", pnl, 131072, 0, &e_));
    OK(vr_h5_write_f64(w, "/b", pnl, 131073, 0, &e_));
    OK(vr_h5_write_f64(w, "/small", pnl, 10, 0, &e_));
    OK(vr_h5_commit(w, &e_));

    struct { const char *file, *path; size_t c0, c1; int deflate; } want[] = {
        {f->path, "/base/zeta/pnl", 100000, 0, 0},     /* 2.4 MB -> 3 chunks of 800 kB */
        {f->path, "/base/zeta/drawdown", 150000, 0, 0}, /* 1.2 MB -> 2 chunks of 600 kB */
        {f->path, "/base/alpha/pnl", 100000, 0, 4},
        {f->path, "/base/samples/spx", NS, NT, 0},     /* 64 kB: one chunk */
        {f->path, "/base/samples/wide", 334, 300, 0},  /* whole rows, 3 chunks of ~800 kB */
        {f->path, "/base/samples/longrow", 1, 75000, 0}, /* a 1.2 MB row is split */
        {f->path, "/base/alpha/empty", 0, 0, 0},      /* contiguous */
        {p2, "/a", 131072, 0, 0},
        {p2, "/b", 65537, 0, 0},
        {p2, "/small", 10, 0, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        vr_h5_reader *r = NULL;
        vr_h5_dset_info in;
        OK(vr_h5_open_read(want[i].file, &r, &e_));
        OK(vr_h5_dset_info_get(r, want[i].path, &in, &e_));
        const size_t bytes = in.chunk[0] * (in.rank == 2 ? in.chunk[1] : 1) * in.elem_size;
        printf("%-22s rank %d dims %zu x %zu chunk %zu x %zu (%zu bytes) deflate %d shuffle %d\n",
               want[i].path, in.rank, in.dims[0], in.dims[1], in.chunk[0], in.chunk[1], bytes,
               in.deflate, in.shuffle);
        assert_int_equal(in.chunk[0], want[i].c0);
        assert_int_equal(in.chunk[1], want[i].c1);
        assert_int_equal(in.deflate, want[i].deflate);
        assert_int_equal(in.shuffle, want[i].deflate > 0);
        assert_true(bytes <= ((size_t)1 << 20));
        const size_t total = in.dims[0] * (in.rank == 2 ? in.dims[1] : 1) * in.elem_size;
        if (total > ((size_t)1 << 20))
            assert_true(bytes >= ((size_t)1 << 18)); /* >= 0.25 MiB */
        vr_h5_close(r);
    }
    free(pnl);
    free(dd);
    free(paths);
    free(ev);
    free(config);
}

static void test_abort_and_replace(void **state)
{
    fixture *f = *state;
    /* abort: the temp file goes, nothing appears under the final name */
    vr_h5 *w = NULL;
    OK(vr_h5_create(f->path, &w, &e_));
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", vr_h5_temp_path(w));
    printf("temp file: %s\n", tmp);
    assert_non_null(strstr(tmp, "/.vr")); /* vr_outfile's short temporary beside run.h5 */
    const double d[3] = {1, 2, 3};
    OK(vr_h5_write_f64(w, "/x/pnl", d, 3, 0, &e_));
    assert_true(file_exists(tmp));
    assert_false(file_exists(f->path));
    vr_h5_abort(w);
    assert_false(file_exists(tmp));
    assert_false(file_exists(f->path));
    assert_int_equal(dir_entries(f->dir, 0), 0);
    vr_h5_abort(NULL);

    /* two writers at once get different temp names */
    vr_h5 *w1 = NULL, *w2 = NULL;
    OK(vr_h5_create(f->path, &w1, &e_));
    OK(vr_h5_create(f->path, &w2, &e_));
    assert_string_not_equal(vr_h5_temp_path(w1), vr_h5_temp_path(w2));
    /* commit replaces an existing file */
    OK(vr_h5_attr_int64(w1, "/", "generation", 1, &e_));
    OK(vr_h5_commit(w1, &e_));
    OK(vr_h5_attr_int64(w2, "/", "generation", 2, &e_));
    vr_h5_reader *r = NULL;
    OK(vr_h5_open_read(f->path, &r, &e_)); /* a reader holding the old file keeps it */
    OK(vr_h5_commit(w2, &e_));
    int64_t g = 0;
    OK(vr_h5_read_attr_int64(r, "/", "generation", &g, &e_));
    assert_true(g == 1);
    vr_h5_close(r);
    OK(vr_h5_open_read(f->path, &r, &e_));
    OK(vr_h5_read_attr_int64(r, "/", "generation", &g, &e_));
    assert_true(g == 2);
    vr_h5_close(r);
    assert_int_equal(dir_entries(f->dir, 0), 1);

    /* failed commit (final name is a directory): temp removed, status EIO */
    char sub[200];
    snprintf(sub, sizeof sub, "%s/adir", f->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    char subf[220];
    snprintf(subf, sizeof subf, "%s/x", sub);
    FILE *fp = fopen(subf, "w");
    fclose(fp);
    vr_err err = {0};
    /* a directory target is refused before anything is written */
    assert_int_equal(vr_h5_create(sub, &w, &err), VR_EINVAL);
    printf("create over a directory: %s\n", err.msg);
    assert_int_equal(dir_entries(f->dir, 0), 2); /* run.h5 and adir */
    /* the target turns into a directory while the file is written: commit refuses, temp removed */
    char late[220];
    snprintf(late, sizeof late, "%s/late.h5", f->dir);
    vr_err_clear(&err);
    OK(vr_h5_create(late, &w, &e_));
    assert_int_equal(mkdir(late, 0700), 0);
    assert_true(vr_h5_commit(w, &err) != VR_OK);
    printf("commit over a directory: %s\n", err.msg);
    assert_int_equal(dir_entries(f->dir, 0), 3); /* run.h5, adir and late.h5/ */
    rmdir(late);
    unlink(subf);
    rmdir(sub);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    vr_h5 *w = NULL;
    vr_err err = {0};
    OK(vr_h5_create(f->path, &w, &e_));
    const double d[2] = {1, 2};
    OK(vr_h5_write_f64(w, "/s/p/pnl", d, 2, 0, &e_));
    assert_int_equal(vr_h5_write_f64(w, "/s/p/pnl", d, 2, 0, &err), VR_EINVAL);
    printf("duplicate: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "/s/p/pnl"));
    vr_err_clear(&err);
    assert_int_equal(vr_h5_write_f64(w, "/s/p/pnl/x", d, 2, 0, &err), VR_EINVAL);
    printf("under a dataset: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "not a group"));
    vr_err_clear(&err);
    assert_int_equal(vr_h5_write_f64(w, "s//x", d, 2, 0, &err), VR_EINVAL);
    vr_err_clear(&err);
    assert_int_equal(vr_h5_write_f64(w, "/s//x", d, 2, 0, &err), VR_EINVAL);
    vr_err_clear(&err);
    assert_int_equal(vr_h5_write_f64(w, "/s/q", d, 2, 12, &err), VR_EINVAL);
    vr_err_clear(&err);
    assert_int_equal(vr_h5_attr_double(w, "/nope", "a", 1.0, &err), VR_EHDF5);
    printf("attribute on a missing object: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "h5: attribute 'a' on /nope: "));
    vr_err_clear(&err);
    OK(vr_h5_commit(w, &e_));

    vr_h5_reader *r = NULL;
    OK(vr_h5_open_read(f->path, &r, &e_));
    double *x = NULL;
    size_t n = 0;
    assert_int_equal(vr_h5_read_f64(r, "/s/q/pnl", &x, &n, &err), VR_EHDF5);
    printf("missing dataset: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "h5: read /s/q/pnl: no such dataset"));
    vr_err_clear(&err);
    assert_int_equal(vr_h5_read_f64(r, "/s/p", &x, &n, &err), VR_EHDF5); /* a group: the file is not what a run file holds */
    printf("group read as dataset: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "h5: read /s/p: not a dataset"));
    vr_err_clear(&err);
    double v;
    assert_int_equal(vr_h5_read_attr_double(r, "/s", "nope", &v, &err), VR_EHDF5);
    printf("missing attribute: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "no such attribute"));
    vr_err_clear(&err);
    char **names = NULL;
    size_t count = 0;
    assert_int_equal(vr_h5_list_groups(r, "/zz", &names, &count, &err), VR_EHDF5);
    vr_h5_close(r);
    vr_err_clear(&err);

    /* not an HDF5 file; a missing file; an unwritable directory */
    char txt[200];
    snprintf(txt, sizeof txt, "%s/not.h5", f->dir);
    FILE *fp = fopen(txt, "w");
    fputs("hello\n", fp);
    fclose(fp);
    r = NULL;
    assert_int_equal(vr_h5_open_read(txt, &r, &err), VR_EHDF5);
    printf("not HDF5: %s\n", err.msg);
    assert_null(r);
    vr_err_clear(&err);
    unlink(txt);
    assert_int_equal(vr_h5_open_read("/nonexistent/run.h5", &r, &err), VR_EIO);
    printf("missing file: %s\n", err.msg);
    vr_err_clear(&err);
    char under_file[400];
    snprintf(under_file, sizeof under_file, "%s/dir/run.h5", f->path); /* the parent is a file */
    assert_true(vr_h5_create(under_file, &w, &err) != VR_OK);
    printf("bad directory: %s\n", err.msg);
}

/* The run file's writer is the last line against NaN and infinities: a per-path value or a
 * score that is not finite is a numerical failure (VR_ENUM, naming the dataset or score), never
 * stored; an optional score that is NaN (undefined) is left out. */
static void test_runfile_refuses_non_finite(void **state)
{
    fixture *f = *state;
    vr_policy pol;
    memset(&pol, 0, sizeof pol);
    snprintf(pol.name, sizeof pol.name, "p");
    enum { N = 4 };
    vr_path_out o;
    assert_true(vr_path_out_alloc(&o, N, 1));
    for (size_t i = 0; i < N; i++) {
        o.pnl[i] = (double)i;
        o.drawdown[i] = o.hedge_cost[i] = o.hedge_proceeds[i] = 0;
        o.trades[i] = 1;
        o.attr[i] = o.outlay[i] = 0;
    }
    vr_pol_summary ps;
    memset(&ps, 0, sizeof ps);
    ps.n = N;
    ps.score[VR_SCORE_SKEW] = NAN; /* undefined and optional: left out */
    ps.score[VR_SCORE_COST] = NAN;
    for (int c = 0; c < 3; c++) {
        vr_h5 *w = NULL;
        OK(vr_h5_create(f->path, &w, &e_));
        OK(vr_h5_group(w, "/s", &e_));
        o.pnl[2] = c == 1 ? INFINITY : 2.0;
        ps.score[VR_SCORE_STD] = c == 2 ? NAN : 1.0;
        vr_err err = {VR_OK, ""};
        const vr_status st = vr_rf_write_policy(w, "s", &pol, &o, N, &ps, "p", 0, &err);
        printf("case %d: %s\n", c, st == VR_OK ? "ok" : err.msg);
        vr_h5_abort(w);
        if (c == 0) {
            assert_int_equal(st, VR_OK);
            continue;
        }
        assert_int_equal(st, VR_ENUM);
        assert_non_null(strstr(err.msg, c == 1 ? "/s/p/pnl[2] is inf" : "/s/p: std is nan"));
    }
    vr_path_out_free(&o);
}

static void test_h5dump(void **state)
{
    fixture *f = *state;
    char out[65536];
    if (vr_run_capture("command -v h5dump", out, sizeof out) != 0) {
        printf("h5dump not installed (Debian hdf5-tools): skipped\n");
        skip();
    }
    double *pnl = malloc(NP * sizeof *pnl);
    float *dd = malloc(NP * sizeof *dd), *paths = malloc((size_t)NS * NT * sizeof *paths);
    int32_t *ev = malloc(NP * sizeof *ev);
    char *config = big_config();
    write_sample(f->path, pnl, dd, ev, paths, config, 1);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "h5dump -H -p '%s'", f->path);
    const int rc = vr_run_capture(cmd, out, sizeof out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "DATASET \"pnl\""));
    assert_non_null(strstr(out, "H5T_IEEE_F64LE"));
    assert_non_null(strstr(out, "CHUNKED ( 100000 )"));
    assert_non_null(strstr(out, "ATTRIBUTE \"seed\""));
    snprintf(cmd, sizeof cmd, "h5dump -d /base/zeta/pnl -s 2 -c 3 '%s'", f->path);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "(2):"));
    printf("h5dump reads the file (%zu bytes of header output checked)\n", strlen(out));
    free(pnl);
    free(dd);
    free(paths);
    free(ev);
    free(config);
}

static void test_h5py_pandas(void **state)
{
    fixture *f = *state;
    char out[4096];
    /* the first interpreter on PATH, then the distribution's (Debian python3-h5py installs there) */
    const char *py = NULL;
    static const char *const cand[] = {"python3", "/usr/bin/python3"};
    for (int i = 0; i < 2 && py == NULL; i++) {
        char probe[128];
        snprintf(probe, sizeof probe, "%s -c 'import h5py' 2>/dev/null", cand[i]);
        if (vr_run_capture(probe, out, sizeof out) == 0)
            py = cand[i];
    }
    if (py == NULL) {
        printf("python3 with h5py not available: skipped\n");
        skip();
    }
    double *pnl = malloc(NP * sizeof *pnl);
    float *dd = malloc(NP * sizeof *dd), *paths = malloc((size_t)NS * NT * sizeof *paths);
    int32_t *ev = malloc(NP * sizeof *ev);
    char *config = big_config();
    write_sample(f->path, pnl, dd, ev, paths, config, 1);
    double sum = 0;
    for (size_t i = 0; i < NP; i++)
        sum += pnl[i];
    /* the snippet documented in vr_h5.h */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s - '%s' <<'EOF' 2>&1\n"
             "import sys, h5py\n"
             "with h5py.File(sys.argv[1], 'r') as f:\n"
             "    g = f['base']\n"
             "    pnl = g['zeta']['pnl'][:]\n"
             "    cfg = f.attrs['config']\n"
             "    cfg = cfg.decode() if isinstance(cfg, bytes) else cfg\n"
             "    print('H5PY', len(pnl), repr(float(pnl.sum())), int(f.attrs['seed']), len(cfg),\n"
             "          list(g['zeta']['pnl'].attrs['quantiles']) == [-1.5, 0.25, 1e300])\n"
             "    try:\n"
             "        import pandas as pd\n"
             "    except ImportError:\n"
             "        print('NOPANDAS')\n"
             "        sys.exit(0)\n"
             "    df = pd.DataFrame({p: g[p]['pnl'][:] for p in ['zeta', 'alpha']})\n"
             "    print('PANDAS', df.shape[0], df.shape[1], bool((df['zeta'] == df['alpha']).all()))\n"
             "EOF",
             py, f->path);
    const int rc = vr_run_capture(cmd, out, sizeof out);
    printf("h5py/pandas (%s): %s", py, out);
    assert_int_equal(rc, 0);
    long n = 0, seed = 0, clen = 0;
    double s = 0;
    char qok[8] = "";
    assert_int_equal(sscanf(strstr(out, "H5PY"), "H5PY %ld %lf %ld %ld %7s", &n, &s, &seed, &clen,
                            qok),
                     5);
    assert_int_equal(n, NP);
    assert_true(fabs(s - sum) <= 1e-9 * fabs(sum) + 1e-6);
    assert_true(seed == -9007199254740993L);
    assert_int_equal(clen, (long)strlen(config) - 1); /* one 2-byte UTF-8 character */
    assert_string_equal(qok, "True");
    if (strstr(out, "PANDAS") != NULL)
        assert_non_null(strstr(out, "PANDAS 300000 2 True"));
    else
        printf("pandas not installed: DataFrame step skipped\n");
    free(pnl);
    free(dd);
    free(paths);
    free(ev);
    free(config);
}

/* A write that hits the file size limit (EFBIG, like a full disk): the writer reports it with the
 * cause, aborts cleanly and the process exits normally. libhdf5 1.10 used to crash in its exit
 * handler after such a failure (SIGSEGV in H5F__close_cb, exit 139); the child below exits through
 * exit(), so that handler would run. */
static void test_file_size_limit(void **state)
{
    fixture *f = *state;
    fflush(NULL);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN); /* write(2) then fails with EFBIG instead of killing us */
        const struct rlimit rl = {256 * 1024, 256 * 1024};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            exit(3);
        const size_t n = 1 << 20; /* 8 MiB of doubles */
        double *x = calloc(n, sizeof *x);
        vr_h5 *w = NULL;
        vr_err e = {VR_OK, ""};
        if (x == NULL || vr_h5_create(f->path, &w, &e) != VR_OK)
            exit(4);
        vr_status st = VR_OK;
        for (int k = 0; k < 4 && st == VR_OK; k++) {
            char d[32];
            snprintf(d, sizeof d, "/s/p%d/pnl", k);
            st = vr_h5_write_f64(w, d, x, n, 0, &e);
        }
        if (st == VR_OK)
            st = vr_h5_commit(w, &e);
        else
            vr_h5_abort(w);
        free(x);
        printf("size limit: %s\n", e.msg);
        fflush(stdout);
        /* an error naming the cause, nothing left in the directory */
        exit(st != VR_OK && strstr(e.msg, "File too large") != NULL && dir_entries(f->dir, 0) == 0 ? 0 : 5);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("the writer died with signal %d after a failed write", WTERMSIG(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runfile_refuses_non_finite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_h5dump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_h5py_pandas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_size_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
