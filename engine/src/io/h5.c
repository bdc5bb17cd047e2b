/* h5.c: the HDF5 result file (see vr_h5.h): an atomic writer and a small reader.
 *
 * The only file in the engine that includes hdf5.h. Every entry point that opens a file switches
 * HDF5's automatic error printing off; when a call fails, h5_fail walks the error stack right away
 * (before any other HDF5 call clears it) and writes the outermost and innermost descriptions into
 * err->msg after our own context ("h5: write /s/p/pnl: unable to create dataset: name already
 * exists"). Handles start as H5I_INVALID_HID and are closed in reverse order at `done:`; a failed
 * close is reported only if nothing failed before. All calls are from serial code. */
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_outfile.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct vr_h5 {
    hid_t file;
    vr_outfile own;  /* the output when vr_h5_create prepared it */
    vr_outfile *out; /* &own, or the caller's (vr_h5_create_prepared) */
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
    /* the file driver's "file write failed: time = ..., errno = 28, error message = 'No space left
     * on device', buf = ..." becomes "file write failed: No space left on device" */
    const char *m = strstr(d, "error message = '");
    char clean[200];
    if (m != NULL) {
        const char *colon = strchr(d, ':');
        m += strlen("error message = '");
        const char *q = strchr(m, '\'');
        snprintf(clean, sizeof clean, "%.*s: %.*s", colon ? (int)(colon - d) : 0, d,
                 q ? (int)(q - m) : 100, m);
        d = clean;
    }
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

/* No H5_term_library at exit. After a failed write (disk full, EFBIG) libhdf5 1.10 keeps the file's
 * ids half closed and its exit handler then dereferences freed state (SIGSEGV in H5F__close_cb after
 * the error was already reported). Every file this module opens is closed explicitly, so nothing
 * is lost by skipping the handler. It must be requested before libhdf5 initialises, hence a
 * constructor. */
__attribute__((constructor)) static void no_hdf5_atexit(void)
{
    (void)H5dont_atexit();
}

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

/* Make *t a fixed-length string type of size bytes (the terminator or padding included) with
 * the given padding and character set, as the writer stores strings and the reader reads them.
 * < 0 on failure with the error stack left for h5_fail; *t is set as soon as it exists, and the
 * caller closes it either way. */
static herr_t str_type(hid_t *t, size_t size, H5T_str_t pad, H5T_cset_t cset)
{
    if ((*t = H5Tcopy(H5T_C_S1)) == H5I_INVALID_HID || H5Tset_size(*t, size) < 0 ||
        H5Tset_strpad(*t, pad) < 0 || H5Tset_cset(*t, cset) < 0)
        return -1;
    return 0;
}

/* ---- writer ----------------------------------------------------------------------------------- */

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

/* Begin the output o (its temporary) and create the HDF5 file there. */
static vr_status create_in(vr_outfile *o, vr_h5 *w, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
    quiet();
    w->file = H5I_INVALID_HID;
    w->out = o;
    if ((st = vr_outfile_begin(o, err)) != VR_OK)
        return st;
    if ((fcpl = H5Pcreate(H5P_FILE_CREATE)) == H5I_INVALID_HID ||
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        (fapl = H5Pcreate(H5P_FILE_ACCESS)) == H5I_INVALID_HID ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI) < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0) {
        st = h5_fail(err, "create", o->tmp);
        goto done;
    }
    /* TRUNC: the temporary was created empty and exclusively by vr_outfile_begin */
    if ((w->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, fcpl, fapl)) == H5I_INVALID_HID) {
        st = h5_fail(err, "create", o->tmp);
        goto done;
    }
done:
    close_h(fapl, H5Pclose, &st, err, "file access list");
    close_h(fcpl, H5Pclose, &st, err, "file creation list");
    if (st != VR_OK)
        vr_outfile_abort(o);
    return st;
}

vr_status vr_h5_create(const char *final_path, vr_h5 **out, vr_err *err)
{
    vr_status st = VR_OK;
    if (final_path == NULL || final_path[0] == '\0' || out == NULL)
        return vr_fail(err, VR_EINVAL, "h5: create: %s", out ? "empty file name" : "NULL output");
    vr_h5 *w = calloc(1, sizeof *w);
    if (w == NULL)
        return vr_fail(err, VR_ENOMEM, "h5: create %s", final_path);
    if ((st = vr_outfile_prepare(&w->own, final_path, NULL, NULL, 0, err)) != VR_OK ||
        (st = create_in(&w->own, w, err)) != VR_OK) {
        free(w);
        return st;
    }
    *out = w;
    return VR_OK;
}

vr_status vr_h5_create_prepared(vr_outfile *o, vr_h5 **out, vr_err *err)
{
    vr_status st = VR_OK;
    if (o == NULL || out == NULL)
        return vr_fail(err, VR_EINVAL, "h5: create: NULL %s", o ? "output" : "outfile");
    vr_h5 *w = calloc(1, sizeof *w);
    if (w == NULL)
        return vr_fail(err, VR_ENOMEM, "h5: create %s", o->final);
    if ((st = create_in(o, w, err)) != VR_OK) {
        free(w);
        return st;
    }
    *out = w;
    return VR_OK;
}

const char *vr_h5_temp_path(const vr_h5 *w)
{
    return w ? w->out->tmp : NULL;
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
    const size_t len = strlen(value);
    if (len > VR_H5_STR_MAX)
        return vr_fail(err, VR_EINVAL, "h5: attribute '%s' on %s: %zu bytes, more than the %d a string "
                       "attribute may hold", name, obj_path, len, VR_H5_STR_MAX);
    /* fixed length, NUL-terminated: a reader needs no global heap and HDF5 frees nothing it did
     * not allocate (variable-length strings from a damaged file crash libhdf5 1.10) */
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    if (str_type(&type, len + 1, H5T_STR_NULLTERM, H5T_CSET_UTF8) < 0 ||
        (space = H5Screate(H5S_SCALAR)) == H5I_INVALID_HID) {
        st = h5_fail(err, "attribute type for", name);
        goto done;
    }
    st = write_attr(w, obj_path, name, type, type, space, value, err);
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

vr_status vr_h5_write_table(vr_h5 *w, const char *path, const vr_h5_field *fields, int nfields,
                            const void *rows, size_t row_size, size_t n, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t mtype = H5I_INVALID_HID, ftype = H5I_INVALID_HID, str = H5I_INVALID_HID;
    size_t fsize = 0;
    for (int i = 0; i < nfields; i++)
        fsize += fields[i].type == VR_H5_F64 ? 8 : fields[i].type == VR_H5_I32 ? 4 : fields[i].size;
    if ((mtype = H5Tcreate(H5T_COMPOUND, row_size)) == H5I_INVALID_HID ||
        (ftype = H5Tcreate(H5T_COMPOUND, fsize)) == H5I_INVALID_HID) {
        st = h5_fail(err, "table type for", path);
        goto done;
    }
    size_t off = 0;
    for (int i = 0; i < nfields && st == VR_OK; i++) {
        const vr_h5_field *f = &fields[i];
        herr_t e1 = 0, e2 = 0;
        switch (f->type) {
        case VR_H5_F64:
            e1 = H5Tinsert(mtype, f->name, f->offset, H5T_NATIVE_DOUBLE);
            e2 = H5Tinsert(ftype, f->name, off, H5T_IEEE_F64LE);
            off += 8;
            break;
        case VR_H5_I32:
            e1 = H5Tinsert(mtype, f->name, f->offset, H5T_NATIVE_INT32);
            e2 = H5Tinsert(ftype, f->name, off, H5T_STD_I32LE);
            off += 4;
            break;
        case VR_H5_STR:
            if (str_type(&str, f->size, H5T_STR_NULLPAD, H5T_CSET_UTF8) < 0) {
                e1 = -1;
            } else {
                e1 = H5Tinsert(mtype, f->name, f->offset, str);
                e2 = H5Tinsert(ftype, f->name, off, str);
            }
            off += f->size;
            close_h(str, H5Tclose, &st, err, path);
            str = H5I_INVALID_HID;
            break;
        }
        if (e1 < 0 || e2 < 0)
            st = h5_fail(err, "table type for", path);
    }
    if (st == VR_OK)
        st = write_nd(w, path, 1, n, 0, ftype, mtype, fsize, rows, 0, err);
done:
    close_h(ftype, H5Tclose, &st, err, path);
    close_h(mtype, H5Tclose, &st, err, path);
    return st;
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

vr_status vr_h5_commit(vr_h5 *w, vr_err *err)
{
    vr_status st = VR_OK;
    if (w == NULL)
        return vr_fail(err, VR_EINVAL, "h5: commit: NULL writer");
    if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0) {
        st = h5_fail(err, "flush", w->out->tmp);
        goto done;
    }
    const herr_t c = H5Fclose(w->file); /* H5F_CLOSE_SEMI: fails if an object is still open */
    if (c < 0) {
        st = h5_fail(err, "close", w->out->tmp);
        goto done;
    }
    w->file = H5I_INVALID_HID;
    /* fsync, re-check the target, rename over it, fsync the directory */
    st = vr_outfile_commit(w->out, err);
done:
    if (st != VR_OK) {
        vr_h5_abort(w);
        return st;
    }
    free(w);
    return st;
}

void vr_h5_abort(vr_h5 *w)
{
    if (w == NULL)
        return;
    if (w->file != H5I_INVALID_HID) {
        /* after a failed write an object id may still be open (its close failed): try once more
         * so the file can close; whatever still fails is dropped with the file */
        hid_t ids[64];
        const ssize_t k = H5Fget_obj_ids(w->file, H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE |
                                                      H5F_OBJ_ATTR | H5F_OBJ_LOCAL, 64, ids);
        for (ssize_t i = 0; i < k; i++)
            (void)H5Idec_ref(ids[i]);
        if (H5Fclose(w->file) < 0)
            H5Eclear2(H5E_DEFAULT);
    }
    vr_outfile_abort(w->out);
    free(w);
}

/* ---- reader ------------------------------------------------------------------------------------ *
 *
 * The reader takes files from elsewhere, so it checks what it can before libhdf5 acts on a value
 * from the file: only hard links are followed (no soft or external links: a link to another file
 * could open a device or a FIFO); numbers must have one of the standard IEEE float or two's
 * complement integer types; strings must be fixed length (never variable-length: reading one from
 * a damaged global heap crashes libhdf5 1.10); datasets must be simple (not null or scalar)
 * dataspaces of the expected rank and extent, contiguous, compact or chunked with chunks of at
 * most VR_H5_MAX_CHUNK_BYTES, and filtered by nothing but shuffle, deflate and fletcher32 (filter
 * plugins are never loaded); every element count is bounded before anything is allocated; a group
 * listing stops after VR_H5_MAX_LIST members. libhdf5 itself still parses the file's metadata and
 * is not hardened against hostile files (docs/hdf5.md). */

vr_status vr_h5_open_read(const char *path, vr_h5_reader **out, vr_err *err)
{
    vr_status st = VR_OK;
    vr_h5_reader *r = NULL;
    if (path == NULL || out == NULL)
        return vr_fail(err, VR_EINVAL, "h5: open: NULL %s", path ? "output" : "path");
    quiet();
    /* a crafted filter id must not make libhdf5 dlopen() a plugin */
    if (H5PLset_loading_state(0) < 0)
        H5Eclear2(H5E_DEFAULT);
    if (access(path, R_OK) != 0)
        return vr_fail(err, VR_EIO, "h5: open %s: %s", path, strerror(errno));
    struct stat sb; /* a FIFO would block libhdf5's open, a directory fail obscurely */
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return vr_fail(err, VR_EIO, "h5: open %s: not a regular file", path);
    if ((r = calloc(1, sizeof *r)) == NULL || (r->path = dup_str(path)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "h5: open %s", path);
        goto done;
    }
    r->file = H5I_INVALID_HID;
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

/* 1 if every component of path is a hard link (the root counts), 0 if one is missing or is a
 * soft, external or user-defined link, < 0 on an HDF5 failure (stack left for the caller). */
static int hard_path_exists(hid_t file, const char *path)
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
            if (e <= 0) {
                ok = e < 0 ? -1 : 0;
                break;
            }
            H5L_info_t li;
            if (H5Lget_info(file, buf, &li, H5P_DEFAULT) < 0) {
                ok = -1;
                break;
            }
            if (li.type != H5L_TYPE_HARD) {
                ok = 0;
                break;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    free(buf);
    return ok;
}

int vr_h5_exists(vr_h5_reader *r, const char *path)
{
    if (r == NULL || check_path(path, 1, "exists", NULL) != VR_OK)
        return 0;
    const int e = hard_path_exists(r->file, path);
    if (e < 0)
        H5Eclear2(H5E_DEFAULT);
    return e > 0;
}

/* Check that path names an object in r (through hard links only); a clear message if not. */
static vr_status need_object(vr_h5_reader *r, const char *path, const char *op, const char *what,
                             vr_err *err)
{
    vr_status st;
    if (r == NULL)
        return vr_fail(err, VR_EINVAL, "h5: %s: NULL reader", op);
    if ((st = check_path(path, 1, op, err)) != VR_OK)
        return st;
    const int e = hard_path_exists(r->file, path);
    if (e < 0)
        return h5_fail(err, op, path);
    if (e == 0)
        return vr_fail(err, VR_EHDF5, "h5: %s %s: no such %s in %s", op, path, what, r->path);
    return VR_OK;
}

/* 1 if type is one of the standard numeric types (IEEE binary32/64, 8..64-bit integers, either
 * byte order), else 0: a custom float layout from a file is never handed to a conversion. */
static int numeric_ok(hid_t type)
{
    const hid_t known[] = {H5T_IEEE_F32LE, H5T_IEEE_F32BE, H5T_IEEE_F64LE, H5T_IEEE_F64BE,
                           H5T_STD_I8LE,   H5T_STD_I8BE,   H5T_STD_I16LE,  H5T_STD_I16BE,
                           H5T_STD_I32LE,  H5T_STD_I32BE,  H5T_STD_I64LE,  H5T_STD_I64BE,
                           H5T_STD_U8LE,   H5T_STD_U8BE,   H5T_STD_U16LE,  H5T_STD_U16BE,
                           H5T_STD_U32LE,  H5T_STD_U32BE,  H5T_STD_U64LE,  H5T_STD_U64BE};
    const H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
        return 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (H5Tequal(type, known[i]) > 0)
            return 1;
    H5Eclear2(H5E_DEFAULT);
    return 0;
}

/* Extent of a simple dataspace: rank (<= 2) and dims; VR_EHDF5 (a data error) with a message otherwise. */
static vr_status space_dims(hid_t space, int *rank, hsize_t dims[2], const char *ctx,
                            const char *obj, vr_err *err)
{
    const H5S_class_t sc = H5Sget_simple_extent_type(space);
    if (sc == H5S_SCALAR) {
        *rank = 0;
        dims[0] = dims[1] = 1;
        return VR_OK;
    }
    if (sc != H5S_SIMPLE)
        return vr_fail(err, VR_EHDF5, "h5: %s %s: not a simple dataspace", ctx, obj);
    const int nd = H5Sget_simple_extent_ndims(space);
    if (nd < 1 || nd > 2)
        return vr_fail(err, VR_EHDF5, "h5: %s %s: rank %d, want 1 or 2", ctx, obj, nd);
    hsize_t d[H5S_MAX_RANK];
    if (H5Sget_simple_extent_dims(space, d, NULL) != nd)
        return h5_fail(err, ctx, obj);
    *rank = nd;
    dims[0] = d[0];
    dims[1] = nd == 2 ? d[1] : 1;
    return VR_OK;
}

/* Storage of a dataset a reader accepts: contiguous, compact or chunked (chunks of at most
 * VR_H5_MAX_CHUNK_BYTES, each chunk dimension >= 1), filters only shuffle, deflate, fletcher32. */
static vr_status storage_ok(hid_t dset, hid_t type, int rank, const char *path, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t dcpl = H5Dget_create_plist(dset);
    if (dcpl == H5I_INVALID_HID)
        return h5_fail(err, "read", path);
    const H5D_layout_t lay = H5Pget_layout(dcpl);
    if (lay == H5D_CHUNKED) {
        hsize_t ch[H5S_MAX_RANK];
        const int cr = H5Pget_chunk(dcpl, H5S_MAX_RANK, ch);
        if (cr < 0) {
            st = h5_fail(err, "read", path);
            goto done;
        }
        if (cr != rank) {
            st = vr_fail(err, VR_EHDF5, "h5: read %s: chunk rank %d, dataset rank %d", path, cr, rank);
            goto done;
        }
        double bytes = (double)H5Tget_size(type);
        for (int i = 0; i < cr; i++) {
            if (ch[i] == 0) {
                st = vr_fail(err, VR_EHDF5, "h5: read %s: empty chunk dimension", path);
                goto done;
            }
            bytes *= (double)ch[i];
        }
        if (bytes > (double)VR_H5_MAX_CHUNK_BYTES) {
            st = vr_fail(err, VR_EHDF5, "h5: read %s: chunks of %.0f bytes, more than the %lu accepted",
                         path, bytes, (unsigned long)VR_H5_MAX_CHUNK_BYTES);
            goto done;
        }
    } else if (lay != H5D_CONTIGUOUS && lay != H5D_COMPACT) {
        st = vr_fail(err, VR_EHDF5, "h5: read %s: unsupported storage layout", path);
        goto done;
    }
    const int nf = H5Pget_nfilters(dcpl);
    if (nf < 0) {
        st = h5_fail(err, "read", path);
        goto done;
    }
    for (int i = 0; i < nf; i++) {
        unsigned fl = 0, cd[8] = {0}, conf = 0;
        size_t ncd = 8;
        char fname[64];
        const H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &fl, &ncd, cd, sizeof fname, fname, &conf);
        if (f != H5Z_FILTER_DEFLATE && f != H5Z_FILTER_SHUFFLE && f != H5Z_FILTER_FLETCHER32) {
            H5Eclear2(H5E_DEFAULT);
            st = vr_fail(err, VR_EHDF5, "h5: read %s: filter %d is not accepted (shuffle, deflate and "
                         "fletcher32 only)", path, (int)f);
            goto done;
        }
    }
done:
    close_h(dcpl, H5Pclose, &st, err, path);
    return st;
}

/* Open the dataset at path (reached through hard links; a group or a named type there is refused)
 * with its dataspace and type, for the readers of values and of tables. Each handle is set as it
 * opens, so the caller closes whatever was set at its `done:`, failure or not. */
static vr_status open_dataset(vr_h5_reader *r, const char *path, hid_t *dset, hid_t *space,
                              hid_t *type, vr_err *err)
{
    vr_status st;
    if ((st = need_object(r, path, "read", "dataset", err)) != VR_OK)
        return st;
    H5O_info_t oi;
    if (H5Oget_info_by_name(r->file, path, &oi, H5P_DEFAULT) < 0)
        return h5_fail(err, "read", path);
    if (oi.type != H5O_TYPE_DATASET)
        return vr_fail(err, VR_EHDF5, "h5: read %s: not a dataset", path);
    if ((*dset = H5Dopen2(r->file, path, H5P_DEFAULT)) == H5I_INVALID_HID ||
        (*space = H5Dget_space(*dset)) == H5I_INVALID_HID ||
        (*type = H5Dget_type(*dset)) == H5I_INVALID_HID)
        return h5_fail(err, "read", path);
    return VR_OK;
}

vr_status vr_h5_read_f64_shape(vr_h5_reader *r, const char *path, const vr_h5_shape *want,
                               double **data, size_t dims[2], vr_err *err)
{
    vr_status st = VR_OK;
    hid_t dset = H5I_INVALID_HID, space = H5I_INVALID_HID, type = H5I_INVALID_HID;
    double *buf = NULL;
    if (data == NULL || dims == NULL || want == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read %s: NULL argument", path ? path : "(null)");
    if ((st = open_dataset(r, path, &dset, &space, &type, err)) != VR_OK)
        goto done;
    if (!numeric_ok(type)) {
        st = vr_fail(err, VR_EHDF5, "h5: read %s: not a numeric dataset of a standard type", path);
        goto done;
    }
    int rank;
    hsize_t d[2];
    if ((st = space_dims(space, &rank, d, "read", path, err)) != VR_OK)
        goto done;
    if (rank == 0 || (want->rank != 0 && rank != want->rank)) {
        st = vr_fail(err, VR_EHDF5, "h5: read %s: rank %d, want %d", path, rank, want->rank ? want->rank : 1);
        goto done;
    }
    double total = 1;
    for (int i = 0; i < rank; i++) {
        const size_t lim = want->max[i] ? want->max[i] : VR_H5_MAX_ELEMS;
        if (want->exact[i] ? d[i] != (hsize_t)want->exact[i] : d[i] > (hsize_t)lim) {
            if (want->exact[i])
                st = vr_fail(err, VR_EHDF5, "h5: read %s: dimension %d is %llu, want %zu", path, i,
                             (unsigned long long)d[i], want->exact[i]);
            else
                st = vr_fail(err, VR_EHDF5, "h5: read %s: dimension %d is %llu, more than %zu", path, i,
                             (unsigned long long)d[i], lim);
            goto done;
        }
        total *= (double)d[i];
    }
    if (total > (double)VR_H5_MAX_ELEMS) {
        st = vr_fail(err, VR_EHDF5, "h5: read %s: %.0f elements, more than %lu", path, total,
                     (unsigned long)VR_H5_MAX_ELEMS);
        goto done;
    }
    if ((st = storage_ok(dset, type, rank, path, err)) != VR_OK)
        goto done;
    const size_t n = (size_t)total;
    if (n > 0) {
        if ((buf = malloc(n * sizeof *buf)) == NULL) {
            st = vr_fail(err, VR_ENOMEM, "h5: read %s: %zu values", path, n);
            goto done;
        }
        if (H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            st = h5_fail(err, "read", path);
            goto done;
        }
    }
    *data = buf;
    dims[0] = (size_t)d[0];
    dims[1] = rank == 2 ? (size_t)d[1] : 1;
    buf = NULL;
done:
    free(buf);
    close_h(type, H5Tclose, &st, err, path);
    close_h(space, H5Sclose, &st, err, path);
    close_h(dset, H5Dclose, &st, err, path);
    return st;
}

vr_status vr_h5_read_f64(vr_h5_reader *r, const char *path, double **data, size_t *n, vr_err *err)
{
    if (data == NULL || n == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read %s: NULL output", path ? path : "(null)");
    const vr_h5_shape any = {0, {0, 0}, {0, 0}};
    size_t dims[2];
    const vr_status st = vr_h5_read_f64_shape(r, path, &any, data, dims, err);
    if (st == VR_OK)
        *n = dims[0] * dims[1];
    return st;
}

/* Open attribute `name` of obj_path (reached through hard links); *space, *type set on success. */
static vr_status open_attr(vr_h5_reader *r, const char *obj_path, const char *name, hid_t *obj,
                           hid_t *attr, hid_t *type, hid_t *space, char *ctx, size_t ctxcap,
                           vr_err *err)
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
    if ((*attr = H5Aopen(*obj, name, H5P_DEFAULT)) == H5I_INVALID_HID ||
        (*type = H5Aget_type(*attr)) == H5I_INVALID_HID ||
        (*space = H5Aget_space(*attr)) == H5I_INVALID_HID)
        return h5_fail(err, ctx, obj_path);
    return VR_OK;
}

/* A numeric attribute of at most max elements, converted to double into a malloc'd array; with
 * i64 != NULL (max 1) an integer attribute is read exactly into *i64 instead. */
static vr_status read_attr_numbers(vr_h5_reader *r, const char *obj_path, const char *name,
                                   size_t max, double **v, size_t *n, int64_t *i64, int *is_int,
                                   vr_err *err)
{
    vr_status st = VR_OK;
    hid_t obj = H5I_INVALID_HID, attr = H5I_INVALID_HID, type = H5I_INVALID_HID,
          space = H5I_INVALID_HID;
    double *buf = NULL;
    char ctx[160];
    if ((st = open_attr(r, obj_path, name, &obj, &attr, &type, &space, ctx, sizeof ctx, err)) != VR_OK)
        goto done;
    if (!numeric_ok(type)) {
        st = vr_fail(err, VR_EHDF5, "h5: %s %s: not a number of a standard type", ctx, obj_path);
        goto done;
    }
    int rank;
    hsize_t d[2];
    if ((st = space_dims(space, &rank, d, ctx, obj_path, err)) != VR_OK)
        goto done;
    const double total = (double)d[0] * (double)d[1];
    if (total > (double)max || total < 1) {
        st = vr_fail(err, VR_EHDF5, "h5: %s %s: has %.0f elements, want 1..%zu", ctx, obj_path, total, max);
        goto done;
    }
    if (i64 != NULL && H5Tget_class(type) == H5T_INTEGER) {
        *is_int = 1;
        /* every standard integer type fits int64 but uint64, which libhdf5 would clip to
         * INT64_MAX without a word: read it as it is and refuse what does not fit */
        if (H5Tget_sign(type) == H5T_SGN_NONE && H5Tget_size(type) == 8) {
            uint64_t u = 0;
            if (H5Aread(attr, H5T_NATIVE_UINT64, &u) < 0)
                st = h5_fail(err, ctx, obj_path);
            else if (u > (uint64_t)INT64_MAX)
                st = vr_fail(err, VR_EHDF5, "h5: %s %s: %llu does not fit a signed 64-bit integer", ctx,
                             obj_path, (unsigned long long)u);
            else
                *i64 = (int64_t)u;
        } else if (H5Aread(attr, H5T_NATIVE_INT64, i64) < 0) {
            st = h5_fail(err, ctx, obj_path);
        }
        goto done;
    }
    if ((buf = malloc((size_t)total * sizeof *buf)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "h5: %s %s", ctx, obj_path);
        goto done;
    }
    if (H5Aread(attr, H5T_NATIVE_DOUBLE, buf) < 0) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    *v = buf;
    *n = (size_t)total;
    buf = NULL;
done:
    free(buf);
    close_h(space, H5Sclose, &st, err, obj_path);
    close_h(type, H5Tclose, &st, err, obj_path);
    close_h(attr, H5Aclose, &st, err, obj_path);
    close_h(obj, H5Oclose, &st, err, obj_path);
    return st;
}

vr_status vr_h5_read_attr_double(vr_h5_reader *r, const char *obj_path, const char *name,
                                 double *value, vr_err *err)
{
    double *v = NULL;
    size_t n = 0;
    if (value == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read attribute: NULL output");
    const vr_status st = read_attr_numbers(r, obj_path, name, 1, &v, &n, NULL, NULL, err);
    if (st == VR_OK)
        *value = v[0];
    free(v);
    return st;
}

vr_status vr_h5_read_attr_int64(vr_h5_reader *r, const char *obj_path, const char *name,
                                int64_t *value, vr_err *err)
{
    double *v = NULL;
    size_t n = 0;
    if (value == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read attribute: NULL output");
    int is_int = 0;
    vr_status st = read_attr_numbers(r, obj_path, name, 1, &v, &n, value, &is_int, err);
    if (st == VR_OK && !is_int) {
        /* a float attribute: through double, exact for |x| <= 2^53 */
        if (!(v[0] >= -9007199254740992.0 && v[0] <= 9007199254740992.0) || v[0] != floor(v[0]))
            st = vr_fail(err, VR_EHDF5, "h5: read attribute '%s' on %s: not an integer of at most 2^53",
                         name, obj_path);
        else
            *value = (int64_t)v[0];
    }
    free(v);
    return st;
}

vr_status vr_h5_read_attr_str(vr_h5_reader *r, const char *obj_path, const char *name,
                              char **value, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t obj = H5I_INVALID_HID, attr = H5I_INVALID_HID, type = H5I_INVALID_HID,
          space = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
    char ctx[160], *buf = NULL;
    if (value == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read attribute: NULL output");
    if ((st = open_attr(r, obj_path, name, &obj, &attr, &type, &space, ctx, sizeof ctx, err)) != VR_OK)
        goto done;
    if (H5Tget_class(type) != H5T_STRING) {
        st = vr_fail(err, VR_EHDF5, "h5: %s %s: not a string", ctx, obj_path);
        goto done;
    }
    const htri_t var = H5Tis_variable_str(type);
    if (var != 0) {
        st = var < 0 ? h5_fail(err, ctx, obj_path)
                     : vr_fail(err, VR_EHDF5, "h5: %s %s: a variable-length string (run files store "
                               "fixed-length strings; variable-length ones are refused)", ctx, obj_path);
        goto done;
    }
    int rank;
    hsize_t d[2];
    if ((st = space_dims(space, &rank, d, ctx, obj_path, err)) != VR_OK)
        goto done;
    if (d[0] * d[1] != 1) {
        st = vr_fail(err, VR_EHDF5, "h5: %s %s: %llu strings, want 1", ctx, obj_path,
                     (unsigned long long)(d[0] * d[1]));
        goto done;
    }
    const size_t sz = H5Tget_size(type);
    if (sz == 0 || sz > VR_H5_STR_MAX + 1) {
        st = vr_fail(err, VR_EHDF5, "h5: %s %s: a string of %zu bytes (at most %d accepted)", ctx,
                     obj_path, sz, VR_H5_STR_MAX + 1);
        goto done;
    }
    if ((buf = calloc(1, sz + 1)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "h5: %s %s", ctx, obj_path);
        goto done;
    }
    const H5T_cset_t cs = H5Tget_cset(type);
    if (str_type(&mtype, sz + 1, H5T_STR_NULLTERM,
                 cs == H5T_CSET_UTF8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII) < 0 ||
        H5Aread(attr, mtype, buf) < 0) {
        st = h5_fail(err, ctx, obj_path);
        goto done;
    }
    buf[sz] = '\0';
    *value = buf;
    buf = NULL;
done:
    free(buf);
    close_h(mtype, H5Tclose, &st, err, obj_path);
    close_h(space, H5Sclose, &st, err, obj_path);
    close_h(type, H5Tclose, &st, err, obj_path);
    close_h(attr, H5Aclose, &st, err, obj_path);
    close_h(obj, H5Oclose, &st, err, obj_path);
    return st;
}

typedef struct list_ctx {
    char **names;
    size_t count, cap;
    int nomem, toomany;
} list_ctx;

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    list_ctx *c = data;
    if (info->type != H5L_TYPE_HARD) /* soft, external, user-defined links: never followed */
        return 0;
    H5O_info_t oi;
    if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    if (oi.type != H5O_TYPE_GROUP)
        return 0;
    if (c->count >= VR_H5_MAX_LIST) { /* also ends a listing that would never end */
        c->toomany = 1;
        return -1;
    }
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
    list_ctx c = {NULL, 0, 0, 0, 0};
    if (names == NULL || count == NULL)
        return vr_fail(err, VR_EINVAL, "h5: list %s: NULL output", path ? path : "(null)");
    if ((st = need_object(r, path, "list", "group", err)) != VR_OK)
        return st;
    unsigned flags = 0;
    H5O_info_t oi;
    if (H5Oget_info_by_name(r->file, path, &oi, H5P_DEFAULT) < 0) {
        st = h5_fail(err, "list", path);
        goto done;
    }
    if (oi.type != H5O_TYPE_GROUP) {
        st = vr_fail(err, VR_EHDF5, "h5: list %s: not a group", path);
        goto done;
    }
    if ((g = H5Gopen2(r->file, path, H5P_DEFAULT)) == H5I_INVALID_HID ||
        (gcpl = H5Gget_create_plist(g)) == H5I_INVALID_HID ||
        H5Pget_link_creation_order(gcpl, &flags) < 0) {
        st = h5_fail(err, "list", path);
        goto done;
    }
    const H5_index_t idx = (flags & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    if (H5Literate(g, idx, H5_ITER_INC, NULL, list_cb, &c) < 0) {
        st = c.nomem     ? vr_fail(err, VR_ENOMEM, "h5: list %s", path)
             : c.toomany ? vr_fail(err, VR_EHDF5, "h5: list %s: more than %d groups", path, VR_H5_MAX_LIST)
                         : h5_fail(err, "list", path);
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
    if (v == NULL || n == NULL || name == NULL)
        return vr_fail(err, VR_EINVAL, "h5: read attribute '%s' on %s: NULL argument",
                       name ? name : "(null)", obj_path ? obj_path : "?");
    return read_attr_numbers(r, obj_path, name, VR_H5_MAX_ATTR_ELEMS, v, n, NULL, NULL, err);
}

/* Is the file member type ft acceptable for a column of this kind? Numbers must be standard types
 * (an I32 column takes integers only: a float would be truncated silently); strings fixed length. */
static int member_ok(hid_t ft, vr_h5_col_kind kind)
{
    if (kind == VR_H5_COL_STR) {
        if (H5Tget_class(ft) != H5T_STRING)
            return 0;
        const htri_t var = H5Tis_variable_str(ft);
        if (var < 0)
            H5Eclear2(H5E_DEFAULT);
        return var == 0;
    }
    if (!numeric_ok(ft))
        return 0;
    return kind == VR_H5_COL_F64 || H5Tget_class(ft) == H5T_INTEGER;
}

/* Conversion exceptions while a table is read: a value out of the range of its column's type
 * (an int64 path of 5e9 into an int32 column) would be clipped silently by libhdf5; it aborts the
 * read instead (precision losses, int64 to float64, are left to the library). */
static H5T_conv_ret_t range_cb(H5T_conv_except_t except, hid_t src, hid_t dst, void *sbuf, void *dbuf,
                               void *data)
{
    (void)src, (void)dst, (void)sbuf, (void)dbuf;
    if (except == H5T_CONV_EXCEPT_RANGE_HI || except == H5T_CONV_EXCEPT_RANGE_LOW) {
        *(int *)data = 1;
        return H5T_CONV_ABORT;
    }
    return H5T_CONV_UNHANDLED;
}

vr_status vr_h5_read_table(vr_h5_reader *r, const char *path, const vr_h5_col *cols, size_t ncols,
                           size_t row_size, size_t max_rows, void **data, size_t *rows, vr_err *err)
{
    vr_status st = VR_OK;
    hid_t dset = H5I_INVALID_HID, space = H5I_INVALID_HID, type = H5I_INVALID_HID;
    hid_t mem = H5I_INVALID_HID, mt = H5I_INVALID_HID, sub = H5I_INVALID_HID, dxpl = H5I_INVALID_HID;
    unsigned char *buf = NULL;
    int out_of_range = 0;
    if (data == NULL || rows == NULL || cols == NULL || ncols == 0 || row_size == 0)
        return vr_fail(err, VR_EINVAL, "h5: read %s: NULL or empty argument", path ? path : "(null)");
    if ((st = open_dataset(r, path, &dset, &space, &type, err)) != VR_OK)
        goto done;
    if (H5Tget_class(type) != H5T_COMPOUND) {
        st = vr_fail(err, VR_EHDF5, "h5: read %s: not a compound (table) dataset", path);
        goto done;
    }
    int rank;
    hsize_t d[2];
    if ((st = space_dims(space, &rank, d, "read", path, err)) != VR_OK)
        goto done;
    if (rank != 1) {
        st = vr_fail(err, VR_EHDF5, "h5: read %s: rank %d, want 1", path, rank);
        goto done;
    }
    if (d[0] > (hsize_t)max_rows || d[0] > (hsize_t)VR_H5_MAX_ELEMS) {
        st = vr_fail(err, VR_EHDF5, "h5: read %s: %llu records, more than %zu", path,
                     (unsigned long long)d[0], max_rows);
        goto done;
    }
    if ((st = storage_ok(dset, type, rank, path, err)) != VR_OK)
        goto done;
    if ((mem = H5Tcreate(H5T_COMPOUND, row_size)) == H5I_INVALID_HID) {
        st = h5_fail(err, "read", path);
        goto done;
    }
    for (size_t c = 0; c < ncols; c++) {
        const vr_h5_col *col = &cols[c];
        const size_t w = col->kind == VR_H5_COL_STR ? col->size : col->kind == VR_H5_COL_F64 ? 8 : 4;
        if (col->offset + w > row_size || (col->kind == VR_H5_COL_STR && col->size < 2)) {
            st = vr_fail(err, VR_EINVAL, "h5: read %s: column %s does not fit a row", path, col->name);
            goto done;
        }
        const int idx = H5Tget_member_index(type, col->name);
        if (idx < 0) {
            H5Eclear2(H5E_DEFAULT);
            st = vr_fail(err, VR_EHDF5, "h5: read %s: no member '%s' in its record type", path, col->name);
            goto done;
        }
        if ((sub = H5Tget_member_type(type, (unsigned)idx)) == H5I_INVALID_HID) {
            st = h5_fail(err, "read", path);
            goto done;
        }
        const int ok = member_ok(sub, col->kind);
        /* strings convert only within one character set (ASCII or UTF-8): read in the file's */
        const H5T_cset_t cset = col->kind == VR_H5_COL_STR && ok ? H5Tget_cset(sub) : H5T_CSET_ASCII;
        H5Tclose(sub);
        sub = H5I_INVALID_HID;
        if (!ok) {
            st = vr_fail(err, VR_EHDF5, "h5: read %s: member '%s' is not a %s", path, col->name,
                         col->kind == VR_H5_COL_STR ? "fixed-length string"
                         : col->kind == VR_H5_COL_I32 ? "standard integer" : "standard number");
            goto done;
        }
        hid_t native = col->kind == VR_H5_COL_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE;
        if (col->kind == VR_H5_COL_STR) {
            if (cset < 0 || str_type(&mt, col->size, H5T_STR_NULLTERM, cset) < 0) {
                st = h5_fail(err, "read", path);
                goto done;
            }
            native = mt;
        }
        if (H5Tinsert(mem, col->name, col->offset, native) < 0) {
            st = h5_fail(err, "read", path);
            goto done;
        }
        if (mt != H5I_INVALID_HID) {
            H5Tclose(mt);
            mt = H5I_INVALID_HID;
        }
    }
    const size_t n = (size_t)d[0];
    if (n > 0) {
        if ((buf = calloc(n, row_size)) == NULL) {
            st = vr_fail(err, VR_ENOMEM, "h5: read %s: %zu records", path, n);
            goto done;
        }
        if ((dxpl = H5Pcreate(H5P_DATASET_XFER)) == H5I_INVALID_HID ||
            H5Pset_type_conv_cb(dxpl, range_cb, &out_of_range) < 0) {
            st = h5_fail(err, "read", path);
            goto done;
        }
        if (H5Dread(dset, mem, H5S_ALL, H5S_ALL, dxpl, buf) < 0) {
            if (out_of_range) {
                H5Eclear2(H5E_DEFAULT);
                st = vr_fail(err, VR_EHDF5, "h5: read %s: a value does not fit the type of its column "
                             "(a 32-bit integer): damaged data", path);
            } else {
                st = h5_fail(err, "read", path);
            }
            goto done;
        }
        for (size_t i = 0; i < n; i++) /* NUL-terminated whatever the file's padding */
            for (size_t c = 0; c < ncols; c++)
                if (cols[c].kind == VR_H5_COL_STR)
                    buf[i * row_size + cols[c].offset + cols[c].size - 1] = '\0';
    }
    *data = buf;
    *rows = n;
    buf = NULL;
done:
    free(buf);
    if (sub != H5I_INVALID_HID)
        H5Tclose(sub);
    if (mt != H5I_INVALID_HID)
        H5Tclose(mt);
    close_h(dxpl, H5Pclose, &st, err, path);
    close_h(mem, H5Tclose, &st, err, path);
    close_h(type, H5Tclose, &st, err, path);
    close_h(space, H5Sclose, &st, err, path);
    close_h(dset, H5Dclose, &st, err, path);
    return st;
}
