/* vr_history.h: daily SPX / VIX / VIX3M closing history, joined on date.
 *
 * The data live outside the repository (see /work/shared/data/README.md); the loader reads
 * `dir/spx_daily.csv`, `dir/vix_daily.csv` and (optionally) `dir/vix3m_daily.csv`, each a CSV with
 * one header line naming a `date` and a `close` column, ISO dates (YYYY-MM-DD) strictly ascending,
 * `.` as the decimal point. Only the `close` column is used.
 *
 * The optional files `vix9d_daily.csv`, `vix6m_daily.csv` and `vvix_daily.csv` (same format; VVIX
 * has only `date,close`) are read the same way and looked up on the joined dates.
 *
 * The joined series holds the dates where both SPX and VIX have a close (inner join); VIX3M (and
 * VIX9D, VIX6M, VVIX) is NAN on dates its file lacks (VIX3M starts in 2009). Nothing is filled in: a date present in only one of
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
    size_t extra_rows[3];                  /* closes used from vix9d, vix6m, vvix (0 if absent) */
    size_t extra_missing[3];               /* joined dates where vix9d / vix6m / vvix is NAN */
} vr_history_counts;

/* VVIX closes before this date are not used (2006 has gaps of weeks and implausible values). */
#define VR_VVIX_FIRST_DATE 20070103

/* The longest data directory path the loaders take, in bytes (PATH_MAX less room for a file name):
 * a longer one is refused by name, not cut (the day's market cut it at 511 and 700 bytes and then
 * found its optional files "absent"). */
#define VR_DATA_DIR_MAX 4000

typedef struct vr_history {
    size_t n;            /* joined trading days */
    int32_t *date;       /* [n] yyyymmdd, strictly ascending */
    double *spx;         /* [n] S&P 500 close (price index) */
    double *vix;         /* [n] VIX close, index points (17.31 = 17.31% vol) */
    double *vix3m;       /* [n] VIX3M close, NAN where missing */
    double *vix9d;       /* [n] VIX9D close, NAN where missing (optional file, from 2011) */
    double *vix6m;       /* [n] VIX6M close, NAN where missing (optional file, 2008..2026-04) */
    double *vvix;        /* [n] VVIX close, NAN where missing or before VR_VVIX_FIRST_DATE */
    char source[1024];    /* "DIR/spx_daily.csv + DIR/vix_daily.csv + DIR/vix3m_daily.csv (close)" */
    size_t gaps_reported;          /* = counts.only_spx + counts.only_vix = n_gaps */
    vr_history_counts counts;
    vr_history_gap *gaps;          /* [n_gaps] dates present in only one of SPX/VIX, ascending */
    size_t n_gaps;
} vr_history;

/* Load and join the three files of `dir`. On success *out owns its arrays (free with
 * vr_history_free). Errors: VR_EIO when spx_daily.csv or vix_daily.csv cannot be opened (a missing
 * vix3m_daily.csv (or of an optional file) is not an error: that column is then all NAN and
 * `source` says so); VR_EINVAL with
 * "FILE:LINE: ..." for a format error (header without date/close, bad or non-ascending date,
 * wrong field count, a close that is not a positive finite number); VR_EINVAL when the join is
 * empty. An empty close field counts as "no value" (the date is treated as absent from that file).
 * On failure *out is left zeroed. */
vr_status vr_history_load(const char *dir, vr_history *out, vr_err *err);

/* Half-open index range [*i0, *i1) of the dates in [from, to] (yyyymmdd, inclusive; from <= 0 means
 * from the first date, to <= 0 means to the last). VR_EINVAL if the window holds no date,
 * from > to, or an end (> 0) lies outside [first date, last date]: a window is never cut to the
 * data. */
vr_status vr_history_window(const vr_history *h, int32_t from, int32_t to, size_t *i0, size_t *i1,
                            vr_err *err);

/* Free the arrays and zero the struct; accepts NULL and a zeroed struct. */
void vr_history_free(vr_history *h);

/* Default data directory: getenv("VIXRISK_DATA") if set and non-empty, else "../shared/data" if
 * that directory exists (relative to the current directory), else NULL. The returned string is
 * not owned by the caller. */
const char *vr_history_default_dir(void);

/* Parse a date into yyyymmdd. "YYYY-MM-DD" exactly is the one form a date takes in configs, on
 * the command line and in the data files (not "YYYYMMDD"). 0 on success; -1 if s is not of that
 * form (or NULL); -2 if it is, but names no day (2020-02-30) or a year outside 1800..2200. */
int vr_history_parse_iso_date(const char *s, int32_t *out);

/* What a failed vr_history_parse_iso_date (its return code rc) expected, for "expected %s":
 * "a date YYYY-MM-DD", or for rc -2 "a calendar day YYYY-MM-DD in the years 1800-2200". */
const char *vr_history_date_expected(int rc);

/* Format yyyymmdd as "YYYY-MM-DD" into buf (>= 11 bytes); returns buf. */
char *vr_history_format_date(int32_t d, char *buf);

/* ---- VIX futures --------------------------------------------------------------------------- */
/* The listed monthly VX futures of every trade date, from two files of `dir`:
 *   vix_futures_contracts.csv  `date,contract,expiry,...,settle,...` one row per contract per day
 *                              (real expiries; rows sorted by date, then expiry);
 *   vix_futures_term_structure.csv  `date,vx1..vx8`: the settlements of the 1st..8th *listed*
 *                              contract expiring strictly after `date`, without expiries.
 * A date present in the contracts file takes its curve from there; the term-structure file adds
 * the dates after (or before) it. The contracts file lacks the contracts that expired in 2007 or
 * earlier, so its trade dates before VR_FUT_CONTRACTS_COMPLETE are not used as curves; they, and
 * the months it lists, label the term file's entries (engine/src/data/term_label.h: matched
 * contracts take their real expiries, the others a month each where the months between two known
 * contracts are as many as the entries, else the curve ends before the entry; expiries by the
 * CFE rule, the Wednesday 30 days before the third Friday of the following month, where the
 * contracts file does not list the month).
 * Contracts on their expiry date (expiry == date) are dropped, so
 * both sources mean "expiring strictly after the trade date". Either file may be absent, not both. */
#define VR_FUT_CONTRACTS_COMPLETE 20071220
#define VR_FUT_MAX 10 /* contracts per trade date kept (the nearest ones) */

typedef struct vr_futures {
    size_t n;             /* trade dates, strictly ascending */
    int32_t *date;        /* [n] yyyymmdd */
    int *count;           /* [n] contracts listed that day, 1..VR_FUT_MAX */
    int32_t *expiry;      /* [n * VR_FUT_MAX] yyyymmdd, ascending within a day */
    double *settle;       /* [n * VR_FUT_MAX] settlement price, index points */
    size_t n_contracts_file, n_term_file; /* trade dates taken from each file */
    size_t n_term_cut, n_term_dropped;    /* term-file dates whose curve ends before an entry of
                                             uncertain month; left without a contract by that */
    char source[1024];
} vr_futures;

/* Load the futures of `dir`. Errors: VR_EIO when neither file can be opened (the message names
 * both paths); VR_EINVAL "FILE:LINE: ..." for a format error (missing column, bad or descending
 * date, expiry before the date, expiries not ascending within a date, a settle that is not a
 * positive finite number). On failure *out is zeroed. */
vr_status vr_futures_load(const char *dir, vr_futures *out, vr_err *err);
void vr_futures_free(vr_futures *f);

/* Index of trade date d in f (binary search), or -1. */
long vr_futures_find(const vr_futures *f, int32_t d);

/* Constant-maturity future `days` calendar days ahead on trade day i: linear in days to expiry
 * between the two listed contracts around it; before the first contract between spot (the VIX
 * `spot_vix`, a future expiring today) and the first contract. NAN when the curve does not reach
 * `days`. */
double vr_futures_cm(const vr_futures *f, size_t i, double days, double spot_vix);

/* Calendar days from a to b (yyyymmdd). */
long vr_date_diff(int32_t a, int32_t b);

/* The final settlement date (yyyymmdd) of the monthly VIX future of month (y, m): the Wednesday 30
 * days before the third Friday of the next month, or 30 days before the Thursday before it when
 * that Friday is Good Friday (an exchange holiday). */
int32_t vr_vx_expiry(int y, int m);

/* Days since 1970-01-01 of the date x (yyyymmdd, proleptic Gregorian; negative before 1970),
 * and back: vr_date_from_days(vr_date_days(x)) == x for every valid date. */
long vr_date_days(int32_t x);
int32_t vr_date_from_days(long z);

#endif
