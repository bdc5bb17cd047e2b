/* vr_h5.h: the HDF5 result file: an atomic writer (temp file + rename) and a small reader.
 *
 * Writing goes through vr_outfile (vr_outfile.h): vr_h5_create checks final_path and creates the
 * HDF5 file under a short temporary name beside it (vr_h5_create_prepared does the same for an
 * output the caller prepared before a long computation); groups, datasets and attributes go there;
 * vr_h5_commit flushes and closes it and vr_outfile_commit fsyncs it and renames it over the final
 * name (only a regular file or nothing is replaced), so a reader sees either the old file or the
 * complete new one. vr_h5_abort closes and removes the temporary. The temporary is registered for
 * vr_outfile_signal_cleanup while it exists. After a failed write (a full disk, a file size limit)
 * commit and abort still close cleanly and remove the temporary.
 *
 * Paths are absolute HDF5 paths: "/" is the root, "/base/unhedged/pnl" a dataset; components must be
 * non-empty (no "//", no trailing "/"). Missing intermediate groups are created. Groups written here
 * track link creation order, so vr_h5_list_groups returns children in creation order (files from
 * elsewhere without that index: in name order).
 *
 * Datasets: 1-D (or 2-D) little-endian IEEE float64/float32 or int32, chunked. Chunk rule: split the
 * dataset into k = ceil(bytes / 1 MiB) chunks of equal length (along the first dimension; a 2-D
 * dataset keeps whole rows unless one row exceeds 1 MiB, then the columns are split the same way),
 * so each chunk is between 0.5 and 1 MiB, or the whole dataset when it is smaller than 1 MiB; 1 MiB
 * is also HDF5's default chunk-cache size, so one chunk always fits the cache. Uncompressed by
 * default (simulated P&L compresses only ~1.1x and deflate writes tens of MB/s); compress = 1..9
 * adds the shuffle filter and deflate at that level. Writing an existing dataset is an error.
 *
 * Attributes: scalar string (fixed-length, NUL-terminated UTF-8, at most VR_H5_STR_MAX bytes; h5py
 * reads them as bytes: .decode()), float64, int64, or a 1-D float64 array, on any group or
 * dataset; writing an existing attribute replaces it. Strings are fixed length so that a reader
 * never has to trust a variable-length string's heap reference (see the reader below).
 *
 * Errors: VR_EINVAL for bad arguments, VR_EIO for file system calls (rename, unlink), VR_EHDF5
 * when the library fails; the message names the operation, the object and HDF5's own explanation
 * from its error stack ("h5: write /base/unhedged/pnl: unable to create dataset: name already
 * exists"). HDF5's automatic error printing is switched off by create and open_read.
 *
 * Reading from Python (no vixrisk needed; tested in tests/test_h5.c when h5py is installed):
 *     import h5py, pandas as pd
 *     with h5py.File("run.h5", "r") as f:
 *         g = f["base"]                                   # a scenario
 *         df = pd.DataFrame({p: g[p]["pnl"][:] for p in g})   # one column per policy
 *         seed = f.attrs["seed"]; stats = dict(g["unhedged"].attrs)
 */
#ifndef VIXRISK_VR_H5_H
#define VIXRISK_VR_H5_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_status.h"

typedef struct vr_h5 vr_h5;               /* a file being written (opaque) */
typedef struct vr_h5_reader vr_h5_reader; /* a file open for reading (opaque) */

/* ---- writer --------------------------------------------------------------------------------- */

/* Check final_path (vr_outfile_prepare: no input list, a directory is an error) and create the
 * HDF5 file in its temporary. *out is set only on success; final_path is not touched until
 * vr_h5_commit. */
vr_status vr_h5_create(const char *final_path, vr_h5 **out, vr_err *err);

/* The same for an output prepared by the caller (vr_outfile_prepare done, begin not yet): begins it
 * and creates the HDF5 file in o->tmp. o must outlive the writer; commit and abort finish it. */
vr_status vr_h5_create_prepared(vr_outfile *o, vr_h5 **out, vr_err *err);

/* The temporary file's path, valid until vr_h5_commit or vr_h5_abort returns. NULL if w is NULL. */
const char *vr_h5_temp_path(const vr_h5 *w);

/* Create group `path` and any missing parents; an existing group is fine. */
vr_status vr_h5_group(vr_h5 *w, const char *path, vr_err *err);

/* Attributes on the group or dataset at obj_path ("/" for the root). value must be a NUL-terminated
 * string for attr_str; v[0..n) with n >= 1 for attr_double_array. */
vr_status vr_h5_attr_str(vr_h5 *w, const char *obj_path, const char *name, const char *value,
                         vr_err *err);
vr_status vr_h5_attr_double(vr_h5 *w, const char *obj_path, const char *name, double value,
                            vr_err *err);
vr_status vr_h5_attr_int64(vr_h5 *w, const char *obj_path, const char *name, int64_t value,
                           vr_err *err);
vr_status vr_h5_attr_double_array(vr_h5 *w, const char *obj_path, const char *name,
                                  const double *v, size_t n, vr_err *err);

/* 1-D datasets of n elements (n may be 0; data may then be NULL). compress: 0 = none, 1..9 =
 * shuffle + deflate at that level. */
vr_status vr_h5_write_f64(vr_h5 *w, const char *path, const double *data, size_t n, int compress,
                          vr_err *err);
vr_status vr_h5_write_f32(vr_h5 *w, const char *path, const float *data, size_t n, int compress,
                          vr_err *err);
vr_status vr_h5_write_i32(vr_h5 *w, const char *path, const int32_t *data, size_t n, int compress,
                          vr_err *err);
/* 2-D row-major datasets (rows x cols, e.g. sample paths x steps), uncompressed. */
vr_status vr_h5_write_f32_2d(vr_h5 *w, const char *path, const float *data, size_t rows,
                             size_t cols, vr_err *err);
vr_status vr_h5_write_f64_2d(vr_h5 *w, const char *path, const double *data, size_t rows,
                             size_t cols, vr_err *err);

/* A 1-D compound dataset of n records (a table: the trade log). Each field: its name, type, byte offset
 * in a record of row_size bytes, and for VR_H5_STR its size (a fixed-length NUL-padded string,
 * UTF-8). The file type is packed little-endian; n may be 0. Chunked like the other datasets. */
typedef enum vr_h5_ftype { VR_H5_F64, VR_H5_I32, VR_H5_STR } vr_h5_ftype;
typedef struct vr_h5_field {
    const char *name;
    vr_h5_ftype type;
    size_t offset, size;
} vr_h5_field;
vr_status vr_h5_write_table(vr_h5 *w, const char *path, const vr_h5_field *fields, int nfields,
                            const void *rows, size_t row_size, size_t n, vr_err *err);

/* Flush and close the file, then vr_outfile_commit (fsync, rename over the final name, fsync the
 * directory). Frees w whatever the outcome; on failure the temporary is removed and the final name
 * is left as it was. */
vr_status vr_h5_commit(vr_h5 *w, vr_err *err);

/* Close and unlink the temp file and free w (NULL is fine). Never fails. */
void vr_h5_abort(vr_h5 *w);

/* ---- reader --------------------------------------------------------------------------------- *
 *
 * The reader accepts files from elsewhere and checks what it reads before libhdf5 or the caller
 * acts on it: paths are followed through hard links only (soft and external links count as
 * missing); numeric data must have a standard IEEE float or integer type; string attributes must be
 * fixed length (variable-length ones are refused) of at most VR_H5_STR_MAX bytes; a dataset must be
 * a simple dataspace within the caller's shape and VR_H5_MAX_ELEMS elements, chunks of at most
 * VR_H5_MAX_CHUNK_BYTES, filters only shuffle, deflate and fletcher32 (plugins are never loaded);
 * a numeric attribute array holds at most VR_H5_MAX_ATTR_ELEMS elements; a listing at most
 * VR_H5_MAX_LIST groups. Violations are VR_EHDF5 (the file's data, not the caller's arguments: exit
 * 1) with the object's path. libhdf5's own parsing of
 * the file's metadata is not hardened against hostile files (docs/hdf5.md). */
#define VR_H5_STR_MAX 4194304                     /* bytes of a string attribute (4 MiB) */
#define VR_H5_MAX_ELEMS ((size_t)1 << 28)         /* elements of one dataset read (2 GiB of doubles) */
#define VR_H5_MAX_CHUNK_BYTES ((size_t)64 << 20)  /* bytes of one chunk */
#define VR_H5_MAX_ATTR_ELEMS 4096                 /* elements of a numeric attribute array */
#define VR_H5_MAX_LIST 4096                       /* groups one listing returns */

vr_status vr_h5_open_read(const char *path, vr_h5_reader **out, vr_err *err);
void vr_h5_close(vr_h5_reader *r); /* NULL is fine */

/* 1 if an object (group or dataset) exists at path, 0 if not (parents need not exist). */
int vr_h5_exists(vr_h5_reader *r, const char *path);

/* Read a numeric dataset of rank 1 or 2 (integers and floats are converted) into a malloc'd array
 * of all its elements in row-major order: *data (free() it; NULL when *n == 0), *n elements. */
vr_status vr_h5_read_f64(vr_h5_reader *r, const char *path, double **data, size_t *n, vr_err *err);

/* The shape a reader expects: rank (1 or 2; 0 = either), per dimension an exact extent (exact[i] >
 * 0) or an upper bound (max[i]; 0 = VR_H5_MAX_ELEMS). */
typedef struct vr_h5_shape {
    int rank;
    size_t exact[2], max[2];
} vr_h5_shape;

/* vr_h5_read_f64 with the shape checked before anything is allocated: dims[0..1] receive the
 * extents (dims[1] = 1 for rank 1). Errors: VR_EHDF5 naming the dimension and the limit. */
vr_status vr_h5_read_f64_shape(vr_h5_reader *r, const char *path, const vr_h5_shape *want,
                               double **data, size_t dims[2], vr_err *err);

/* Scalar attributes (a 1-element array is accepted too). read_attr_int64 reads an integer attribute
 * exactly and a float one if it is integral with magnitude <= 2^53. read_attr_str accepts fixed-length strings only and returns a malloc'd
 * copy (free() it). */
vr_status vr_h5_read_attr_double(vr_h5_reader *r, const char *obj_path, const char *name,
                                 double *value, vr_err *err);
vr_status vr_h5_read_attr_int64(vr_h5_reader *r, const char *obj_path, const char *name,
                                int64_t *value, vr_err *err);
vr_status vr_h5_read_attr_str(vr_h5_reader *r, const char *obj_path, const char *name,
                              char **value, vr_err *err);

/* Names of the children of group `path` that are groups, in creation order if the group tracks it
 * (every group vr_h5 writes does), else in name order. *names is a malloc'd array of *count
 * malloc'd strings (NULL when empty): release with vr_h5_free_names. */
vr_status vr_h5_list_groups(vr_h5_reader *r, const char *path, char ***names, size_t *count,
                            vr_err *err);
void vr_h5_free_names(char **names, size_t count);

/* Storage layout of a dataset, for tests and docs: rank (1 or 2), dims and chunk dims (chunk all 0
 * when contiguous), deflate level (0 = none), shuffle on/off, element size in bytes. */
typedef struct vr_h5_dset_info {
    int rank;
    size_t dims[2], chunk[2];
    int deflate, shuffle;
    size_t elem_size;
} vr_h5_dset_info;
vr_status vr_h5_dset_info_get(vr_h5_reader *r, const char *path, vr_h5_dset_info *info,
                              vr_err *err);

/* ---- reader additions (vixrisk report) ------------------------------------------------------- */

/* 1 if the object at obj_path exists and carries attribute `name`, else 0 (never fails). */
int vr_h5_attr_exists(vr_h5_reader *r, const char *obj_path, const char *name);

/* A numeric attribute of rank <= 2 and at most VR_H5_MAX_ATTR_ELEMS elements as a malloc'd array of all its elements, converted to double:
 * *v (free() it; NULL when *n == 0), *n elements. A scalar gives n = 1. */
vr_status vr_h5_read_attr_double_array(vr_h5_reader *r, const char *obj_path, const char *name,
                                       double **v, size_t *n, vr_err *err);

/* A column of a table read from a 1-D compound dataset (vr_h5_read_table): the member `name` of the
 * file's record type, converted to kind and stored at `offset` in each row: I32 an int32_t, F64 a
 * double, STR a char[size] (size >= 2), always NUL-terminated (longer strings are cut). */
typedef enum { VR_H5_COL_I32, VR_H5_COL_F64, VR_H5_COL_STR } vr_h5_col_kind;
typedef struct vr_h5_col {
    const char *name;
    vr_h5_col_kind kind;
    size_t offset, size;
} vr_h5_col;

/* Read the 1-D compound dataset at path (at most max_rows records) into a malloc'd array of *rows
 * rows of row_size bytes each (*data: free() it; NULL when *rows == 0). Every column must be a
 * member of the file's type: numeric members of a standard type (integers for I32 and F64, floats
 * for F64), string members fixed length; extra members are ignored. The storage rules of the other
 * readers apply. Errors: VR_EHDF5 naming the member or the limit, or from the library. */
vr_status vr_h5_read_table(vr_h5_reader *r, const char *path, const vr_h5_col *cols, size_t ncols,
                           size_t row_size, size_t max_rows, void **data, size_t *rows, vr_err *err);

#endif
