/* csv.h: the one CSV row reader of the data loaders (history.c, futures.c, and the one-day scan of
 * info/market_day.c); internal to the engine.
 *
 * The files are plain comma-separated text with a header line: no quoting, fields split at every
 * comma, line ends \n or \r\n. The reader owns the line buffer and the line count, so every
 * loader reports errors alike as "FILE:LINE: ...". */
#ifndef VIXRISK_DATA_CSV_H
#define VIXRISK_DATA_CSV_H

#include <stdio.h>

#include "vixrisk/vr_status.h"

#define VR_CSV_MAX_FIELDS 32

/* How a blank line is treated: skipped wherever it is, or accepted only at the end of the file
 * (anything but whitespace after it is an error naming its line). */
typedef enum vr_csv_blank { VR_CSV_BLANK_SKIP = 0, VR_CSV_BLANK_TRAILING = 1 } vr_csv_blank;

typedef struct vr_csv {
    const char *path;      /* borrowed; names the file in messages */
    FILE *fp;
    char *line;
    size_t cap;
    long line_no;          /* 1-based number of the line last read */
    vr_csv_blank blank;
    vr_status st;          /* why the last vr_csv_next returned -1 */
    int nf;                          /* fields of the row last read (VR_CSV_MAX_FIELDS + 1: too many) */
    char *f[VR_CSV_MAX_FIELDS + 1];  /* the fields, pointers into the line (valid until the next read) */
} vr_csv;

/* Opens path. If missing is non-NULL and the file does not exist, sets *missing = 1 and returns
 * VR_OK with c->fp == NULL (vr_csv_close is still safe); otherwise *missing = 0. VR_EIO names the
 * file and the system's reason. */
vr_status vr_csv_open(vr_csv *c, const char *path, vr_csv_blank blank, int *missing, vr_err *err);

/* Reads the next non-blank row (the header is row 1): chomps the line end, strips a UTF-8
 * byte-order mark from the first line and splits at commas into c->f[0..c->nf), each field with
 * its surrounding blanks (spaces, tabs) removed, so that every loader reads " 3250" as 3250 (the
 * history loader trimmed its fields and the one-day and futures loaders did not: a close the
 * replays took, `model --asof` refused). Returns 1 for a
 * row, 0 at the end of the file, -1 with c->st and err set: "FILE:LINE: NUL byte in line", "FILE:LINE:
 * empty line" (a blank line before more data under VR_CSV_BLANK_TRAILING), "FILE: read error
 * after line N", "FILE:1: empty file (expected a header line)", "FILE:1: column "close" appears
 * twice (columns 2 and 5)" (a header naming a column twice, matched as vr_csv_column matches:
 * any column, read or not, but not an empty name; a header over VR_CSV_MAX_FIELDS columns is
 * left to the loader). */
int vr_csv_next(vr_csv *c, vr_err *err);

/* Closes the file and frees the line (accepts a reader whose open failed or found no file). */
void vr_csv_close(vr_csv *c);

/* Index of the first field equal to name (ASCII case-insensitive, surrounding blanks ignored), or
 * -1. */
int vr_csv_column(char *const *f, int nf, const char *name);

/* A number field as the data files write it: decimal digits with an optional sign, '.' and
 * exponent (no hex "0x1p4", "inf" or "nan", which strtod would also take). Returns 1 for an empty
 * field (no value), 0 with *x set, -1 for anything else or a value out of double range
 * (vr_parse_decimal, the configs' number syntax too). */
int vr_csv_number(const char *s, double *x);

/* VR_OK when data directory `dir` fits the loaders' file paths (VR_DATA_DIR_MAX bytes), else
 * VR_EINVAL naming `who`, the path's start and its length: a longer path is refused, not cut. */
vr_status vr_csv_dir_check(const char *who, const char *dir, vr_err *err);

/* Trims spaces and tabs in place; returns the new start. */
char *vr_csv_trim(char *s);

#endif
