/* outfile.c: safe output files (see vr_outfile.h): resolve and check a target before any work,
 * write through a short temporary name in the same directory, rename at the end, and keep a
 * table of live temporaries that a signal handler can remove.
 *
 * The signal table is a fixed array of path copies with a sig_atomic_t flag each: registration
 * writes the path, then (after a compiler fence) sets the flag; the handler only reads flagged
 * entries and calls unlink(), which is async-signal-safe. A temporary is registered before it is
 * created and unregistered only after it has been renamed or removed, so a signal at any moment
 * leaves nothing behind (unlinking a name that is already gone is harmless; the name contains our
 * pid, so it cannot belong to another process). */
#include "vixrisk/vr_outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* The registered temporaries. A report writes all its files (up to 64 scenarios x 13 charts, and
 * the page) before renaming any, so the table is large; an entry holds a flag and a name buffer
 * allocated on the entry's first use and never freed, so a signal handler (on whichever thread the
 * signal lands) never reads freed memory, and the name is written only while the flag is clear. */
static struct {
    volatile sig_atomic_t used;
    char *path; /* VR_OUTFILE_PATH_MAX bytes, or NULL before the entry's first use */
} g_slots[VR_OUTFILE_MAX_ACTIVE];

/* The directories this process created for its outputs (make_dirs, vr_outfile_made_dir), in the
 * order made: a command that fails, or a signal that ends it, removes them again, innermost first
 * and only while empty (rmdir), so that `-o new/dir/x.h5` of a failed command leaves no new/dir.
 * Fixed buffers and a flag each, as the temporaries' table, for the signal handler. */
enum { MADE_MAX = 32 };
static struct {
    volatile sig_atomic_t used;
    char path[VR_OUTFILE_PATH_MAX];
} g_made[MADE_MAX];

void vr_outfile_made_dir(const char *dir)
{
    for (int i = 0; i < MADE_MAX; i++)
        if (!g_made[i].used) {
            snprintf(g_made[i].path, sizeof g_made[i].path, "%s", dir);
            atomic_signal_fence(memory_order_seq_cst);
            g_made[i].used = 1;
            return;
        }
}

void vr_outfile_made_dirs_remove(void)
{
    for (int i = MADE_MAX - 1; i >= 0; i--)
        if (g_made[i].used) {
            (void)rmdir(g_made[i].path); /* (fails, and keeps it, unless empty) */
            g_made[i].used = 0;
        }
}

/* Signals held while a group of files is renamed into place (vr_outfile_hold_signals). */
static volatile sig_atomic_t g_hold, g_pending;

void vr_outfile_hold_signals(void)
{
    g_pending = 0;
    atomic_signal_fence(memory_order_seq_cst);
    g_hold = 1;
}

void vr_outfile_release_signals(void)
{
    g_hold = 0;
    atomic_signal_fence(memory_order_seq_cst);
    const int sig = g_pending;
    g_pending = 0;
    if (sig != 0)
        raise(sig);
}

int vr_outfile_signal_defer(int sig)
{
    if (!g_hold)
        return 0;
    g_pending = sig;
    return 1;
}

int vr_outfile_signal_cleanup(void)
{
    int n = 0;
    for (int i = 0; i < VR_OUTFILE_MAX_ACTIVE; i++)
        if (g_slots[i].used) {
            unlink(g_slots[i].path);
            n++;
        }
    vr_outfile_made_dirs_remove();
    return n;
}

/* The slot now holding path, -1 when the table is full, -2 when out of memory. */
static int slot_register(const char *path)
{
    for (int i = 0; i < VR_OUTFILE_MAX_ACTIVE; i++) {
        if (!g_slots[i].used) {
            if (g_slots[i].path == NULL && (g_slots[i].path = malloc(VR_OUTFILE_PATH_MAX)) == NULL)
                return -2;
            snprintf(g_slots[i].path, VR_OUTFILE_PATH_MAX, "%s", path);
            atomic_signal_fence(memory_order_seq_cst);
            g_slots[i].used = 1;
            return i;
        }
    }
    return -1;
}

static void slot_release(int i)
{
    if (i >= 0 && i < VR_OUTFILE_MAX_ACTIVE) {
        g_slots[i].used = 0;
        atomic_signal_fence(memory_order_seq_cst);
    }
}

/* What a non-regular file is, for messages. */
static const char *kind_name(mode_t m)
{
    if (S_ISDIR(m)) return "directory";
    if (S_ISLNK(m)) return "symbolic link";
    if (S_ISFIFO(m)) return "FIFO";
    if (S_ISCHR(m)) return "character device";
    if (S_ISBLK(m)) return "block device";
    if (S_ISSOCK(m)) return "socket";
    return "special file";
}

/* The directory part of `path` into dir ("." when there is none, "/" for a top-level name). */
static void dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, cap, ".");
    else if (slash == path)
        snprintf(dir, cap, "/");
    else
        snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

/* mkdir -p: create every missing component of `dir`. */
static vr_status make_dirs(const char *dir, vr_err *err)
{
    char buf[VR_OUTFILE_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", dir);
    const size_t n = strlen(buf);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        const char saved = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (stat(buf, &st) != 0) {
            if (errno != ENOENT)
                return vr_fail(err, VR_EIO, "%s: cannot create output directory: %s", buf, strerror(errno));
            if (mkdir(buf, 0777) == 0)
                vr_outfile_made_dir(buf);
            else if (errno != EEXIST)
                return vr_fail(err, VR_EIO, "%s: cannot create output directory: %s", buf, strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            return vr_fail(err, VR_EINVAL, "%s: is not a directory (in output path '%s')", buf, dir);
        }
        buf[i] = saved;
    }
    return VR_OK;
}

vr_status vr_outfile_make_dirs(const char *dir, vr_err *err) { return make_dirs(dir, err); }

vr_status vr_outfile_prepare(vr_outfile *o, const char *path, const char *default_name,
                             const char *const *inputs, int ninputs, vr_err *err)
{
    memset(o, 0, sizeof *o);
    o->slot = -1;
    if (path == NULL || path[0] == '\0')
        return vr_fail(err, VR_EINVAL, "output: empty file name");
    size_t n = strlen(path);
    struct stat st;
    int dir_target = path[n - 1] == '/';
    if (!dir_target && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        dir_target = 1;
    if (dir_target) {
        if (default_name == NULL || default_name[0] == '\0' || strchr(default_name, '/') != NULL)
            return vr_fail(err, VR_EINVAL, "%s: is a directory (give a file name)", path);
        while (n > 1 && path[n - 1] == '/')
            n--;
        const int len = snprintf(o->final, sizeof o->final, "%.*s%s%s", (int)n, path,
                                 path[n - 1] == '/' ? "" : "/", default_name);
        if (len < 0 || (size_t)len >= sizeof o->final)
            return vr_fail(err, VR_EINVAL, "%s: output path too long", path);
    } else {
        if (n >= sizeof o->final)
            return vr_fail(err, VR_EINVAL, "output path too long (%zu bytes)", n);
        memcpy(o->final, path, n + 1);
    }
    const char *slash = strrchr(o->final, '/');
    const char *base = slash ? slash + 1 : o->final;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return vr_fail(err, VR_EINVAL, "%s: is a directory (give a file name)", o->final);
    /* a name no file system here takes is a usage error, found before any work (it used to fail
     * only when the file was created, exit 1, after the run) */
    if (strlen(base) > NAME_MAX)
        return vr_fail(err, VR_EINVAL, "%.60s...: the file name is %zu bytes long, more than the %d a "
                       "file name may have", o->final, strlen(base), NAME_MAX);

    char dir[VR_OUTFILE_PATH_MAX];
    dir_of(o->final, dir, sizeof dir);
    vr_status s = make_dirs(dir, err);
    if (s != VR_OK)
        return s;
    if (access(dir, W_OK | X_OK) != 0)
        return vr_fail(err, VR_EIO, "%s: cannot write in output directory %s: %s", o->final, dir,
                       strerror(errno));

    struct stat fst;
    const int exists = lstat(o->final, &fst) == 0;
    if (!exists && errno != ENOENT)
        return vr_fail(err, VR_EIO, "%s: %s", o->final, strerror(errno));
    if (exists && !S_ISREG(fst.st_mode))
        return vr_fail(err, VR_EINVAL,
                       "%s: exists and is a %s; refusing to replace it (only a regular file is overwritten)",
                       o->final, kind_name(fst.st_mode));
    if (exists) {
        for (int i = 0; i < ninputs; i++) {
            struct stat ist;
            if (inputs == NULL || inputs[i] == NULL || stat(inputs[i], &ist) != 0)
                continue;
            if (ist.st_dev == fst.st_dev && ist.st_ino == fst.st_ino)
                return vr_fail(err, VR_EINVAL, "%s: output would overwrite the input %s (same file)",
                               o->final, inputs[i]);
        }
    }
    /* The directory must take a new file. access() answers for the permission bits only: as root it
     * says yes for /proc or a directory of a file system mounted read-only over a writable one, and
     * the run would end its work with "cannot create". So a temporary is created and removed. */
    if ((s = vr_outfile_begin(o, err)) != VR_OK)
        return s;
    /* and let it be removed: in an append-only directory (chattr +a) the file is created, but
     * neither removed nor renamed over, and the output would fail after the work */
    const int gone = unlink(o->tmp) == 0, e = errno;
    char probe[VR_OUTFILE_PATH_MAX];
    snprintf(probe, sizeof probe, "%s", o->tmp);
    o->tmp[0] = '\0';
    vr_outfile_abort(o); /* (unregisters it) */
    if (!gone)
        return vr_fail(err, VR_EIO, "%s: a file created in %s cannot be removed there (%s), so the output "
                       "could not be renamed into place; %s is left", o->final, dir, strerror(e), probe);
    return VR_OK;
}

/* Six characters from [0-9a-z], different on each call (time, pid, a counter, mixed). */
static void rand6(char out[7])
{
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 17) ^
                 (++counter * 0x9E3779B97F4A7C15ULL);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    static const char abc[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 0; i < 6; i++) {
        out[i] = abc[x % 36];
        x /= 36;
    }
    out[6] = '\0';
}

vr_status vr_outfile_begin(vr_outfile *o, vr_err *err)
{
    if (o->active)
        return vr_fail(err, VR_EINVAL, "%s: output already started", o->final);
    char dir[VR_OUTFILE_PATH_MAX];
    const int has_dir = strchr(o->final, '/') != NULL;
    dir_of(o->final, dir, sizeof dir);
    for (int attempt = 0; attempt < 100; attempt++) {
        char r[7];
        rand6(r);
        const int len = snprintf(o->tmp, sizeof o->tmp, "%s%s.vr%ld%s.tmp", has_dir ? dir : "",
                                 has_dir && strcmp(dir, "/") != 0 ? "/" : "", (long)getpid(), r);
        if (len < 0 || (size_t)len >= sizeof o->tmp)
            return vr_fail(err, VR_EINVAL, "%s: output path too long", o->final);
        if ((o->slot = slot_register(o->tmp)) < 0) {
            const int full = o->slot == -1;
            o->tmp[0] = '\0';
            o->slot = -1;
            if (full)
                return vr_fail(err, VR_ENOMEM, "%s: more than %d output files open at once", o->final,
                               VR_OUTFILE_MAX_ACTIVE);
            return vr_fail(err, VR_ENOMEM, "%s: out of memory (the temporary's name)", o->final);
        }
        const int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            close(fd);
            o->active = 1;
            return VR_OK;
        }
        const int e = errno;
        slot_release(o->slot);
        o->slot = -1;
        if (e != EEXIST) {
            vr_fail(err, VR_EIO, "%s: cannot create a file in %s: %s (temporary name %s)", o->final,
                    has_dir ? dir : ".", strerror(e), o->tmp);
            o->tmp[0] = '\0';
            return VR_EIO;
        }
    }
    o->tmp[0] = '\0';
    return vr_fail(err, VR_EIO, "%s: cannot find a free temporary name", o->final);
}

vr_status vr_outfile_commit(vr_outfile *o, vr_err *err)
{
    vr_status s = VR_OK;
    if (!o->active)
        return vr_fail(err, VR_EINVAL, "%s: output not started", o->final);
    struct stat st;
    const int replacing = lstat(o->final, &st) == 0;
    if (replacing && !S_ISREG(st.st_mode)) {
        s = vr_fail(err, VR_EINVAL,
                    "%s: became a %s while the output was written; refusing to replace it",
                    o->final, kind_name(st.st_mode));
        goto done;
    }
    const int fd = open(o->tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        s = vr_fail(err, VR_EIO, "%s: temporary file %s vanished: %s", o->final, o->tmp, strerror(errno));
        goto done;
    }
    /* A replaced file keeps its permission bits: the temporary was created 0666 & ~umask, and a
     * run file or report the user had made private (0600, 0640) must not come back world-readable.
     * (Only the rwx bits: never set-id bits on a new file; the owner is whoever writes it.) */
    if (replacing && fchmod(fd, st.st_mode & 0777) != 0) {
        s = vr_fail(err, VR_EIO, "%s: cannot give the new file the permissions of the one it replaces: %s",
                    o->final, strerror(errno));
        close(fd);
        goto done;
    }
    if ((!o->synced || replacing) && fsync(fd) != 0) { /* (after a sync: the mode just set) */
        s = vr_fail(err, VR_EIO, "%s: cannot write: %s", o->final, strerror(errno));
        close(fd);
        goto done;
    }
    close(fd);
    if (rename(o->tmp, o->final) != 0) {
        s = vr_fail(err, VR_EIO, "%s: cannot rename %s into place: %s", o->final, o->tmp, strerror(errno));
        goto done;
    }
    /* Make the rename itself durable; a failure here loses nothing already visible. */
    char dir[VR_OUTFILE_PATH_MAX];
    dir_of(o->final, dir, sizeof dir);
    const int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    o->tmp[0] = '\0';
done:
    vr_outfile_abort(o);
    return s;
}

vr_status vr_outfile_sync(vr_outfile *o, vr_err *err)
{
    if (!o->active)
        return vr_fail(err, VR_EINVAL, "%s: output not started", o->final);
    const int fd = open(o->tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        vr_outfile_abort(o);
        return vr_fail(err, VR_EIO, "%s: temporary file vanished: %s", o->final, strerror(e));
    }
    if (fsync(fd) != 0) {
        const int e = errno;
        close(fd);
        vr_outfile_abort(o);
        return vr_fail(err, VR_EIO, "%s: cannot write: %s", o->final, strerror(e));
    }
    close(fd);
    o->synced = 1;
    return VR_OK;
}

void vr_outfile_abort(vr_outfile *o)
{
    if (o == NULL)
        return;
    if (o->active && o->tmp[0] != '\0')
        unlink(o->tmp);
    if (o->active)
        slot_release(o->slot);
    o->slot = -1;
    o->active = 0;
    o->synced = 0;
    o->tmp[0] = '\0';
}

void vr_outfile_dir(const vr_outfile *o, char *dir, size_t cap) { dir_of(o->final, dir, cap); }

FILE *vr_fopen_input(const char *path, const char *mode)
{
    /* non-blocking, so that a FIFO without a writer does not wait here; then fstat decides */
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        const int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = ENOTSUP;
        return NULL;
    }
    const int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, mode);
    if (f == NULL)
        close(fd);
    return f;
}

const char *vr_fopen_input_error(int errnum)
{
    return errnum == ENOTSUP ? "not a regular file" : strerror(errnum);
}
