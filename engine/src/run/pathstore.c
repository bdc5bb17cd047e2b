/* pathstore.c: the per-path outputs of one scenario's policies (`store_paths: true`) while the
 * scenario runs, in memory up to a limit and beyond it on disk (when the directory has room for
 * the store and a run file as large; else in memory all the same), so that a run's memory does not
 * grow with paths x policies. At a million paths the main job's eleven policies hold 1.34 GB of
 * per-path outputs (84 bytes a path and policy plus 16 per attribution column); the run scores
 * and writes them one policy at a time (run.c), reading each back from here.
 *
 * Policy p's field f (VR_PATH_OUT_FIELDS, k elements a path) is n x k elements at a fixed offset
 * (each field 64-byte aligned); the evaluator's threads put their blocks at the blocks' own
 * offsets (no lock: the ranges are disjoint). In memory that is one allocation, and a policy's
 * outputs are read in place. On disk it is one unlinked file in the output's directory, about
 * 1.8 times the size of the uncompressed run file (every layer slot of activations and first
 * days, and the outlays, which the run file does not keep): O_TMPFILE where the file system has it, else a named
 * temporary removed at once, so nothing is left behind by a failure or a signal; blocks go in
 * with pwrite and policies come back with pread into one buffer. The kernel keeps what fits in
 * its page cache and writes the rest back; those pages are not the process's memory. Doubles and
 * integers go through either as bytes, so what comes back is what the evaluator wrote, bit for
 * bit. */
#define _GNU_SOURCE /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "run/run_internal.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_outfile.h"

struct vr_path_store {
    int fd;          /* on disk: the file; in memory: -1 */
    char *mem;       /* in memory: every policy's fields */
    size_t n;
    int npol;
    int *nattr;      /* per policy */
    off_t *off;      /* per policy: where its first field starts; off[npol]: the total */
    off_t *pnl_at;   /* per policy: where its P&L starts */
    int nslots;
    vr_path_out *buf; /* on disk, per slot: the arrays a policy is read into (each field allocated
                         at its first read) */
    double *pnl[2];  /* on disk: P&L read alone */
    char dir[VR_OUTFILE_PATH_MAX];
    int failed;      /* a feed failed (read and set atomically); its errno in err_no */
    int err_no;
};

#define FIELD_ALIGN 64
static size_t field_bytes(size_t n, size_t k, size_t size)
{
    const size_t b = n * k * size;
    return (b + FIELD_ALIGN - 1) / FIELD_ALIGN * FIELD_ALIGN;
}

/* Bytes of a policy's fields for n paths, in VR_PATH_OUT_FIELDS order. */
static size_t policy_bytes(size_t n, int nattr)
{
    const vr_path_out shape = {.nattr = nattr};
    const vr_path_out *o = &shape;
    size_t b = 0;
#define SIZE(f, T, k) b += field_bytes(n, k, sizeof(T));
    VR_PATH_OUT_FIELDS(SIZE, o)
#undef SIZE
    return b;
}

static int open_tmp(const char *dir)
{
#ifdef O_TMPFILE
    const int tfd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (tfd >= 0)
        return tfd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != ENOENT && errno != EINVAL)
        return -1;
#endif
    /* no O_TMPFILE here: a named temporary, removed at once (open files outlive their names) */
    char path[VR_OUTFILE_PATH_MAX + 32];
    if (snprintf(path, sizeof path, "%s/.vrpaths%ldXXXXXX", dir, (long)getpid()) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    const int fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Room in dir (the file system's free bytes for this user) for the store, a run file as large and
 * VR_PATH_STORE_SLACK more (the run file's sample paths and trade logs, which the store does not
 * hold: a few MB, and at small path counts more than its per-path datasets): 1, or 0 when there
 * is less; when it cannot be told, 1 (creating the file will tell). */
#define VR_PATH_STORE_SLACK ((double)(64u << 20))
static int room_for(const char *dir, size_t bytes)
{
    struct statvfs v;
    if (statvfs(dir, &v) != 0)
        return 1;
    const double avail = (double)v.f_bavail * (double)v.f_frsize;
    return avail >= 2.0 * (double)bytes + VR_PATH_STORE_SLACK;
}

/* The error of per-path outputs of `total` bytes that fit neither the memory nor the directory. */
static vr_status no_room(size_t n, size_t total, const char *dir, vr_err *err)
{
    return vr_fail(err, VR_ENOMEM,
                   "run: the per-path outputs of %zu paths need %.1f GiB, which neither memory gives nor %s "
                   "holds (the store goes to disk there when it has twice that free): set "
                   "simulation.store_paths: false (the scores are then streamed, in bounded memory; "
                   "docs/scale.md), or run fewer paths", n, (double)total / 1073741824.0, dir);
}

/* The memory limit of this process's control group (cgroup v2 memory.max, else v1's
 * memory.limit_in_bytes), bytes, or 0 when there is none or it cannot be read. */
static double cgroup_limit(void)
{
    static const char *const files[] = {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = fopen(files[i], "r");
        if (f == NULL)
            continue;
        char line[64] = "";
        const int got = fgets(line, sizeof line, f) != NULL;
        fclose(f);
        char *end = NULL;
        const double v = got ? strtod(line, &end) : 0; /* ("max": no limit, end == line) */
        if (got && end != line && v > 0)
            return v;
    }
    return 0;
}

/* Whether `total` bytes kept in memory could fit: at most the machine's physical memory and the
 * control group's limit (a larger allocation may be granted and the run killed when it touches
 * the pages, after the simulation). */
static int memory_holds(size_t total)
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double cap = pages > 0 && page > 0 ? (double)pages * (double)page : 0;
    const double cg = cgroup_limit();
    if (cg > 0 && (cap == 0 || cg < cap))
        cap = cg;
    return cap == 0 || (double)total <= cap;
}

/* Where a store of `total` bytes goes: 1 a temporary file in dir, when past mem_limit or past what
 * memory holds and dir has room for it (and the run file); 0 memory, when it holds them; -1 neither
 * (one rule for vr_path_store_create and vr_path_store_fits, so that check and run agree). */
static int store_place(const char *dir, size_t total, size_t mem_limit)
{
    const int in_memory = memory_holds(total);
    if ((total > mem_limit || !in_memory) && room_for(dir, total))
        return 1;
    return in_memory ? 0 : -1;
}

vr_status vr_path_store_fits(const char *dir, const vr_run_spec *s, size_t n, size_t mem_limit, vr_err *err)
{
    size_t total = 0;
    for (int p = 0; p < s->npol; p++)
        total += policy_bytes(n, 1 + s->pol[p].nlayers);
    return store_place(dir, total, mem_limit) >= 0 ? VR_OK : no_room(n, total, dir, err);
}

vr_status vr_path_store_create(const char *dir, const vr_run_spec *s, size_t n, size_t mem_limit,
                               int nslots, vr_path_store **out, vr_err *err)
{
    vr_status st = VR_OK;
    vr_path_store *ps = calloc(1, sizeof *ps);
    if (ps == NULL)
        return vr_fail(err, VR_ENOMEM, "run: per-path output store");
    ps->fd = -1;
    ps->n = n;
    ps->npol = s->npol;
    snprintf(ps->dir, sizeof ps->dir, "%s", dir);
    ps->nslots = nslots > 0 ? nslots : 1;
    ps->nattr = calloc((size_t)s->npol, sizeof *ps->nattr);
    ps->off = calloc((size_t)s->npol + 1, sizeof *ps->off);
    ps->pnl_at = calloc((size_t)s->npol, sizeof *ps->pnl_at);
    ps->buf = calloc((size_t)ps->nslots, sizeof *ps->buf);
    if (!ps->nattr || !ps->off || !ps->pnl_at || !ps->buf) {
        st = vr_fail(err, VR_ENOMEM, "run: per-path output store of %d policies", s->npol);
        goto done;
    }
    for (int p = 0; p < s->npol; p++) {
        ps->nattr[p] = 1 + s->pol[p].nlayers;
        ps->off[p + 1] = ps->off[p] + (off_t)policy_bytes(n, ps->nattr[p]);
        /* where the policy's P&L starts (vr_path_store_get_pnl) */
        const vr_path_out shape = {.nattr = ps->nattr[p]};
        const vr_path_out *o = &shape;
        off_t at = ps->off[p];
        int before = 1;
#define FIND(f, T, k)                                                                              \
        if (strcmp(#f, "pnl") == 0)                                                                \
            before = 0;                                                                            \
        else if (before)                                                                           \
            at += (off_t)field_bytes(n, k, sizeof(T));
        VR_PATH_OUT_FIELDS(FIND, o)
#undef FIND
        ps->pnl_at[p] = at;
    }
    const size_t total = (size_t)ps->off[s->npol];
    /* on disk past the limit (or past what memory holds), if the directory has room for the store
     * and the run file; else in memory, as a run held its outputs before the store existed, when
     * memory holds them (store_place) */
    const int place = store_place(dir, total, mem_limit);
    if (place == 1) {
        if ((ps->fd = open_tmp(dir)) < 0)
            st = vr_fail(err, VR_EIO, "run: cannot create the per-path output store in %s: %s", dir,
                         strerror(errno));
    } else if (place < 0 || (ps->mem = aligned_alloc(FIELD_ALIGN, total ? total : FIELD_ALIGN)) == NULL) {
        /* not zeroed: every byte read back is written first (the padding is never read) */
        st = no_room(n, total, dir, err);
    }
    if (st == VR_OK) {
        *out = ps;
        ps = NULL;
    }
done:
    vr_path_store_destroy(ps);
    return st;
}

void vr_path_store_destroy(vr_path_store *ps)
{
    if (ps == NULL)
        return;
    if (ps->fd >= 0)
        close(ps->fd);
    free(ps->mem);
    for (int k = 0; ps->buf && k < ps->nslots; k++)
        vr_path_out_free(&ps->buf[k]);
    free(ps->buf);
    free(ps->pnl[0]);
    free(ps->pnl[1]);
    free(ps->nattr);
    free(ps->pnl_at);
    free(ps->off);
    free(ps);
}

/* All of buf at off, through short writes and signals; 0, or an errno. */
static int write_all(int fd, const void *buf, size_t bytes, off_t off)
{
    const char *b = buf;
    while (bytes > 0) {
        const ssize_t w = pwrite(fd, b, bytes, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        b += w;
        bytes -= (size_t)w;
        off += w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t bytes, off_t off)
{
    char *b = buf;
    while (bytes > 0) {
        const ssize_t r = pread(fd, b, bytes, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? errno : EIO; /* 0: the store is shorter than what was written */
        b += r;
        bytes -= (size_t)r;
        off += r;
    }
    return 0;
}

/* Paths [path0, path0 + m) of policy p from o (element 0 is path path0); 0 or an errno. */
static int put(vr_path_store *ps, int p, const vr_path_out *o, size_t path0, size_t m)
{
    off_t field = ps->off[p];
    int e = 0;
#define PUT(f, T, k)                                                                               \
    {                                                                                              \
        const off_t at = field + (off_t)(path0 * (k) * sizeof(T));                                 \
        if (ps->mem != NULL)                                                                       \
            memcpy(ps->mem + at, o->f, m * (k) * sizeof(T));                                       \
        else if (e == 0)                                                                           \
            e = write_all(ps->fd, o->f, m * (k) * sizeof(T), at);                                  \
        field += (off_t)field_bytes(ps->n, k, sizeof(T));                                          \
    }
    VR_PATH_OUT_FIELDS(PUT, o)
#undef PUT
    return e;
}

static vr_status io_fail(const vr_path_store *ps, int e, const char *what, vr_err *err)
{
    if (ps->mem != NULL) /* a block outside the scenario's paths: the only failure in memory */
        return vr_fail(err, VR_EIO, "run: per-path outputs: cannot %s them: %s", what, strerror(e));
    return vr_fail(err, VR_EIO, "run: per-path outputs: cannot %s the temporary store in %s: %s", what,
                   ps->dir, strerror(e));
}

void vr_path_store_feed(void *ctx, size_t path0, size_t n, const vr_path_out *out)
{
    vr_path_store *ps = ctx;
    int failed = __atomic_load_n(&ps->failed, __ATOMIC_ACQUIRE);
    for (int p = 0; p < ps->npol && !failed; p++) {
        const int e = path0 + n <= ps->n && out[p].nattr == ps->nattr[p] ? put(ps, p, &out[p], path0, n)
                                                                          : EINVAL;
        if (e != 0) {
            /* the first failure keeps its errno (read once the evaluator's threads are done) */
            int none = 0;
            if (__atomic_compare_exchange_n(&ps->failed, &none, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                ps->err_no = e;
            failed = 1;
        }
    }
}

vr_status vr_path_store_status(const vr_path_store *ps, vr_err *err)
{
    return ps->failed ? io_fail(ps, ps->err_no, "write", err) : VR_OK;
}

vr_status vr_path_store_put(vr_path_store *ps, int p, const vr_path_out *o, vr_err *err)
{
    if (o->nattr != ps->nattr[p])
        return vr_fail(err, VR_EINVAL, "run: per-path outputs of policy %d: %d attribution columns, "
                                       "the store has %d", p, o->nattr, ps->nattr[p]);
    const int e = put(ps, p, o, 0, ps->n);
    return e ? io_fail(ps, e, "write", err) : VR_OK;
}

/* The fields a summary reads (vr_pol_summary_compute). */
static int summary_field(const char *f)
{
    return strcmp(f, "pnl") == 0 || strcmp(f, "drawdown") == 0 || strcmp(f, "hedge_cost") == 0 ||
           strcmp(f, "hedge_proceeds") == 0 || strcmp(f, "activations") == 0;
}

vr_status vr_path_store_get(vr_path_store *ps, int p, int slot, int fields, vr_path_out *o, vr_err *err)
{
    memset(o, 0, sizeof *o);
    o->nattr = ps->nattr[p];
    if (slot < 0 || slot >= ps->nslots)
        return vr_fail(err, VR_EINVAL, "run: per-path output store: slot %d of %d", slot, ps->nslots);
    vr_path_out *b = &ps->buf[slot];
    if (ps->mem == NULL) { /* the slot's buffers: the widest policy's columns, at a field's first use */
        const vr_path_out wide = {.nattr = vr_path_store_max_nattr(ps)};
        const vr_path_out *w = &wide;
        int ok = 1;
#define ALLOC(f, T, k)                                                                             \
        if ((fields == VR_PS_ALL || summary_field(#f)) && b->f == NULL)                            \
            ok = (b->f = malloc((ps->n ? ps->n : 1) * (k) * sizeof(T))) != NULL && ok;
        VR_PATH_OUT_FIELDS(ALLOC, w)
#undef ALLOC
        if (!ok)
            return vr_fail(err, VR_ENOMEM, "run: per-path outputs of a policy (%zu paths)", ps->n);
    }
    off_t field = ps->off[p];
    int e = 0;
#define GET(f, T, k)                                                                               \
    if (fields == VR_PS_ALL || summary_field(#f)) {                                                \
        if (ps->mem != NULL)                                                                       \
            o->f = (T *)(void *)(ps->mem + field);                                                 \
        else if (e == 0 && (e = read_all(ps->fd, b->f, ps->n * (k) * sizeof(T), field)) == 0)     \
            o->f = b->f;                                                                           \
    }                                                                                              \
    field += (off_t)field_bytes(ps->n, k, sizeof(T));
    VR_PATH_OUT_FIELDS(GET, o)
#undef GET
    return e ? io_fail(ps, e, "read", err) : VR_OK;
}

vr_status vr_path_store_get_pnl(vr_path_store *ps, int p, int slot, const double **pnl, vr_err *err)
{
    const off_t at = ps->pnl_at[p];
    if (ps->mem != NULL) {
        *pnl = (const double *)(const void *)(ps->mem + at);
        return VR_OK;
    }
    double **b = &ps->pnl[slot != 0];
    if (*b == NULL && (*b = malloc((ps->n ? ps->n : 1) * sizeof **b)) == NULL)
        return vr_fail(err, VR_ENOMEM, "run: P&L of %zu paths", ps->n);
    const int e = read_all(ps->fd, *b, ps->n * sizeof **b, at);
    *pnl = *b;
    return e ? io_fail(ps, e, "read", err) : VR_OK;
}

int vr_path_store_on_disk(const vr_path_store *ps) { return ps->mem == NULL; }

size_t vr_path_store_bytes(const vr_path_store *ps) { return (size_t)ps->off[ps->npol]; }

int vr_path_store_max_nattr(const vr_path_store *ps)
{
    int m = 1;
    for (int p = 0; p < ps->npol; p++)
        if (ps->nattr[p] > m)
            m = ps->nattr[p];
    return m;
}
