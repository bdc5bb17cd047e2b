/* h5.c: the HDF5 result file (see vr_h5.h): an atomic writer and a small reader.
 *
 * The only file in the engine that includes hdf5.h. Every entry point that opens a file switches
 * HDF5's automatic error printing off; when a call fails, h5_fail walks the error stack right away
 * (before any other HDF5 call clears it) and writes the outermost and innermost descriptions into
 * err->msg after our own context ("h5: write /s/p/pnl: unable to create dataset: name already
 * exists"). Handles start as H5I_INVALID_HID and are closed in reverse order at `done:`; a failed
 * close is reported only if nothing failed before. All calls are from serial code. */
#include "vixrisk/vr_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct vr_h5 {
    hid_t file;
    char *final_path;
    char *tmp_path;
};

struct vr_h5_reader {
    hid_t file;
    char *path;
};

#define CHUNK_TARGET ((size_t)1 << 20) /* bytes; see the chunk rule in vr_h5.h */

/* ---- errors --------------------------------------------------------------------------------- */

typedef struct walk_ctx {
    unsigned count;
    char first[200], last[200];
} walk_ctx;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    walk_ctx *c = data;
    (void)n;
    const char *d = (e->desc && e->desc[0]) ? e->desc : (e->func_name ? e->func_name : "?");
    if (c->count == 0)
        snprintf(c->first, sizeof c->first, "%s", d);
    snprintf(c->last, sizeof c->last, "%s", d);
    c->count++;
    return 0;
}

/* Record "h5: <op> <object>: <outermost>: <innermost>" from the current error stack and clear it. */
static vr_status h5_fail(vr_err *err, const char *op, const char *obj)
{
    walk_ctx c = {0, "", ""};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &c);
    H5Eclear2(H5E_DEFAULT);
    if (c.count == 0)
        return vr_fail(err, VR_EHDF5, "h5: %s %s: HDF5 call failed (no error stack)", op, obj);
    if (c.count == 1 || strcmp(c.first, c.last) == 0)
        return vr_fail(err, VR_EHDF5, "h5: %s %s: %s", op, obj, c.first);
    return vr_fail(err, VR_EHDF5, "h5: %s %s: %s: %s", op, obj, c.first, c.last);
}

/* Close a handle at `done:`; report a failed close only if nothing failed before. */
static void close_h(hid_t id, herr_t (*fn)(hid_t), vr_status *st, vr_err *err, const char *obj)
{
    if (id == H5I_INVALID_HID)
        return;
    if (fn(id) < 0) {
        if (*st == VR_OK)
            *st = h5_fail(err, "close", obj);
        else
            H5Eclear2(H5E_DEFAULT);
    }
}

/* Turn HDF5's error printing off, and its exit-time shutdown: after a failed write (disk full,
 * file-size limit) libhdf5 1.10 cannot close the dataset or the file (every close retries the
 * failed flush), and its atexit handler then crashed inside H5F__close_cb (SIGSEGV after the error
 * had been reported). Every file we open is closed explicitly on the normal paths, and the temp file
 * of a failed write is unlinked by us, so the kernel's cleanup at exit is all that is needed.
 * H5dont_atexit only works before the library initialises; later calls fail harmlessly. */
static void quiet(void)
{
    static int done;
    if (!done) {
        (void)H5dont_atexit();
        done = 1;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* An absolute path with non-empty components: "/" (if allow_root), "/a", "/a/b". */
static vr_status check_path(const char *path, int allow_root, const char *op, vr_err *err)
{
    if (path == NULL || path[0] != '/')
        return vr_fail(err, VR_EINVAL, "h5: %s: path must start with '/' (got \"%s\")", op,
                       path ? path : "(null)");
    const size_t len = strlen(path);
    if (len == 1)
        return allow_root ? VR_OK
                          : vr_fail(err, VR_EINVAL, "h5: %s: the root \"/\" is not allowed here", op);
    if (strstr(path, "//") != NULL || path[len - 1] == '/')
        return vr_fail(err, VR_EINVAL, "h5: %s %s: empty path component", op, path);
    return VR_OK;
}

static char *dup_str(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* 1 if every prefix of path exists and the last is a link, 0 if some component is missing,
 * < 0 on an HDF5 failure (stack left for the caller). */
static int path_exists(hid_t file, const char *path)
{
    if (strcmp(path, "/") == 0)
        return 1;
    char *buf = dup_str(path);
    if (buf == NULL)
        return -1;
    int ok = 1;
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            const char c = *p;
            *p = '\0';
            const htri_t e = H5Lexists(file, buf, H5P_DEFAULT);
            *p = c;
            if (e <= 0) {
                ok = e < 0 ? -1 : 0;
                break;
            }
            if (c == '\0')
                break;
        }
    }
    free(buf);
    return ok;
}

/* ---- writer ----------------------------------------------------------------------------------- */

static uint64_t random64(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
        return r;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)&r;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static hid_t group_cpl(void)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl != H5I_INVALID_HID &&
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
        H5Pclose(gcpl);
        return H5I_INVALID_HID;
    }
    return gcpl;
}

vr_status vr_h5_create(const char *final_path, vr_h5 **out, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
    vr_h5 *w = NULL;
    if (final_path == NULL || final_path[0] == '\0' || out == NULL) {
        st = vr_fail(err, VR_EINVAL, "h5: create: %s", out ? "empty file name" : "NULL output");
        goto done;
    }
    quiet();
    w = calloc(1, sizeof *w);
    const size_t cap = strlen(final_path) + 48;
    if (w == NULL || (w->final_path = dup_str(final_path)) == NULL ||
        (w->tmp_path = malloc(cap)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "h5: create %s", final_path);
        goto done;
    }
    w->file = H5I_INVALID_HID;
    snprintf(w->tmp_path, cap, "%s.tmp.%ld.%016llx", final_path, (long)getpid(),
             (unsigned long long)random64());

    if ((fcpl = H5Pcreate(H5P_FILE_CREATE)) == H5I_INVALID_HID ||
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        (fapl = H5Pcreate(H5P_FILE_ACCESS)) == H5I_INVALID_HID ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI) < 0) {
        st = h5_fail(err, "create", w->tmp_path);
        goto done;
    }
    /* EXCL: never open a file another run created under the same name */
    if ((w->file = H5Fcreate(w->tmp_path, H5F_ACC_EXCL, fcpl, fapl)) == H5I_INVALID_HID) {
        st = h5_fail(err, "create", w->tmp_path);
        goto done;
    }
    *out = w;
    w = NULL;
done:
    close_h(fapl, H5Pclose, &st, err, "file access list");
    close_h(fcpl, H5Pclose, &st, err, "file creation list");
    if (w != NULL) {
        if (w->file != H5I_INVALID_HID) {
            H5Fclose(w->file);
            unlink(w->tmp_path);
        }
        free(w->tmp_path);
        free(w->final_path);
        free(w);
    }
    return st;
}

const char *vr_h5_temp_path(const vr_h5 *w)
{
    return w ? w->tmp_path : NULL;
}

/* Create the groups along path: every component if include_last, else all but the last. */
static vr_status make_groups(vr_h5 *w, const char *path, int include_last, const char *op,
                             vr_err *err)
{
    vr_status st = VR_OK;
    hid_t gcpl = H5I_INVALID_HID, g = H5I_INVALID_HID, o = H5I_INVALID_HID;
    char *buf = dup_str(path);
    if (buf == NULL) {
        st = vr_fail(err, VR_ENOMEM, "h5: %s %s", op, path);
        goto done;
    }
    if (strcmp(path, "/") == 0)
        goto done;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        const char c = *p;
        if (c == '\0' && !include_last)
            break;
        *p = '\0';
        const htri_t e = H5Lexists(w->file, buf, H5P_DEFAULT);
        if (e < 0) {
            st = h5_fail(err, op, buf);
            goto done;
        }
        if (e > 0) {
            if ((o = H5Oopen(w->file, buf, H5P_DEFAULT)) == H5I_INVALID_HID) {
                st = h5_fail(err, op, buf);
                goto done;
            }
            const H5I_type_t t = H5Iget_type(o);
            H5Oclose(o);
            o = H5I_INVALID_HID;
            if (t != H5I_GROUP) {
                st = vr_fail(err, VR_EINVAL, "h5: %s %s: %s exists and is not a group", op, path,
                             buf);
                goto done;
            }
        } else {
            if (gcpl == H5I_INVALID_HID && (gcpl = group_cpl()) == H5I_INVALID_HID) {
                st = h5_fail(err, op, buf);
                goto done;
            }
            if ((g = H5Gcreate2(w->file, buf, H5P_DEFAULT, gcpl, H5P_DEFAULT)) == H5I_INVALID_HID) {
                st = h5_fail(err, op, buf);
                goto done;
            }
            close_h(g, H5Gclose, &st, err, buf);
            g = H5I_INVALID_HID;
            if (st != VR_OK)
                goto done;
        }
        *p = c;
        if (c == '\0')
            break;
    }
done:
    close_h(o, H5Oclose, &st, err, path);
    close_h(g, H5Gclose, &st, err, path);
    close_h(gcpl, H5Pclose, &st, err, "group creation list");
    free(buf);
    return st;
}

vr_status vr_h5_group(vr_h5 *w, const char *path, vr_err *err)
{
    vr_status st;
    if (w == NULL)
        return vr_fail(err, VR_EINVAL, "h5: group: NULL writer");
    if ((st = check_path(path, 1, "group", err)) != VR_OK)
        return st;
    return make_groups(w, path, 1, "group", err);
}

/* ---- attributes ------------------------------------------------------------------------------ */

static vr_status write_attr(vr_h5 *w, const char *obj_path, const char *name, hid_t ftype,
                            hid_t mtype, hid_t space, const void *buf, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t obj = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    char ctx[160];
    snprintf(ctx, sizeof ctx, "attribute '%s' on", name);
    if ((obj = H5Oopen(w->file, obj_path, H5P_DEFAULT)) == H5I_INVALID_HID) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    const htri_t e = H5Aexists(obj, name);
    if (e < 0 || (e > 0 && H5Adelete(obj, name) < 0)) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    if ((attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) == H5I_INVALID_HID ||
        H5Awrite(attr, mtype, buf) < 0) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
done:
    close_h(attr, H5Aclose, &st, err, obj_path);
    close_h(obj, H5Oclose, &st, err, obj_path);
    return st;
}

static vr_status attr_args(vr_h5 *w, const char *obj_path, const char *name, vr_err *err)
{
    if (w == NULL || name == NULL || name[0] == '\0')
        return vr_fail(err, VR_EINVAL, "h5: attribute: %s", w ? "empty name" : "NULL writer");
    return check_path(obj_path, 1, "attribute", err);
}

vr_status vr_h5_attr_str(vr_h5 *w, const char *obj_path, const char *name, const char *value,
                         vr_err *err)
{
    vr_status st;
    if ((st = attr_args(w, obj_path, name, err)) != VR_OK)
        return st;
    if (value == NULL)
        return vr_fail(err, VR_EINVAL, "h5: attribute '%s' on %s: NULL string", name, obj_path);
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    if ((type = H5Tcopy(H5T_C_S1)) == H5I_INVALID_HID || H5Tset_size(type, H5T_VARIABLE) < 0 ||
        H5Tset_cset(type, H5T_CSET_UTF8) < 0 ||
        (space = H5Screate(H5S_SCALAR)) == H5I_INVALID_HID) {
        st = h5_fail(err, "attribute type for", name);
        goto done;
    }
    st = write_attr(w, obj_path, name, type, type, space, &value, err);
done:
    close_h(space, H5Sclose, &st, err, name);
    close_h(type, H5Tclose, &st, err, name);
    return st;
}

static vr_status attr_scalar(vr_h5 *w, const char *obj_path, const char *name, hid_t ftype,
                             hid_t mtype, const void *v, vr_err *err)
{
    vr_status st;
    if ((st = attr_args(w, obj_path, name, err)) != VR_OK)
        return st;
    hid_t space = H5Screate(H5S_SCALAR);
    if (space == H5I_INVALID_HID)
        return h5_fail(err, "attribute space for", name);
    st = write_attr(w, obj_path, name, ftype, mtype, space, v, err);
    close_h(space, H5Sclose, &st, err, name);
    return st;
}

vr_status vr_h5_attr_double(vr_h5 *w, const char *obj_path, const char *name, double value,
                            vr_err *err)
{
    return attr_scalar(w, obj_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, err);
}

vr_status vr_h5_attr_int64(vr_h5 *w, const char *obj_path, const char *name, int64_t value,
                           vr_err *err)
{
    return attr_scalar(w, obj_path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, err);
}

vr_status vr_h5_attr_double_array(vr_h5 *w, const char *obj_path, const char *name,
                                  const double *v, size_t n, vr_err *err)
{
    vr_status st;
    if ((st = attr_args(w, obj_path, name, err)) != VR_OK)
        return st;
    if (v == NULL || n == 0)
        return vr_fail(err, VR_EINVAL, "h5: attribute '%s' on %s: empty array", name, obj_path);
    const hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    if (space == H5I_INVALID_HID)
        return h5_fail(err, "attribute space for", name);
    st = write_attr(w, obj_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space, v, err);
    close_h(space, H5Sclose, &st, err, name);
    return st;
}

/* ---- datasets ---------------------------------------------------------------------------------- */

/* Chunk length for `units` units of `ub` bytes each (the rule in vr_h5.h). */
static size_t chunk_units(size_t units, size_t ub)
{
    const size_t bytes = units * ub;
    if (bytes <= CHUNK_TARGET)
        return units;
    size_t k = (bytes + CHUNK_TARGET - 1) / CHUNK_TARGET;
    size_t c = (units + k - 1) / k;
    while (c > 1 && c * ub > CHUNK_TARGET) {
        k++;
        c = (units + k - 1) / k;
    }
    return c;
}

static vr_status write_nd(vr_h5 *w, const char *path, int rank, size_t d0, size_t d1,
                          hid_t ftype, hid_t mtype, size_t esize, const void *data, int compress,
                          vr_err *err)
{
    vr_status st = VR_OK;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    if (w == NULL)
        return vr_fail(err, VR_EINVAL, "h5: write: NULL writer");
    if ((st = check_path(path, 0, "write", err)) != VR_OK)
        return st;
    const size_t total = rank == 1 ? d0 : d0 * d1;
    if (rank == 2 && d1 != 0 && total / d1 != d0)
        return vr_fail(err, VR_EINVAL, "h5: write %s: %zu x %zu overflows", path, d0, d1);
    if (total > 0 && data == NULL)
        return vr_fail(err, VR_EINVAL, "h5: write %s: NULL data for %zu elements", path, total);
    if (compress < 0 || compress > 9)
        return vr_fail(err, VR_EINVAL, "h5: write %s: compression level must be 0..9 (got %d)",
                       path, compress);
    if ((st = make_groups(w, path, 0, "write", err)) != VR_OK)
        return st;
    const htri_t e = H5Lexists(w->file, path, H5P_DEFAULT);
    if (e < 0)
        return h5_fail(err, "write", path);
    if (e > 0)
        return vr_fail(err, VR_EINVAL, "h5: write %s: an object of that name already exists", path);

    const hsize_t dims[2] = {d0, d1};
    if ((space = H5Screate_simple(rank, dims, NULL)) == H5I_INVALID_HID ||
        (dcpl = H5Pcreate(H5P_DATASET_CREATE)) == H5I_INVALID_HID) {
        st = h5_fail(err, "write", path);
        goto done;
    }
    if (total > 0) { /* a chunk must not be empty: zero-length datasets stay contiguous */
        hsize_t chunk[2];
        if (rank == 1) {
            chunk[0] = chunk_units(d0, esize);
        } else if (d1 * esize <= CHUNK_TARGET) {
            chunk[0] = chunk_units(d0, d1 * esize);
            chunk[1] = d1;
        } else {
            chunk[0] = 1;
            chunk[1] = chunk_units(d1, esize);
        }
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) {
            st = h5_fail(err, "write", path);
            goto done;
        }
        if (compress > 0) {
            if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) {
                st = vr_fail(err, VR_EHDF5, "h5: write %s: this HDF5 has no deflate filter", path);
                goto done;
            }
            if (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, (unsigned)compress) < 0) {
                st = h5_fail(err, "write", path);
                goto done;
            }
        }
    }
    if ((dset = H5Dcreate2(w->file, path, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) ==
        H5I_INVALID_HID) {
        st = h5_fail(err, "write", path);
        goto done;
    }
    if (total > 0 && H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        st = h5_fail(err, "write", path);
        goto done;
    }
done:
    close_h(dset, H5Dclose, &st, err, path);
    close_h(dcpl, H5Pclose, &st, err, path);
    close_h(space, H5Sclose, &st, err, path);
    return st;
}

vr_status vr_h5_write_f64(vr_h5 *w, const char *path, const double *data, size_t n, int compress,
                          vr_err *err)
{
    return write_nd(w, path, 1, n, 0, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 8, data, compress, err);
}

vr_status vr_h5_write_f32(vr_h5 *w, const char *path, const float *data, size_t n, int compress,
                          vr_err *err)
{
    return write_nd(w, path, 1, n, 0, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 4, data, compress, err);
}

vr_status vr_h5_write_i32(vr_h5 *w, const char *path, const int32_t *data, size_t n, int compress,
                          vr_err *err)
{
    return write_nd(w, path, 1, n, 0, H5T_STD_I32LE, H5T_NATIVE_INT32, 4, data, compress, err);
}

vr_status vr_h5_write_f32_2d(vr_h5 *w, const char *path, const float *data, size_t rows,
                             size_t cols, vr_err *err)
{
    return write_nd(w, path, 2, rows, cols, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 4, data, 0, err);
}

vr_status vr_h5_write_f64_2d(vr_h5 *w, const char *path, const double *data, size_t rows,
                             size_t cols, vr_err *err)
{
    return write_nd(w, path, 2, rows, cols, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 8, data, 0, err);
}

/* ---- commit / abort ------------------------------------------------------------------------- */

static void free_writer(vr_h5 *w)
{
    free(w->tmp_path);
    free(w->final_path);
    free(w);
}

/* fsync the directory holding path so the rename is durable (best effort). */
static void sync_dir(const char *path)
{
    char *d = dup_str(path);
    if (d == NULL)
        return;
    char *slash = strrchr(d, '/');
    const char *dir = ".";
    if (slash == d)
        dir = "/";
    else if (slash != NULL) {
        *slash = '\0';
        dir = d;
    }
    const int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(d);
}

vr_status vr_h5_commit(vr_h5 *w, vr_err *err)
{
    vr_status st = VR_OK;
    if (w == NULL)
        return vr_fail(err, VR_EINVAL, "h5: commit: NULL writer");
    if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0) {
        st = h5_fail(err, "flush", w->tmp_path);
        H5Fclose(w->file);
        H5Eclear2(H5E_DEFAULT);
        goto done;
    }
    const herr_t c = H5Fclose(w->file); /* H5F_CLOSE_SEMI: fails if an object is still open */
    w->file = H5I_INVALID_HID;
    if (c < 0) {
        st = h5_fail(err, "close", w->tmp_path);
        goto done;
    }
    const int fd = open(w->tmp_path, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        st = vr_fail(err, VR_EIO, "h5: commit %s: fsync: %s", w->tmp_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto done;
    }
    close(fd);
    if (rename(w->tmp_path, w->final_path) != 0) {
        st = vr_fail(err, VR_EIO, "h5: commit: rename %s -> %s: %s", w->tmp_path, w->final_path,
                     strerror(errno));
        goto done;
    }
    sync_dir(w->final_path);
done:
    if (st != VR_OK)
        unlink(w->tmp_path);
    free_writer(w);
    return st;
}

void vr_h5_abort(vr_h5 *w)
{
    if (w == NULL)
        return;
    if (w->file != H5I_INVALID_HID && H5Fclose(w->file) < 0)
        H5Eclear2(H5E_DEFAULT);
    unlink(w->tmp_path);
    free_writer(w);
}

/* ---- reader ------------------------------------------------------------------------------------ */

vr_status vr_h5_open_read(const char *path, vr_h5_reader **out, vr_err *err)
{
    vr_status st = VR_OK;
    vr_h5_reader *r = NULL;
    if (path == NULL || out == NULL)
        return vr_fail(err, VR_EINVAL, "h5: open: NULL %s", path ? "output" : "path");
    quiet();
    if (access(path, R_OK) != 0)
        return vr_fail(err, VR_EIO, "h5: open %s: %s", path, strerror(errno));
    if ((r = calloc(1, sizeof *r)) == NULL || (r->path = dup_str(path)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "h5: open %s", path);
        goto done;
    }
    if ((r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) == H5I_INVALID_HID) {
        st = h5_fail(err, "open", path);
        goto done;
    }
    *out = r;
    r = NULL;
done:
    if (r != NULL) {
        free(r->path);
        free(r);
    }
    return st;
}

void vr_h5_close(vr_h5_reader *r)
{
    if (r == NULL)
        return;
    if (r->file != H5I_INVALID_HID && H5Fclose(r->file) < 0)
        H5Eclear2(H5E_DEFAULT);
    free(r->path);
    free(r);
}

int vr_h5_exists(vr_h5_reader *r, const char *path)
{
    if (r == NULL || check_path(path, 1, "exists", NULL) != VR_OK)
        return 0;
    const int e = path_exists(r->file, path);
    if (e < 0)
        H5Eclear2(H5E_DEFAULT);
    return e > 0;
}

/* Check that path names an object in r; a clear message if not. */
static vr_status need_object(vr_h5_reader *r, const char *path, const char *op, const char *what,
                             vr_err *err)
{
    vr_status st;
    if (r == NULL)
        return vr_fail(err, VR_EINVAL, "h5: %s: NULL reader", op);
    if ((st = check_path(path, 1, op, err)) != VR_OK)
        return st;
    const int e = path_exists(r->file, path);
    if (e < 0)
        return h5_fail(err, op, path);
    if (e == 0)
        return vr_fail(err, VR_EHDF5, "h5: %s %s: no such %s in %s", op, path, what, r->path);
    return VR_OK;
}

vr_status vr_h5_read_f64(vr_h5_reader *r, const char *path, double **data, size_t *n, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t dset = H5I_INVALID_HID, space = H5I_INVALID_HID, type = H5I_INVALID_HID;
    double *buf = NULL;
    if (data == NULL || n == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read %s: NULL output", path ? path : "(null)");
    if ((st = need_object(r, path, "read", "dataset", err)) != VR_OK)
        return st;
    if ((dset = H5Dopen2(r->file, path, H5P_DEFAULT)) == H5I_INVALID_HID ||
        (space = H5Dget_space(dset)) == H5I_INVALID_HID ||
        (type = H5Dget_type(dset)) == H5I_INVALID_HID) {
        st = h5_fail(err, "read", path);
        goto done;
    }
    const H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        st = vr_fail(err, VR_EINVAL, "h5: read %s: not a numeric dataset", path);
        goto done;
    }
    const hssize_t np = H5Sget_simple_extent_npoints(space);
    if (np < 0) {
        st = h5_fail(err, "read", path);
        goto done;
    }
    if (np > 0) {
        if ((buf = malloc((size_t)np * sizeof *buf)) == NULL) {
            st = vr_fail(err, VR_ENOMEM, "h5: read %s: %lld values", path, (long long)np);
            goto done;
        }
        if (H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            st = h5_fail(err, "read", path);
            goto done;
        }
    }
    *data = buf;
    *n = (size_t)np;
    buf = NULL;
done:
    free(buf);
    close_h(type, H5Tclose, &st, err, path);
    close_h(space, H5Sclose, &st, err, path);
    close_h(dset, H5Dclose, &st, err, path);
    return st;
}

/* Open attribute `name` of obj_path, which must hold one element. */
static vr_status open_attr(vr_h5_reader *r, const char *obj_path, const char *name, hid_t *obj,
                           hid_t *attr, char *ctx, size_t ctxcap, vr_err *err)
{
    vr_status st;
    snprintf(ctx, ctxcap, "read attribute '%s' on", name ? name : "(null)");
    if (name == NULL)
        return vr_fail(err, VR_EINVAL, "h5: %s %s: NULL name", ctx, obj_path ? obj_path : "?");
    if ((st = need_object(r, obj_path, ctx, "object", err)) != VR_OK)
        return st;
    if ((*obj = H5Oopen(r->file, obj_path, H5P_DEFAULT)) == H5I_INVALID_HID)
        return h5_fail(err, ctx, obj_path);
    const htri_t e = H5Aexists(*obj, name);
    if (e < 0)
        return h5_fail(err, ctx, obj_path);
    if (e == 0)
        return vr_fail(err, VR_EHDF5, "h5: %s %s: no such attribute", ctx, obj_path);
    if ((*attr = H5Aopen(*obj, name, H5P_DEFAULT)) == H5I_INVALID_HID)
        return h5_fail(err, ctx, obj_path);
    hid_t space = H5Aget_space(*attr);
    if (space == H5I_INVALID_HID)
        return h5_fail(err, ctx, obj_path);
    const hssize_t np = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    if (np != 1)
        return vr_fail(err, VR_EINVAL, "h5: %s %s: has %lld elements, want 1", ctx, obj_path,
                       (long long)np);
    return VR_OK;
}

static vr_status read_attr_num(vr_h5_reader *r, const char *obj_path, const char *name,
                               hid_t mtype, void *value, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t obj = H5I_INVALID_HID, attr = H5I_INVALID_HID, type = H5I_INVALID_HID;
    char ctx[160];
    if (value == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read attribute: NULL output");
    if ((st = open_attr(r, obj_path, name, &obj, &attr, ctx, sizeof ctx, err)) != VR_OK)
        goto done;
    if ((type = H5Aget_type(attr)) == H5I_INVALID_HID) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    const H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        st = vr_fail(err, VR_EINVAL, "h5: %s %s: not numeric", ctx, obj_path);
        goto done;
    }
    if (H5Aread(attr, mtype, value) < 0) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
done:
    close_h(type, H5Tclose, &st, err, obj_path);
    close_h(attr, H5Aclose, &st, err, obj_path);
    close_h(obj, H5Oclose, &st, err, obj_path);
    return st;
}

vr_status vr_h5_read_attr_double(vr_h5_reader *r, const char *obj_path, const char *name,
                                 double *value, vr_err *err)
{
    return read_attr_num(r, obj_path, name, H5T_NATIVE_DOUBLE, value, err);
}

vr_status vr_h5_read_attr_int64(vr_h5_reader *r, const char *obj_path, const char *name,
                                int64_t *value, vr_err *err)
{
    return read_attr_num(r, obj_path, name, H5T_NATIVE_INT64, value, err);
}

vr_status vr_h5_read_attr_str(vr_h5_reader *r, const char *obj_path, const char *name,
                              char **value, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t obj = H5I_INVALID_HID, attr = H5I_INVALID_HID, type = H5I_INVALID_HID,
          mtype = H5I_INVALID_HID;
    char ctx[160], *buf = NULL;
    if (value == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read attribute: NULL output");
    if ((st = open_attr(r, obj_path, name, &obj, &attr, ctx, sizeof ctx, err)) != VR_OK)
        goto done;
    if ((type = H5Aget_type(attr)) == H5I_INVALID_HID) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    if (H5Tget_class(type) != H5T_STRING) {
        st = vr_fail(err, VR_EINVAL, "h5: %s %s: not a string", ctx, obj_path);
        goto done;
    }
    const htri_t var = H5Tis_variable_str(type);
    if ((mtype = H5Tcopy(H5T_C_S1)) == H5I_INVALID_HID || var < 0 ||
        H5Tset_cset(mtype, H5Tget_cset(type)) < 0) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    if (var) {
        char *p = NULL;
        if (H5Tset_size(mtype, H5T_VARIABLE) < 0 || H5Aread(attr, mtype, &p) < 0) {
            st = h5_fail(err, ctx, obj_path);
            goto done;
        }
        buf = dup_str(p ? p : "");
        H5free_memory(p);
    } else {
        const size_t sz = H5Tget_size(type);
        if ((buf = calloc(1, sz + 1)) != NULL &&
            (H5Tset_size(mtype, sz + 1) < 0 || H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0 ||
             H5Aread(attr, mtype, buf) < 0)) {
            st = h5_fail(err, ctx, obj_path);
            goto done;
        }
    }
    if (buf == NULL) {
        st = vr_fail(err, VR_ENOMEM, "h5: %s %s", ctx, obj_path);
        goto done;
    }
    *value = buf;
    buf = NULL;
done:
    free(buf);
    close_h(mtype, H5Tclose, &st, err, obj_path);
    close_h(type, H5Tclose, &st, err, obj_path);
    close_h(attr, H5Aclose, &st, err, obj_path);
    close_h(obj, H5Oclose, &st, err, obj_path);
    return st;
}

typedef struct list_ctx {
    char **names;
    size_t count, cap;
    int nomem;
} list_ctx;

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    list_ctx *c = data;
    (void)info;
    const hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o == H5I_INVALID_HID) { /* a dangling soft or external link: not a group */
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    const H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    if (t != H5I_GROUP)
        return 0;
    if (c->count == c->cap) {
        const size_t cap = c->cap ? 2 * c->cap : 8;
        char **nn = realloc(c->names, cap * sizeof *nn);
        if (nn == NULL) {
            c->nomem = 1;
            return -1;
        }
        c->names = nn;
        c->cap = cap;
    }
    if ((c->names[c->count] = dup_str(name)) == NULL) {
        c->nomem = 1;
        return -1;
    }
    c->count++;
    return 0;
}

vr_status vr_h5_list_groups(vr_h5_reader *r, const char *path, char ***names, size_t *count,
                            vr_err *err)
{
    vr_status st = VR_OK;
    hid_t g = H5I_INVALID_HID, gcpl = H5I_INVALID_HID;
    list_ctx c = {NULL, 0, 0, 0};
    if (names == NULL || count == NULL)
        return vr_fail(err, VR_EINVAL, "h5: list %s: NULL output", path ? path : "(null)");
    if ((st = need_object(r, path, "list", "group", err)) != VR_OK)
        return st;
    unsigned flags = 0;
    if ((g = H5Gopen2(r->file, path, H5P_DEFAULT)) == H5I_INVALID_HID ||
        (gcpl = H5Gget_create_plist(g)) == H5I_INVALID_HID ||
        H5Pget_link_creation_order(gcpl, &flags) < 0) {
        st = h5_fail(err, "list", path);
        goto done;
    }
    const H5_index_t idx = (flags & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    if (H5Literate(g, idx, H5_ITER_INC, NULL, list_cb, &c) < 0) {
        st = c.nomem ? vr_fail(err, VR_ENOMEM, "h5: list %s", path) : h5_fail(err, "list", path);
        H5Eclear2(H5E_DEFAULT);
        goto done;
    }
    *names = c.names;
    *count = c.count;
    c.names = NULL;
    c.count = 0;
done:
    vr_h5_free_names(c.names, c.count);
    close_h(gcpl, H5Pclose, &st, err, path);
    close_h(g, H5Gclose, &st, err, path);
    return st;
}

void vr_h5_free_names(char **names, size_t count)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

vr_status vr_h5_dset_info_get(vr_h5_reader *r, const char *path, vr_h5_dset_info *info,
                              vr_err *err)
{
    vr_status st = VR_OK;
    hid_t dset = H5I_INVALID_HID, space = H5I_INVALID_HID, type = H5I_INVALID_HID,
          dcpl = H5I_INVALID_HID;
    if (info == NULL)
        return vr_fail(err, VR_EINVAL, "h5: info %s: NULL output", path ? path : "(null)");
    if ((st = need_object(r, path, "info", "dataset", err)) != VR_OK)
        return st;
    vr_h5_dset_info in;
    memset(&in, 0, sizeof in);
    hsize_t dims[H5S_MAX_RANK], chunk[H5S_MAX_RANK];
    int rank;
    if ((dset = H5Dopen2(r->file, path, H5P_DEFAULT)) == H5I_INVALID_HID ||
        (space = H5Dget_space(dset)) == H5I_INVALID_HID ||
        (type = H5Dget_type(dset)) == H5I_INVALID_HID ||
        (dcpl = H5Dget_create_plist(dset)) == H5I_INVALID_HID ||
        (rank = H5Sget_simple_extent_dims(space, dims, NULL)) < 0) {
        st = h5_fail(err, "info", path);
        goto done;
    }
    in.rank = rank;
    for (int i = 0; i < rank && i < 2; i++)
        in.dims[i] = (size_t)dims[i];
    in.elem_size = H5Tget_size(type);
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        const int cr = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
        if (cr < 0) {
            st = h5_fail(err, "info", path);
            goto done;
        }
        for (int i = 0; i < cr && i < 2; i++)
            in.chunk[i] = (size_t)chunk[i];
    }
    const int nf = H5Pget_nfilters(dcpl);
    for (int i = 0; i < nf; i++) {
        unsigned fl = 0, cd[8] = {0}, conf = 0;
        size_t ncd = 8;
        char fname[64];
        const H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &fl, &ncd, cd, sizeof fname,
                                              fname, &conf);
        if (f == H5Z_FILTER_DEFLATE)
            in.deflate = ncd > 0 ? (int)cd[0] : 1;
        else if (f == H5Z_FILTER_SHUFFLE)
            in.shuffle = 1;
    }
    *info = in;
done:
    close_h(dcpl, H5Pclose, &st, err, path);
    close_h(type, H5Tclose, &st, err, path);
    close_h(space, H5Sclose, &st, err, path);
    close_h(dset, H5Dclose, &st, err, path);
    return st;
}

/* ---- reader additions (vixrisk report) ------------------------------------------------------- */

int vr_h5_attr_exists(vr_h5_reader *r, const char *obj_path, const char *name)
{
    if (r == NULL || name == NULL || !vr_h5_exists(r, obj_path))
        return 0;
    const htri_t e = H5Aexists_by_name(r->file, obj_path, name, H5P_DEFAULT);
    if (e < 0)
        H5Eclear2(H5E_DEFAULT);
    return e > 0;
}

vr_status vr_h5_read_attr_double_array(vr_h5_reader *r, const char *obj_path, const char *name,
                                       double **v, size_t *n, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t obj = H5I_INVALID_HID, attr = H5I_INVALID_HID, type = H5I_INVALID_HID,
          space = H5I_INVALID_HID;
    double *buf = NULL;
    char ctx[160];
    snprintf(ctx, sizeof ctx, "read attribute '%s' on", name ? name : "(null)");
    if (v == NULL || n == NULL || name == NULL)
        return vr_fail(err, VR_EINVAL, "h5: %s %s: NULL argument", ctx, obj_path ? obj_path : "?");
    if ((st = need_object(r, obj_path, ctx, "object", err)) != VR_OK)
        return st;
    if ((obj = H5Oopen(r->file, obj_path, H5P_DEFAULT)) == H5I_INVALID_HID) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    const htri_t e = H5Aexists(obj, name);
    if (e <= 0) {
        st = e < 0 ? h5_fail(err, ctx, obj_path)
                   : vr_fail(err, VR_EHDF5, "h5: %s %s: no such attribute", ctx, obj_path);
        goto done;
    }
    if ((attr = H5Aopen(obj, name, H5P_DEFAULT)) == H5I_INVALID_HID ||
        (type = H5Aget_type(attr)) == H5I_INVALID_HID ||
        (space = H5Aget_space(attr)) == H5I_INVALID_HID) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    const H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        st = vr_fail(err, VR_EINVAL, "h5: %s %s: not numeric", ctx, obj_path);
        goto done;
    }
    const hssize_t np = H5Sget_simple_extent_npoints(space);
    if (np < 0) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    if (np > 0) {
        if ((buf = malloc((size_t)np * sizeof *buf)) == NULL) {
            st = vr_fail(err, VR_ENOMEM, "h5: %s %s: %lld values", ctx, obj_path, (long long)np);
            goto done;
        }
        if (H5Aread(attr, H5T_NATIVE_DOUBLE, buf) < 0) {
            st = h5_fail(err, ctx, obj_path);
            goto done;
        }
    }
    *v = buf;
    *n = (size_t)np;
    buf = NULL;
done:
    free(buf);
    close_h(space, H5Sclose, &st, err, obj_path);
    close_h(type, H5Tclose, &st, err, obj_path);
    close_h(attr, H5Aclose, &st, err, obj_path);
    close_h(obj, H5Oclose, &st, err, obj_path);
    return st;
}
