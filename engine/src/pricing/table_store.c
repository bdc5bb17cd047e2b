/* table_store.c: the table store (see vr_pricing.h, vr_table_store_set): the pricing tables a
 * process builds, kept in a directory as files that a later process with the same inputs and the
 * same build of the library loads instead of building them again.
 *
 * Why: a build is most of a short job's time (a calibrated one-factor model: about 1 CPU-s, svcj2:
 * 3-20 CPU-s), and batch work asks for the same tables again and again (a sweep of policies over
 * one model, the reports and stress runs of a desk's model of the day, a test suite). The tables
 * are a pure function of the inputs the in-process cache compares (vr_pricing_cache_get) and of
 * the code that builds them, so a file keyed by both holds exactly what a build would make: a
 * loaded table marks bit for bit as a built one (tests/test_table_store.c).
 *
 * File <dir>/<16 hex digits>.vrt, the digits a hash of the key:
 *   "VRTABLE1" | key length (u64) | key | payload length (u64) | payload hash (u64) | payload
 * key: "vixrisk tables" | the library's build id | model type | skip flags | max_tau | rate |
 *      dividend | m0 | pricing parameters | physical parameters | VIX cover (the bytes of each, as
 *      same_inputs compares them)
 * payload: the model's tables_save bytes (the structures as this build lays them out).
 * The build id is the GNU build-id note of the object the library is linked into (the linker's
 * hash of its contents: any change to the code changes it); without one, a hash of that file. A
 * file whose key differs in any byte (a hash collision of the name, another build) is not used;
 * one whose payload fails its hash (truncated, damaged) is not used either and is replaced by the
 * next build's file. The loader checks every count and size against the bytes it has (the
 * models' tables_load); the values themselves are trusted: keep the directory as private as the
 * configs.
 *
 * Writes go through vr_outfile (a temporary beside the final name, renamed over it): a reader
 * never sees half a file, two processes storing the same key both write the same tables (the
 * bytes differ only in the build times the tables record; no addresses are written), and
 * nothing but a regular file is replaced (a directory or symlink at the name: the tables are not
 * stored). The store is an optimisation: a file that cannot be read is a miss, one that cannot be
 * written is counted (vr_table_store_stats) and the run goes on with the tables it built.
 *
 * The claim (vr_table_store_fetch on a miss): a process about to build a set holds an exclusive
 * flock on one of 64 lock files (<dir>/.vrlock-<2 hex digits>, by the key's hash) while it builds
 * and stores, and one that misses the same key meanwhile waits for it and then loads its file. So
 * processes started together (jobs over one model run side by side, the ranks of an MPI run on
 * one node, a test suite's programs) build each set once instead of once each, and the builder
 * has the cores to itself. Two keys of one lock file are built one after the other; a lock file
 * that cannot be made or is not a regular file means building unclaimed, and so does a wait of
 * more than CLAIM_WAIT_SECONDS (a holder stopped by Ctrl-Z); a process that dies releases its
 * claim with its descriptors.
 *
 * The bound (vr_table_store_set_limit): after each file written, one pass over the directory sums
 * the table files' sizes and, above the bound, removes the least recently used (oldest
 * modification time; a load sets it to now) until the rest fits; the file just written is never
 * one of them. Without it every rebuild's keys would leave the previous build's files unused for
 * good (260 MB per svcj2 set). The same pass removes temporaries (.vr*.tmp) older than a day: a
 * writer killed by a signal that cannot be caught leaves its temporary, and no write takes a day.
 * Removal is of regular files with the store's names only (fstatat without following links,
 * unlinkat, which removes a link itself and never a directory); processes that prune the same
 * directory at once only remove a file twice (ENOENT, not counted), and one that has a file
 * mapped keeps reading it. */
#define _GNU_SOURCE
#include "pricing/table_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "core/blob.h"
#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_pricing.h"

#define STORE_MSG 512
#define STORE_MAGIC "VRTABLE1"
#define KEY_MAGIC "vixrisk tables"
#define BUILD_ID_MAX 64
#define STORE_FILE_MAX ((size_t)1 << 34) /* 16 GB: no table set comes near */
#define STALE_TEMP_SECONDS (24 * 3600)

static struct {
    pthread_mutex_t lock, prune_lock;
    char dir[VR_OUTFILE_PATH_MAX];
    int on;
    unsigned char build_id[BUILD_ID_MAX];
    size_t build_id_len;
    atomic_size_t hits, stored, failed, evicted;
    _Atomic uint64_t limit;
    char last_error[STORE_MSG];
} g_store = {.lock = PTHREAD_MUTEX_INITIALIZER,
             .prune_lock = PTHREAD_MUTEX_INITIALIZER,
             .limit = (uint64_t)VR_TABLE_STORE_DEFAULT_MB << 20};

/* ---- the build id -------------------------------------------------------------------------- */

typedef struct find_ctx {
    uintptr_t addr;
    unsigned char *id;
    size_t len;
    char path[VR_OUTFILE_PATH_MAX];
    int found;
} find_ctx;

static int find_object(struct dl_phdr_info *info, size_t size, void *vctx)
{
    (void)size;
    find_ctx *c = vctx;
    if (!vk_object_holds(info, c->addr))
        return 0;
    c->found = 1;
    /* the main program has an empty name: its file is /proc/self/exe */
    snprintf(c->path, sizeof c->path, "%s",
             info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe");
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        const size_t al = ph->p_align == 8 ? 7u : 3u; /* (alignment - 1) of the notes */
        size_t off = 0;
        while (off + sizeof(ElfW(Nhdr)) <= ph->p_memsz) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(p + off);
            /* the desc starts at the header plus the name, rounded up to the alignment; the next
             * note after the desc, rounded up likewise */
            const size_t d = (off + sizeof *nh + nh->n_namesz + al) & ~al,
                         next = (d + nh->n_descsz + al) & ~al;
            if (next > ph->p_memsz || next <= off)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
                memcmp(p + off + sizeof *nh, "GNU", 4) == 0 && nh->n_descsz > 0 &&
                nh->n_descsz <= BUILD_ID_MAX) {
                memcpy(c->id, p + d, nh->n_descsz);
                c->len = nh->n_descsz;
                return 1;
            }
            off = next;
        }
    }
    return 1;
}

/* The build id of the object this code is linked into; a hash of its file where it has none.
 * 0 on success. */
static int build_id(unsigned char *id, size_t *len)
{
    find_ctx c = {.addr = (uintptr_t)&build_id, .id = id};
    dl_iterate_phdr(find_object, &c);
    if (!c.found)
        return -1;
    if (c.len > 0) {
        *len = c.len;
        return 0;
    }
    FILE *f = fopen(c.path, "rb");
    if (f == NULL)
        return -1;
    uint64_t h = VR_FNV_OFFSET;
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        h = vr_hash64(h, buf, n);
    const int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    memcpy(id, "file", 4);
    memcpy(id + 4, &h, sizeof h);
    *len = 4 + sizeof h;
    return 0;
}

/* ---- setting ------------------------------------------------------------------------------- */

vr_status vr_table_store_set(const char *dir, vr_err *err)
{
    pthread_mutex_lock(&g_store.lock);
    vr_status st = VR_OK;
    if (dir == NULL || dir[0] == '\0') {
        g_store.on = 0;
        goto done;
    }
    if (strlen(dir) + 32 >= sizeof g_store.dir) {
        st = vr_fail(err, VR_EINVAL, "table store: directory name longer than %zu bytes",
                     sizeof g_store.dir - 32);
        goto done;
    }
    struct stat sb;
    /* a missing directory (and its missing parents) is made when the first tables are claimed or
     * stored (store_dir_ready), not here: a command refused later, or one that finds every table
     * in its in-process cache, leaves nothing behind */
    const int missing = stat(dir, &sb) != 0;
    if (missing && errno != ENOENT) {
        st = vr_fail(err, VR_EIO, "table store %s: %s", dir, strerror(errno));
        goto done;
    }
    if (!missing && !S_ISDIR(sb.st_mode)) {
        st = vr_fail(err, VR_EINVAL, "table store %s: not a directory", dir);
        goto done;
    }
    if (build_id(g_store.build_id, &g_store.build_id_len) != 0) {
        st = vr_fail(err, VR_EIO, "table store %s: cannot identify this build of the library", dir);
        goto done;
    }
    snprintf(g_store.dir, sizeof g_store.dir, "%s", dir);
    g_store.on = 1;
done:
    pthread_mutex_unlock(&g_store.lock);
    return st;
}

const char *vr_table_store_dir(void) { return g_store.on ? g_store.dir : NULL; }

void vr_table_store_stats(vr_table_store_counts *c)
{
    pthread_mutex_lock(&g_store.lock);
    c->hits = atomic_load(&g_store.hits);
    c->stored = atomic_load(&g_store.stored);
    c->failed = atomic_load(&g_store.failed);
    c->evicted = atomic_load(&g_store.evicted);
    snprintf(c->last_error, sizeof c->last_error, "%s", g_store.last_error);
    pthread_mutex_unlock(&g_store.lock);
}

void vr_table_store_set_limit(uint64_t bytes) { atomic_store(&g_store.limit, bytes); }

uint64_t vr_table_store_limit(void) { return atomic_load(&g_store.limit); }

static void store_failed(const char *msg)
{
    atomic_fetch_add(&g_store.failed, 1);
    pthread_mutex_lock(&g_store.lock);
    snprintf(g_store.last_error, sizeof g_store.last_error, "%s", msg);
    pthread_mutex_unlock(&g_store.lock);
}

/* ---- keys and files ------------------------------------------------------------------------ */

static void make_key(vr_blob *k, const vr_model *m, double max_tau, unsigned skip)
{
    const int32_t type = (int32_t)m->type;
    const uint32_t sk = skip, idlen = (uint32_t)g_store.build_id_len;
    vr_blob_put(k, KEY_MAGIC, sizeof KEY_MAGIC);
    vr_blob_put(k, &idlen, sizeof idlen);
    vr_blob_put(k, g_store.build_id, g_store.build_id_len);
    vr_blob_put(k, &type, sizeof type);
    vr_blob_put(k, &sk, sizeof sk);
    vr_blob_put(k, &max_tau, sizeof max_tau);
    vr_blob_put(k, &m->rate, sizeof m->rate);
    vr_blob_put(k, &m->dividend, sizeof m->dividend);
    vr_blob_put(k, &m->m0, sizeof m->m0);
    vr_blob_put(k, &m->pricing, sizeof m->pricing);
    vr_blob_put(k, &m->physical, sizeof m->physical);
    vr_blob_put(k, &m->vix_cover, sizeof m->vix_cover);
}

/* The file of key k: its name (<16 hex digits>.vrt) into name[KEY_NAME], its path into path;
 * returns the key's hash (the digits). */
#define KEY_NAME 32
static uint64_t key_path(char *path, size_t cap, char *name, const vr_blob *k)
{
    const uint64_t h = vr_hash64(VR_FNV_OFFSET, k->p, k->n);
    snprintf(name, KEY_NAME, "%016llx.vrt", (unsigned long long)h);
    snprintf(path, cap, "%s/%s", g_store.dir, name);
    return h;
}

/* ---- the claim ----------------------------------------------------------------------------- */

#define CLAIM_FILES 64
#define CLAIM_WAIT_SECONDS (20 * 60) /* the longest a process waits for another's build */

/* The store's directory, made with any missing parent if it is missing (vr_table_store_set
 * leaves that to the first claim). */
static vr_status store_dir_ready(vr_err *err) { return vr_outfile_make_dirs(g_store.dir, err); }

/* Hold the lock file of hash h (see the top of the file): its descriptor, or -1 (build
 * unclaimed). */
static int claim(uint64_t h)
{
    vr_err e = {VR_OK, ""};
    if (store_dir_ready(&e) != VR_OK)
        return -1; /* (the store then fails to keep the tables, and says why) */
    char path[VR_OUTFILE_PATH_MAX];
    snprintf(path, sizeof path, "%s/.vrlock-%02x", g_store.dir, (unsigned)(h % CLAIM_FILES));
    /* made if absent, never replaced; read-only (enough for flock, and another user's lock file
     * of a shared store opens so); O_NONBLOCK: a FIFO at the name must not hang the open */
    const int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0666);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return -1;
    }
    /* polled rather than waited for, up to CLAIM_WAIT_SECONDS: a holder that is stopped (Ctrl-Z, a
     * debugger) must not hold the others up for ever; past that they build unclaimed. The poll
     * starts at 1 ms and grows to 50 ms: a few ms late against builds of seconds. */
    struct timespec t0, now, nap = {0, 1000000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        const int busy = errno == EWOULDBLOCK || errno == EINTR;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!busy || now.tv_sec - t0.tv_sec >= CLAIM_WAIT_SECONDS) {
            close(fd); /* (a file system without locks, or waited long enough: build unclaimed) */
            return -1;
        }
        nanosleep(&nap, NULL);
        if (nap.tv_nsec < 50000000)
            nap.tv_nsec *= 2;
    }
}

void vr_table_store_release(int claim)
{
    if (claim >= 0)
        close(claim); /* (the lock goes with the last descriptor of its open file) */
}

/* ---- the bound ----------------------------------------------------------------------------- */

static int is_table_name(const char *s)
{
    for (int i = 0; i < 16; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return strcmp(s + 16, ".vrt") == 0;
}

static int is_temp_name(const char *s)
{
    const size_t n = strlen(s);
    return n > 7 && strncmp(s, ".vr", 3) == 0 && strcmp(s + n - 4, ".tmp") == 0;
}

typedef struct entry {
    struct timespec mtime;
    uint64_t size;
    char name[24];
} entry;

static int older(const void *va, const void *vb)
{
    const entry *a = va, *b = vb;
    if (a->mtime.tv_sec != b->mtime.tv_sec)
        return a->mtime.tv_sec < b->mtime.tv_sec ? -1 : 1;
    if (a->mtime.tv_nsec != b->mtime.tv_nsec)
        return a->mtime.tv_nsec < b->mtime.tv_nsec ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* One pass over the store after `kept` was written (see the top of the file). */
static void prune(const char *kept)
{
    const uint64_t limit = atomic_load(&g_store.limit);
    pthread_mutex_lock(&g_store.prune_lock);
    DIR *d = opendir(g_store.dir);
    if (d == NULL) {
        pthread_mutex_unlock(&g_store.prune_lock);
        return;
    }
    const int fd = dirfd(d);
    const time_t now = time(NULL);
    entry *v = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    int complete = 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const int table = is_table_name(e->d_name), temp = !table && is_temp_name(e->d_name);
        struct stat sb;
        if ((!table && !temp) || fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(sb.st_mode))
            continue;
        if (temp) {
            if (sb.st_mtime < now - STALE_TEMP_SECONDS && unlinkat(fd, e->d_name, 0) == 0)
                atomic_fetch_add(&g_store.evicted, 1);
            continue;
        }
        total += (uint64_t)sb.st_size;
        if (strcmp(e->d_name, kept) == 0)
            continue;
        if (n == cap) {
            const size_t c2 = cap ? 2 * cap : 64;
            entry *w = realloc(v, c2 * sizeof *w);
            if (w == NULL) { /* no list of candidates: remove nothing this time */
                complete = 0;
                break;
            }
            v = w;
            cap = c2;
        }
        v[n].mtime = sb.st_mtim;
        v[n].size = (uint64_t)sb.st_size;
        snprintf(v[n].name, sizeof v[n].name, "%s", e->d_name);
        n++;
    }
    if (complete && limit > 0 && total > limit) {
        qsort(v, n, sizeof *v, older);
        for (size_t i = 0; i < n && total > limit; i++) {
            if (unlinkat(fd, v[i].name, 0) == 0)
                atomic_fetch_add(&g_store.evicted, 1);
            else if (errno != ENOENT)
                continue; /* still there: it still counts */
            total -= v[i].size;
        }
    }
    free(v);
    closedir(d);
    pthread_mutex_unlock(&g_store.prune_lock);
}

/* The file at path mapped read-only into *map: its size, or 0 (nothing mapped) when it is absent,
 * not a regular file, larger than STORE_FILE_MAX or unreadable. Mapped rather than read: the
 * loaders copy each array once from the page cache into its own allocation, and a file of an
 * svcj2 set (a quarter of a GB) read into a buffer first cost as much again in fresh pages. */
static size_t map_file(const char *path, void **map)
{
    FILE *f = vr_fopen_input(path, "rb");
    if (f == NULL)
        return 0;
    struct stat sb;
    size_t n = 0;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uint64_t)sb.st_size <= STORE_FILE_MAX) {
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
        if (p != MAP_FAILED) {
            *map = p;
            n = (size_t)sb.st_size;
        }
    }
    fclose(f);
    return n;
}

/* The tables in the file at path if it holds key k's (skip: which tables), into *out: 1, else 0. */
static int load_file(const char *path, const vr_blob *k, unsigned skip, const vr_model_ops *ops,
                     vr_model_tables **out)
{
    void *buf = NULL;
    const size_t n = map_file(path, &buf);
    int hit = 0;
    if (n > 0) {
        vr_blob_in r = {buf, n, 0};
        uint64_t klen, plen, phash;
        const void *kb, *pb;
        if ((kb = vr_blob_take(&r, 8, 1)) != NULL && memcmp(kb, STORE_MAGIC, 8) == 0 &&
            vr_blob_get(&r, &klen, sizeof klen) && klen == k->n &&
            (kb = vr_blob_take(&r, k->n, 1)) != NULL && memcmp(kb, k->p, k->n) == 0 &&
            vr_blob_get(&r, &plen, sizeof plen) && vr_blob_get(&r, &phash, sizeof phash) &&
            plen == r.n - r.off && (pb = vr_blob_take(&r, plen, 1)) != NULL &&
            vr_hash64(VR_FNV_OFFSET, pb, plen) == phash) {
            vr_blob_in pr = {pb, plen, 0};
            vr_model_tables *t = NULL;
            vr_err e = {VR_OK, ""};
            if (ops->tables_load(&pr, skip, &t, &e) == VR_OK) {
                if (pr.off == pr.n) {
                    *out = t;
                    hit = 1;
                } else {
                    ops->tables_destroy(t);
                }
            }
        }
        munmap(buf, n);
    }
    if (hit) {
        atomic_fetch_add(&g_store.hits, 1);
        /* recently used: the bound removes the oldest first (a read-only store: no matter) */
        (void)utimensat(AT_FDCWD, path, NULL, 0);
    }
    return hit;
}

int vr_table_store_fetch(const vr_model *m, double max_tau, unsigned skip,
                         const vr_model_ops *ops, vr_model_tables **out, int *claimed)
{
    *claimed = -1;
    if (!g_store.on || ops->tables_load == NULL)
        return 0;
    vr_blob k = {0};
    make_key(&k, m, max_tau, skip);
    if (k.bad) {
        vr_blob_free(&k);
        return 0;
    }
    char path[VR_OUTFILE_PATH_MAX], name[KEY_NAME];
    const uint64_t h = key_path(path, sizeof path, name, &k);
    int hit = load_file(path, &k, skip, ops, out);
    /* a miss: wait for whoever builds the set now, then look again (they have usually just
     * stored it); without a hit the caller builds and stores it under the claim */
    if (!hit && ops->tables_save != NULL && (*claimed = claim(h)) >= 0)
        hit = load_file(path, &k, skip, ops, out);
    vr_blob_free(&k);
    return hit;
}

void vr_table_store_keep(const vr_model *m, double max_tau, unsigned skip, const vr_model_ops *ops,
                         const vr_model_tables *t)
{
    if (!g_store.on || ops->tables_save == NULL)
        return;
    vr_blob k = {0}, p = {0};
    make_key(&k, m, max_tau, skip);
    ops->tables_save(t, &p);
    char path[VR_OUTFILE_PATH_MAX], name[KEY_NAME], msg[STORE_MSG];
    vr_err e = {VR_OK, ""};
    vr_outfile o = {0};
    FILE *f = NULL;
    if (k.bad || p.bad) {
        snprintf(msg, sizeof msg, "table store %s: out of memory", g_store.dir);
        store_failed(msg);
        goto done;
    }
    key_path(path, sizeof path, name, &k);
    if (vr_outfile_prepare(&o, path, NULL, NULL, 0, &e) != VR_OK ||
        vr_outfile_begin(&o, &e) != VR_OK)
        goto fail;
    const uint64_t klen = k.n, plen = p.n, phash = vr_hash64(VR_FNV_OFFSET, p.p, p.n);
    if ((f = fopen(o.tmp, "wb")) == NULL) {
        vr_fail(&e, VR_EIO, "%s: %s", o.tmp, strerror(errno));
        goto fail;
    }
    int ok = fwrite(STORE_MAGIC, 1, 8, f) == 8 && fwrite(&klen, sizeof klen, 1, f) == 1 &&
             fwrite(k.p, 1, k.n, f) == k.n && fwrite(&plen, sizeof plen, 1, f) == 1 &&
             fwrite(&phash, sizeof phash, 1, f) == 1 && fwrite(p.p, 1, p.n, f) == p.n;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        vr_fail(&e, VR_EIO, "%s: %s", o.tmp, strerror(errno));
        goto fail;
    }
    if (vr_outfile_commit(&o, &e) != VR_OK)
        goto fail;
    atomic_fetch_add(&g_store.stored, 1);
    prune(name);
    goto done;
fail:
    vr_outfile_abort(&o);
    snprintf(msg, sizeof msg, "table store: %s", e.msg);
    store_failed(msg);
done:
    vr_blob_free(&k);
    vr_blob_free(&p);
}
