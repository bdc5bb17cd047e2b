/* vr_history.h: daily SPX / VIX / VIX3M closing history, joined on date.
 *
 * The data live outside the repository (see /work/shared/data/README.md); the loader reads
 * `dir/spx_daily.csv`, `dir/vix_daily.csv` and (optionally) `dir/vix3m_daily.csv`, each a CSV with
 * one header line naming a `date` and a `close` column, ISO dates (YYYY-MM-DD) strictly ascending,
 * `.` as the decimal point. Only the `close` column is used.
 *
 * The joined series holds the dates where both SPX and VIX have a close (inner join); VIX3M is NAN
 * on dates its file lacks (it starts in 2009). Nothing is filled in: a date present in only one of
 * SPX / VIX inside the range both cover is dropped and reported (counts and the list of dates). */
#ifndef VIXRISK_VR_HISTORY_H
#define VIXRISK_VR_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_status.h"

/* Which file a gap date came from. */
typedef enum vr_history_side { VR_HIST_ONLY_SPX = 0, VR_HIST_ONLY_VIX = 1 } vr_history_side;

typedef struct vr_history_gap {
    int32_t date;          /* yyyymmdd */
    vr_history_side side;  /* the file that has the date (the other one lacks it) */
} vr_history_gap;

typedef struct vr_history_counts {
    size_t rows_spx, rows_vix, rows_vix3m; /* data rows read per file (0 for vix3m if absent) */
    size_t only_spx, only_vix;             /* dates in one of SPX/VIX only, inside the common range */
    size_t outside_spx, outside_vix;       /* dates outside the range both files cover (not gaps) */
    size_t vix3m_missing;                  /* joined dates with NAN vix3m (incl. before its start) */
    size_t vix3m_unmatched;                /* vix3m dates not among the joined dates */
} vr_history_counts;

typedef struct vr_history {
    size_t n;            /* joined trading days */
    int32_t *date;       /* [n] yyyymmdd, strictly ascending */
    double *spx;         /* [n] S&P 500 close (price index) */
    double *vix;         /* [n] VIX close, index points (17.31 = 17.31% vol) */
    double *vix3m;       /* [n] VIX3M close, NAN where missing */
    char source[512];    /* "DIR/spx_daily.csv + DIR/vix_daily.csv + DIR/vix3m_daily.csv (close)" */
    size_t gaps_reported;          /* = counts.only_spx + counts.only_vix = n_gaps */
    vr_history_counts counts;
    vr_history_gap *gaps;          /* [n_gaps] dates present in only one of SPX/VIX, ascending */
    size_t n_gaps;
} vr_history;

/* Load and join the three files of `dir`. On success *out owns its arrays (free with
 * vr_history_free). Errors: VR_EIO when spx_daily.csv or vix_daily.csv cannot be opened (a missing
 * vix3m_daily.csv is not an error: vix3m is then all NAN and `source` says so); VR_EINVAL with
 * "FILE:LINE: ..." for a format error (header without date/close, bad or non-ascending date,
 * wrong field count, a close that is not a positive finite number); VR_EINVAL when the join is
 * empty. An empty close field counts as "no value" (the date is treated as absent from that file).
 * On failure *out is left zeroed. */
vr_status vr_history_load(const char *dir, vr_history *out, vr_err *err);

/* Half-open index range [*i0, *i1) of the dates in [from, to] (yyyymmdd, inclusive; from <= 0 means
 * from the first date, to <= 0 means to the last). VR_EINVAL if the window holds no date or
 * from > to. */
vr_status vr_history_window(const vr_history *h, int32_t from, int32_t to, size_t *i0, size_t *i1,
                            vr_err *err);

/* Free the arrays and zero the struct; accepts NULL and a zeroed struct. */
void vr_history_free(vr_history *h);

/* Default data directory: getenv("VIXRISK_DATA") if set and non-empty, else "../shared/data" if
 * that directory exists (relative to the current directory), else NULL. The returned string is
 * not owned by the caller. */
const char *vr_history_default_dir(void);

/* Parse "YYYY-MM-DD" (a valid calendar date, years 1800..2200) into yyyymmdd; 0 on success,
 * -1 if malformed. Also accepts "YYYYMMDD". */
int vr_history_parse_date(const char *s, int32_t *out);

/* Format yyyymmdd as "YYYY-MM-DD" into buf (>= 11 bytes); returns buf. */
char *vr_history_format_date(int32_t d, char *buf);

#endif
