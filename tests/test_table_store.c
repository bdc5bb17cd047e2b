/* test_table_store.c: the table store (vr_table_store_set, pricing/table_store.c).
 *
 * - A build with the store on writes one file; the next build of the same inputs loads it
 *   (vr_pricing_from_store), and the loaded tables mark every instrument kind bit for bit as the
 *   built ones: one-factor (Heston, SVCJ), svcj2, and builds of one underlying's tables only
 *   (vr_pricing_build_only: a key of their own).
 * - Other inputs (the longest expiry, a pricing parameter) get files of their own.
 * - A damaged file (a flipped payload byte, a cut file, another magic) is never used: the build
 *   runs and replaces it; a directory or a symlink at a file's name is left alone (the tables are
 *   built and the failure counted, the thing at the name untouched).
 * - A file whose hash is right but whose contents contradict themselves (made by hand, or by a
 *   bug) is refused by the loader and rebuilt: a surface whose lookup bounds are not its axes'
 *   last nodes (they keep the lookup's cells inside the records), a file without the tables the
 *   build asks for; and the svcj2 loader refuses 2 or 3 m slices (a stencil needs 4) where 4 built
 *   from the same bytes load.
 * - The bound (vr_table_store_set_limit): after a write, the least recently used table files go
 *   until the rest fits, oldest first, a load making its file the newest; the file just written
 *   stays even alone above the bound; 0 removes nothing; a temporary older than a day goes, a
 *   fresh one stays; nothing else is touched (other names, upper-case hex, a directory or a
 *   symlink with a table's name, the symlink's target).
 * - vr_table_store_set refuses a path that is not a directory, creates a missing one, and NULL
 *   turns the store off.
 * - The claim (vr_table_store_fetch on a miss): two processes that miss the same set at once
 *   build it once: one builds and stores it, the other waits for that and loads the file (stored
 *   1 and loaded 1 in all, where without the claim both build and both store); their marks are
 *   the same bits. Every lock file's name taken by a symlink (to a name that does not exist) or a
 *   directory: the build goes on unclaimed and stores its file, and nothing is made at the
 *   symlinks' targets. (The processes are forked before this program has started any OpenMP
 *   thread, which do not survive a fork: test_two_processes runs first.)
 * - The CLI: VIXRISK_TABLE_STORE gives the same run output twice (the second from the store);
 *   a store path that is a regular file, and a VIXRISK_TABLE_STORE_MB that is not a whole number
 *   of MiB in range, are usage errors (exit 2) naming the variable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/blob.h"
#include "model/svcj2_tables.h"
#include "vixrisk/vk_surface.h"
#include "vixrisk/vk_vixtab.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_svcj2.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("store", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    vr_table_store_set(NULL, NULL);
    return vr_test_rmdir(dir);
}

/* The .vrt files in the store: their count, and the name of the last one into last. */
static int store_files(char *last, size_t cap)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".vrt") == 0) {
            n++;
            if (last)
                snprintf(last, cap, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}

static void remove_store_files(void)
{
    char f[512];
    while (store_files(f, sizeof f) > 0) {
        struct stat sb;
        assert_int_equal(lstat(f, &sb), 0);
        assert_int_equal(S_ISDIR(sb.st_mode) ? rmdir(f) : unlink(f), 0);
    }
}

/* The store on, in dir, with none of its files there. */
static void store_on(void)
{
    vr_err err = {VR_OK, ""};
    remove_store_files();
    if (vr_table_store_set(dir, &err) != VR_OK)
        fail_msg("table store: %s", err.msg);
}

static vr_pricing *build(const vr_model *m, double max_tau, int only, vr_underlying_id ul)
{
    vr_err err = {VR_OK, ""};
    vr_pricing *pr = NULL;
    const vr_status st = only ? vr_pricing_build_only(m, max_tau, ul, &pr, &err)
                              : vr_pricing_build(m, max_tau, &pr, &err);
    if (st != VR_OK)
        fail_msg("pricing build: %s", err.msg);
    return pr;
}

/* Every kind at a grid of states and instruments: a's marks equal b's bit for bit (NaN marks of
 * an underlying a build left out equal too). Returns how many marks were compared. */
static int same_marks(const vr_pricing *a, const vr_pricing *b, double max_tau, int two_factor)
{
    int n = 0;
    const double vs[] = {0.0, 0.004, 0.03, 0.2, 1.5}, ms[] = {0.0, 0.02, 0.05, 0.3};
    const double taus[] = {1.0 / 365, 9.0 / 365, 30.0 / 365, 0.9 * max_tau};
    for (size_t iv = 0; iv < sizeof vs / sizeof vs[0]; iv++)
        for (size_t im = 0; im < (two_factor ? sizeof ms / sizeof ms[0] : 1); im++)
            for (size_t it = 0; it < sizeof taus / sizeof taus[0]; it++) {
                const vr_state st = {0.0, 100.0, {vs[iv], ms[im]}};
                vr_instrument ins[12];
                int k = 0;
                for (int j = 0; j < 5; j++) {
                    ins[k++] = (vr_instrument){VR_INST_SPX_OPTION, j < 2 ? -1 : 1, 70.0 + 15 * j, taus[it]};
                }
                for (int j = 0; j < 5; j++)
                    ins[k++] = (vr_instrument){VR_INST_VIX_OPTION, j == 0 ? -1 : 1, 10.0 + 8 * j, taus[it]};
                ins[k++] = (vr_instrument){VR_INST_VIX_FUTURE, 0, 0, taus[it]};
                for (int j = 0; j < k; j++) {
                    const vr_mark x = vr_pricing_mark(a, &ins[j], &st, VR_MARK_VIX_DELTA);
                    const vr_mark y = vr_pricing_mark(b, &ins[j], &st, VR_MARK_VIX_DELTA);
                    if (memcmp(&x, &y, sizeof x) != 0)
                        fail_msg("kind %d cp %d K %g tau %g at v %g m %g: %.17g vs %.17g",
                                 ins[j].kind, ins[j].cp, ins[j].strike, ins[j].t_exp, vs[iv],
                                 ms[im], x.price, y.price);
                    n++;
                }
            }
    return n;
}

/* Build with the store on and none of its files there, then again: one file, the second build
 * from it, the same marks as the first (a build). */
static void round_trip(const char *what, const vr_model *m, double max_tau, int only,
                       vr_underlying_id ul, int two_factor)
{
    store_on();
    vr_table_store_counts c0, c1, c2;
    vr_table_store_stats(&c0);
    vr_pricing *built = build(m, max_tau, only, ul);
    vr_table_store_stats(&c1);
    assert_false(vr_pricing_from_store(built));
    assert_int_equal(c1.stored, c0.stored + 1);
    assert_int_equal(store_files(NULL, 0), 1);
    vr_pricing *loaded = build(m, max_tau, only, ul);
    vr_table_store_stats(&c2);
    assert_true(vr_pricing_from_store(loaded));
    assert_int_equal(c2.hits, c1.hits + 1);
    assert_int_equal(c2.stored, c1.stored);
    const int n = same_marks(built, loaded, max_tau, two_factor);
    printf("  %s: %d marks the same bit for bit; built in %.3f s, loaded in %.3f s\n", what, n,
           vr_pricing_build_seconds(built), vr_pricing_build_seconds(loaded));
    vr_pricing_destroy(built);
    vr_pricing_destroy(loaded);
}

static vr_model svcj_model(void)
{
    vr_model m = {.type = VR_MODEL_SVCJ, .spot = 100, .rate = 0.04, .dividend = 0.013, .v0 = 0.03,
                  .physical = {.kappa = 3, .theta = 0.025, .sigma = 0.45, .rho = -0.7, .lambda = 1.0,
                               .mu_v = 0.05, .mu_s = -0.04, .sigma_s = 0.05, .rho_j = -0.5}};
    m.pricing = m.physical;
    m.pricing.theta = 0.03;
    return m;
}

static void test_one_factor(void **state)
{
    (void)state;
    const vr_model s = svcj_model();
    round_trip("svcj", &s, 0.5, 0, VR_UL_SPX, 0);
    round_trip("svcj, VIX tables only", &s, 0.5, 1, VR_UL_VIX, 0);
    vr_model sc = s; /* a run's cover (vr_model.vix_cover): a table of more x nodes */
    sc.vix_cover = 200;
    round_trip("svcj, VIX tables only, covered to VIX 200", &sc, 0.5, 1, VR_UL_VIX, 0);
#ifndef VR_TEST_SMALL /* (the same code as svcj's: the sanitizer build leaves them out) */
    vr_model h = vr_test_heston_model(0.03);
    h.spot = 100;
    round_trip("heston", &h, 0.5, 0, VR_UL_SPX, 0);
    round_trip("svcj, SPX surface only", &s, 0.5, 1, VR_UL_SPX, 0);
#endif
}

static const vr_svcj2_params PQ = {.kappa_v = 5.0, .kappa_m = 0.4, .theta = 0.032, .sigma_v = 0.8,
                                   .sigma_m = 0.09, .rho = -0.75, .lambda0 = 0.5, .lambda1 = 18.0,
                                   .mu_v = 0.07, .mu_s = -0.03, .sigma_s = 0.04, .rho_j = -0.6};

static void svcj2_slices(void);

static void test_svcj2(void **state)
{
    (void)state;
#ifdef VR_TEST_SMALL
    /* m deterministic and at its long-run level: one slice (the sanitizer build: a fifth of the
     * time); the VIX tables below have every slice */
    vr_svcj2_params q = PQ;
    q.sigma_m = 0;
    const vr_model one = vr_test_svcj2_model(&q, 0.03, q.theta);
    round_trip("svcj2, one m slice", &one, 0.25, 0, VR_UL_SPX, 1);
#else
    const vr_model all = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    round_trip("svcj2", &all, 0.25, 0, VR_UL_SPX, 1);
#endif
    vr_model m = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    m.vix_cover = 200;
    round_trip("svcj2, VIX tables only, covered to VIX 200", &m, 0.25, 1, VR_UL_VIX, 1);
    m.vix_cover = 0;
    round_trip("svcj2, VIX tables only", &m, 0.25, 1, VR_UL_VIX, 1);
    svcj2_slices(); /* (on the file the round trip left) */
}

/* Other inputs, other files; the first inputs still load theirs. */
static void test_keys(void **state)
{
    (void)state;
    store_on();
    const vr_model a = svcj_model();
    vr_model b = a;
    b.pricing.sigma = 0.5;
    vr_model c = a;
    c.spot = 120; /* the path's start: no table reads it */
    c.v0 = 0.05;
    vr_model d = a;
    d.vix_cover = 120; /* a run's cover: other tables */
    /* (the VIX tables only: a fifth of the surface's time) */
    vr_pricing *p[6] = {build(&a, 0.5, 1, VR_UL_VIX), build(&a, 0.6, 1, VR_UL_VIX),
                        build(&b, 0.5, 1, VR_UL_VIX), build(&c, 0.5, 1, VR_UL_VIX),
                        build(&a, 0.5, 1, VR_UL_VIX), build(&d, 0.5, 1, VR_UL_VIX)};
    assert_int_equal(store_files(NULL, 0), 4);
    const int want[6] = {0, 0, 0, 1, 1, 0};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(vr_pricing_from_store(p[i]), want[i]);
        vr_pricing_destroy(p[i]);
    }
}

/* A damaged file is rebuilt and replaced; things that are not regular files are left alone. */
static void damage(const char *path, int how)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    const long size = ftell(f);
    if (how == 0) { /* one payload byte (the file's last) flipped */
        assert_int_equal(fseek(f, size - 1, SEEK_SET), 0);
        const int ch = fgetc(f);
        assert_int_equal(fseek(f, size - 1, SEEK_SET), 0);
        fputc(ch ^ 0x10, f);
        fclose(f);
    } else if (how == 1) { /* cut short */
        fclose(f);
        assert_int_equal(truncate(path, size / 2), 0);
    } else { /* another magic */
        assert_int_equal(fseek(f, 0, SEEK_SET), 0);
        fputc('X', f);
        fclose(f);
    }
}

static void test_damaged(void **state)
{
    (void)state;
    store_on();
    const vr_model m = svcj_model();
    vr_pricing *fresh = build(&m, 0.5, 1, VR_UL_VIX);
    char path[512];
    assert_int_equal(store_files(path, sizeof path), 1);
    for (int how = 0; how < 3; how++) {
        damage(path, how);
        vr_pricing *pr = build(&m, 0.5, 1, VR_UL_VIX);
        assert_false(vr_pricing_from_store(pr)); /* not used: built, and the file replaced */
        vr_pricing_destroy(pr);
        pr = build(&m, 0.5, 1, VR_UL_VIX);
        assert_true(vr_pricing_from_store(pr));
        same_marks(fresh, pr, 0.5, 0);
        vr_pricing_destroy(pr);
    }
    printf("  a flipped byte, a cut file, another magic: each rebuilt and replaced\n");
    /* a directory at the name: built, not stored, the directory still there */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    vr_table_store_counts c0, c1;
    vr_table_store_stats(&c0);
    vr_pricing *pr = build(&m, 0.5, 1, VR_UL_VIX);
    vr_table_store_stats(&c1);
    assert_false(vr_pricing_from_store(pr));
    assert_int_equal(c1.failed, c0.failed + 1);
    printf("  a directory at the name: %s\n", c1.last_error);
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    same_marks(fresh, pr, 0.5, 0);
    vr_pricing_destroy(pr);
    assert_int_equal(rmdir(path), 0);
    /* a symlink at the name: not replaced, its target untouched */
    char target[512];
    snprintf(target, sizeof target, "%s/target.txt", dir);
    assert_non_null(vr_test_write(dir, "target.txt", "not a table\n"));
    assert_int_equal(symlink(target, path), 0);
    pr = build(&m, 0.5, 1, VR_UL_VIX);
    assert_false(vr_pricing_from_store(pr));
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    char *t = vr_test_slurp(target);
    assert_string_equal(t, "not a table\n");
    free(t);
    same_marks(fresh, pr, 0.5, 0);
    vr_pricing_destroy(pr);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(unlink(target), 0);
    vr_pricing_destroy(fresh);
}

/* The whole file at path into a malloc'd buffer (*n bytes). */
static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    *n = (size_t)ftell(f);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    unsigned char *b = malloc(*n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

/* The payload's offset in a store file: magic, the key's length and bytes, the payload's length
 * and hash (pricing/table_store.c). */
static size_t payload_at(const unsigned char *b)
{
    uint64_t klen;
    memcpy(&klen, b + 8, sizeof klen);
    return 8 + 8 + (size_t)klen + 16;
}

/* Write b back to path with the payload's hash made right again (what a hand-made file has). */
static void write_rehashed(const char *path, unsigned char *b, size_t n)
{
    const size_t at = payload_at(b);
    const uint64_t h = vr_hash64(VR_FNV_OFFSET, b + at, n - at);
    memcpy(b + at - 8, &h, sizeof h);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* A one-factor SPX surface file (its payload: the two table flags, then the surface, whose first
 * member is the kernels' view) altered in one field with its hash made right: the loader refuses
 * it (a miss: built, the file replaced), and the next build loads the new file. */
static void test_inconsistent(void **state)
{
    (void)state;
    store_on();
    vr_model m = vr_test_heston_model(0.03);
    m.spot = 100;
    vr_pricing *fresh = build(&m, 0.1, 1, VR_UL_SPX);
    char path[512];
    assert_int_equal(store_files(path, sizeof path), 1);
    const char *what[] = {"fa_max one past the v axis", "fy_max 0.5", "fu_max 1e9",
                          "no tables at all", "the VIX table's flag in place of the surface's"};
    for (int how = 0; how < 5; how++) {
        size_t n;
        unsigned char *b = read_all(path, &n);
        unsigned char *pl = b + payload_at(b);
        vk_surface vw;
        memcpy(&vw, pl + 8, sizeof vw);
        int32_t has[2];
        memcpy(has, pl, sizeof has);
        assert_true(has[0] == 1 && has[1] == 0);
        if (how == 0)
            vw.fa_max = vw.n_v;
        else if (how == 1)
            vw.fy_max = 0.5;
        else if (how == 2)
            vw.fu_max = 1e9;
        else {
            has[0] = 0;
            has[1] = how == 4;
        }
        memcpy(pl + 8, &vw, sizeof vw);
        memcpy(pl, has, sizeof has);
        write_rehashed(path, b, n);
        free(b);
        vr_pricing *pr = build(&m, 0.1, 1, VR_UL_SPX);
        assert_false(vr_pricing_from_store(pr)); /* refused: built, the file replaced */
        vr_pricing_destroy(pr);
        pr = build(&m, 0.1, 1, VR_UL_SPX);
        assert_true(vr_pricing_from_store(pr));
        same_marks(fresh, pr, 0.1, 0);
        vr_pricing_destroy(pr);
        printf("  refused, rebuilt and replaced: %s\n", what[how]);
    }
    vr_pricing_destroy(fresh);
}

/* The svcj2 tables' structure as svcj2_tables.c lays it out (the check below fails if it does
 * not: the file's size must come out right). */
typedef struct s2_layout {
    vr_svcj2_params p;
    int nm;
    double m_lo, s_lo, inv_ds;
    void *surf, *vix, *vbuf;
    int vix_nx;
    double seconds;
} s2_layout;

/* The svcj2 VIX-only file in the store (nm slices: the structure, the flags, nm views, nm slices
 * of storage) cut down to k slices, loaded directly: 4 slices load and consume every byte, 2 and
 * 3 are refused (an m stencil reads 4 slices; nothing but 1 or at least 4 is valid). */
static void svcj2_slices(void)
{
    char path[512];
    assert_int_equal(store_files(path, sizeof path), 1);
    size_t n;
    unsigned char *b = read_all(path, &n);
    const unsigned char *pl = b + payload_at(b);
    const size_t np = n - payload_at(b);
    s2_layout h;
    memcpy(&h, pl, sizeof h);
    int32_t has[2];
    memcpy(has, pl + sizeof h, sizeof has);
    assert_true(has[0] == 0 && has[1] == 1 && h.nm >= 4);
    const size_t views = sizeof h + sizeof has, store = views + (size_t)h.nm * sizeof(vk_vixtab);
    assert_true(np > store && (np - store) % ((size_t)h.nm * sizeof(double)) == 0);
    const size_t per = (np - store) / (size_t)h.nm; /* bytes of storage per slice */
    for (int k = 2; k <= 4; k++) {
        s2_layout hk = h;
        hk.nm = k;
        const size_t nk = views + (size_t)k * (sizeof(vk_vixtab) + per);
        unsigned char *c = malloc(nk);
        assert_non_null(c);
        memcpy(c, &hk, sizeof hk);
        memcpy(c + sizeof hk, has, sizeof has);
        memcpy(c + views, pl + views, (size_t)k * sizeof(vk_vixtab));
        memcpy(c + views + (size_t)k * sizeof(vk_vixtab), pl + store, (size_t)k * per);
        vr_blob_in r = {c, nk, 0};
        vr_model_tables *t = NULL;
        vr_err err = {VR_OK, ""};
        const vr_status st = vr_svcj2_tables_load(&r, VR_TABLES_NO_SPX, &t, &err);
        if (k == 4) {
            assert_int_equal(st, VR_OK);
            assert_int_equal(r.off, nk);
            vr_model_ops_get(VR_MODEL_SVCJ2)->tables_destroy(t);
        } else {
            assert_int_equal(st, VR_EINVAL);
        }
        free(c);
    }
    free(b);
    printf("  svcj2 VIX tables cut to 4 slices load; to 2 or 3 are refused\n");
}

/* The bound. */
static void put_file(const char *name, size_t size, double age)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc('x', f);
    assert_int_equal(fclose(f), 0);
    const struct timespec t = {time(NULL) - (time_t)age, 0}, ts[2] = {t, t};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void set_age(const char *path, double age)
{
    const struct timespec t = {time(NULL) - (time_t)age, 0}, ts[2] = {t, t};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* 1 when dir/name is there (as anything), 0 when not */
static int present(const char *name)
{
    char path[512];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return lstat(path, &sb) == 0;
}

/* The regular files with names the store gives, other than the test's own (0000000000000001 to
 * 5): up to max of them into names, their count returned. */
static int real_tables(char names[][32], int max)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        int ok = strlen(s) == 20 && strcmp(s + 16, ".vrt") == 0 && strncmp(s, "000000000000000", 15) != 0;
        for (int i = 0; ok && i < 16; i++)
            ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
        char path[512];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, s);
        if (ok && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (n < max)
                snprintf(names[n], 32, "%s", s);
            n++;
        }
    }
    closedir(d);
    return n;
}

static long long file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    return (long long)sb.st_size;
}

static void test_bound(void **state)
{
    (void)state;
    assert_int_equal(vr_table_store_limit(), (uint64_t)VR_TABLE_STORE_DEFAULT_MB << 20);
    store_on();
    const vr_model a = svcj_model();
    vr_model b = a, c = a;
    b.pricing.sigma = 0.5;
    c.pricing.sigma = 0.55;
    /* the size of a's file (and b's and c's: the same grids) */
    vr_table_store_set_limit(0);
    char ra[512], rb[512];
    vr_pricing_destroy(build(&a, 0.5, 1, VR_UL_VIX));
    assert_int_equal(store_files(ra, sizeof ra), 1);
    const long long S = file_size(ra);
    assert_int_equal(unlink(ra), 0);
    /* three old table files of 1000 bytes, and what the bound must leave alone */
    put_file("0000000000000001.vrt", 1000, 300);
    put_file("0000000000000002.vrt", 1000, 200);
    put_file("0000000000000003.vrt", 1000, 100);
    put_file("000000000000000A.vrt", 1000, 9000); /* not a name the store gives */
    put_file("notes.txt", 1000, 9000);
    put_file("target.txt", 10, 9000);
    char link[512], sub[512], target[512];
    snprintf(link, sizeof link, "%s/0000000000000005.vrt", dir);
    snprintf(target, sizeof target, "%s/target.txt", dir);
    assert_int_equal(symlink(target, link), 0);
    snprintf(sub, sizeof sub, "%s/0000000000000004.vrt", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    put_file(".vr12345abcdef.tmp", 1000, 2 * 86400.0); /* a killed writer's, two days old */
    put_file(".vr12346abcdef.tmp", 1000, 60);          /* a writer's, now */
    /* the bound leaves room for a's file and 1.5 of the old ones: the two oldest go */
    vr_table_store_counts c0, c1;
    vr_table_store_stats(&c0);
    vr_table_store_set_limit((uint64_t)S + 1500);
    vr_pricing *pa = build(&a, 0.5, 1, VR_UL_VIX);
    assert_false(vr_pricing_from_store(pa));
    vr_pricing_destroy(pa);
    vr_table_store_stats(&c1);
    assert_int_equal(c1.evicted, c0.evicted + 3);
    assert_false(present("0000000000000001.vrt"));
    assert_false(present("0000000000000002.vrt"));
    assert_false(present(".vr12345abcdef.tmp"));
    assert_true(present("0000000000000003.vrt"));
    assert_true(present(".vr12346abcdef.tmp"));
    const char *kept[] = {"000000000000000A.vrt", "notes.txt", "target.txt",
                          "0000000000000005.vrt", "0000000000000004.vrt"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_true(present(kept[i]));
    /* a's file, made the oldest, then loaded: the newest; b's write removes the old one instead */
    char names[4][32];
    assert_int_equal(real_tables(names, 4), 1);
    snprintf(ra, sizeof ra, "%s/%s", dir, names[0]);
    assert_int_equal(file_size(ra), S);
    set_age(ra, 1000);
    pa = build(&a, 0.5, 1, VR_UL_VIX);
    assert_true(vr_pricing_from_store(pa));
    vr_pricing_destroy(pa);
    vr_table_store_set_limit(2 * (uint64_t)S + 500);
    vr_pricing *pb = build(&b, 0.5, 1, VR_UL_VIX);
    assert_false(vr_pricing_from_store(pb));
    vr_pricing_destroy(pb);
    assert_false(present("0000000000000003.vrt"));
    assert_true(present(names[0]));
    assert_int_equal(real_tables(names, 4), 2); /* a's and b's, each S bytes */
    for (int i = 0; i < 2; i++) {
        snprintf(rb, sizeof rb, "%s/%s", dir, names[i]);
        assert_int_equal(file_size(rb), S);
    }
    /* a file alone above the bound stays; every other table file goes */
    vr_table_store_set_limit(1);
    vr_pricing *pc = build(&c, 0.5, 1, VR_UL_VIX);
    assert_false(vr_pricing_from_store(pc));
    vr_pricing_destroy(pc);
    assert_int_equal(real_tables(names, 4), 1); /* c's */
    assert_int_equal(store_files(NULL, 0), 4);   /* and the upper-case one, the dir, the link */
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_true(present(kept[i]));
    /* 0: no bound */
    vr_table_store_set_limit(0);
    put_file("0000000000000001.vrt", 1000, 300);
    vr_pricing_destroy(build(&a, 0.5, 1, VR_UL_VIX));
    assert_true(present("0000000000000001.vrt"));
    assert_int_equal(store_files(NULL, 0), 6);
    char *t = vr_test_slurp(target);
    assert_string_equal(t, "xxxxxxxxxx");
    free(t);
    printf("  bound of %lld + 1500 bytes: the two oldest of three old files removed, and a stale "
           "temporary; a loaded file kept over an older one; alone above the bound, kept\n", S);
    /* clean up what remove_store_files does not */
    assert_int_equal(unlink(link), 0);
    remove_store_files();
    const char *rest[] = {"notes.txt", "target.txt", ".vr12346abcdef.tmp"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, rest[i]);
        assert_int_equal(unlink(p), 0);
    }
    vr_table_store_set_limit((uint64_t)VR_TABLE_STORE_DEFAULT_MB << 20);
}

static void test_set(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    char sub[512], file[512];
    snprintf(sub, sizeof sub, "%s/new/er", dir); /* made, with its parent, when first needed */
    assert_int_equal(vr_table_store_set(sub, &err), VR_OK);
    assert_string_equal(vr_table_store_dir(), sub);
    struct stat sb;
    assert_int_equal(stat(sub, &sb), -1);
    const vr_model m = vr_test_heston_model(0.03);
    vr_table_store_counts c0, c;
    vr_table_store_stats(&c0);
    vr_pricing_destroy(build(&m, 0.2, 1, VR_UL_SPX));
    assert_int_equal(stat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    vr_table_store_stats(&c);
    assert_int_equal(c.failed, c0.failed);
    assert_int_equal(c.stored, c0.stored + 1);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/new'", dir);
    assert_int_equal(system(cmd), 0);
    assert_non_null(vr_test_write(dir, "plain.txt", "x\n"));
    snprintf(file, sizeof file, "%s/plain.txt", dir);
    assert_int_equal(vr_table_store_set(file, &err), VR_EINVAL);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "not a directory"));
    assert_int_equal(unlink(file), 0);
    assert_int_equal(vr_table_store_set(NULL, &err), VR_OK);
    assert_null(vr_table_store_dir());
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
    remove_store_files();
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
    assert_int_equal(store_files(NULL, 0), 1);
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
        assert_int_equal(store_files(NULL, 0), 1);
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

/* The CLI: the same run output with the tables from the store; a bad store path exits 2. */
static void test_cli(void **state)
{
    (void)state;
    remove_store_files();
    static char out1[1 << 16], out2[1 << 16], cmd[1024];
    char *outs[2] = {out1, out2};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd,
                 "VIXRISK_TABLE_STORE=%s %s run %s/configs/alvh.yaml --paths 200 --threads 2 -o %s/r1.h5 2> /dev/null",
                 dir, VIXRISK_CLI, VIXRISK_SOURCE_DIR, dir);
        assert_int_equal(vr_run_capture(cmd, outs[i], sizeof out1), 0);
        assert_int_equal(store_files(NULL, 0), 1);
        /* everything but the last line ("wrote FILE (SECONDS s)") */
        char *w = strstr(outs[i], "\nwrote ");
        assert_non_null(w);
        *w = 0;
    }
    assert_true(strlen(out1) > 1000);
    assert_string_equal(out1, out2);
    printf("  the CLI's run output, built and loaded: the same %zu bytes\n", strlen(out1));
    char file[512];
    assert_non_null(vr_test_write(dir, "plain.txt", "x\n"));
    snprintf(file, sizeof file, "%s/plain.txt", dir);
    snprintf(cmd, sizeof cmd, "VIXRISK_TABLE_STORE=%s %s run %s/configs/alvh.yaml --paths 200 -o %s/r2.h5 2>&1",
             file, VIXRISK_CLI, VIXRISK_SOURCE_DIR, dir);
    assert_int_equal(vr_run_capture(cmd, out1, sizeof out1), 2);
    assert_non_null(strstr(out1, "VIXRISK_TABLE_STORE"));
    assert_non_null(strstr(out1, "not a directory"));
    assert_int_equal(unlink(file), 0);
    /* a bound that is not a whole number of MiB in range */
    const char *bad[] = {"12x", "-1", "16777217", " 5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "VIXRISK_TABLE_STORE=%s VIXRISK_TABLE_STORE_MB='%s' %s run %s/configs/alvh.yaml --paths 200 -o %s/r2.h5 2>&1",
                 dir, bad[i], VIXRISK_CLI, VIXRISK_SOURCE_DIR, dir);
        assert_int_equal(vr_run_capture(cmd, out1, sizeof out1), 2);
        assert_non_null(strstr(out1, "VIXRISK_TABLE_STORE_MB"));
        assert_non_null(strstr(out1, "[0, 16777216]"));
    }
    printf("  %s", out1);
    /* nothing is made for a command refused before it builds tables (a bad bound, an unknown
     * command, a config error), and report (no tables) ignores the variable */
    char absent[512];
    snprintf(absent, sizeof absent, "%s/absent/store", dir);
    const char *refused[] = {"VIXRISK_TABLE_STORE_MB=12x %s run %s/configs/alvh.yaml --paths 200 -o %s/r2.h5",
                             "VIXRISK_TABLE_STORE_MB=1 %s bogus %s %s",
                             "VIXRISK_TABLE_STORE_MB=1 %s run %s/configs/alvh.yaml --paths 0 -o %s/r2.h5"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char inner[1400];
        snprintf(inner, sizeof inner, refused[i], VIXRISK_CLI, VIXRISK_SOURCE_DIR, dir);
        snprintf(cmd, sizeof cmd, "VIXRISK_TABLE_STORE=%s %s 2>&1", absent, inner);
        assert_int_equal(vr_run_capture(cmd, out1, sizeof out1), 2);
        struct stat sb;
        assert_int_equal(stat(absent, &sb), -1);
        snprintf(cmd, sizeof cmd, "%s/absent", dir);
        assert_int_equal(stat(cmd, &sb), -1);
    }
    snprintf(cmd, sizeof cmd, "VIXRISK_TABLE_STORE=/dev/null %s report %s/none.h5 2>&1", VIXRISK_CLI, dir);
    vr_run_capture(cmd, out1, sizeof out1);
    assert_null(strstr(out1, "VIXRISK_TABLE_STORE"));
    char h5[512];
    snprintf(h5, sizeof h5, "%s/r1.h5", dir);
    assert_int_equal(unlink(h5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_processes), /* first: it forks (see the top) */
        cmocka_unit_test(test_one_factor), cmocka_unit_test(test_svcj2),
        cmocka_unit_test(test_keys),       cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_inconsistent),
        cmocka_unit_test(test_bound),      cmocka_unit_test(test_set),
        cmocka_unit_test(test_cli),        cmocka_unit_test(test_lock_names_taken),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
