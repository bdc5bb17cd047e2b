/* market_day.c: one date's market from the data directory (vr_market_day_load in
 * vr_model_info.h), for `vixrisk model --asof`.
 *
 * Only one row per file is wanted, so each file is scanned line by line for the date instead of
 * being loaded whole; the header names the columns (`date`, `close`; for the futures `contract`,
 * `expiry`, `settle`; for the term structure `vx1`..`vx8`), as the data README describes them.
 * Lines are read by the history loaders' reader (csv.h), so a data directory a replay accepts is
 * read alike here. Required files (SPX, VIX) must exist and hold the date; the others add what they have. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_outfile.h"
#include "../data/csv.h"

int vr_date_diff_days(int32_t a, int32_t b) { return (int)vr_date_diff(a, b); }

/* A number field: empty -> NAN (no value); else it must be a finite decimal number, as the history
 * loaders read the same files (vr_parse_decimal: strtod alone took hexadecimal, "inf" and leading
 * blanks, so a close the replays refuse started a run). */
static int number(const char *s, double *out)
{
    if (s[0] == '\0') {
        *out = NAN;
        return 0;
    }
    double x;
    if (vr_parse_decimal(s, &x) != 1)
        return -1;
    *out = x;
    return 0;
}

/* A scan of one file for the rows of one date. cb gets each row's fields; the scan stops after the
 * date's rows (files are ascending) unless `full`. *first and *last get the span of dates in the
 * file (read to its end: when the date is absent, or with `full`), near[0] and near[1] the last
 * date before and the first date after `date` (0 if none).
 *
 * The rows come from the data loaders' reader (csv.h), and the header is read as the history
 * loader reads it (names in any case, blanks around them ignored, the `date` column wherever it
 * is, a byte-order mark, up to VR_CSV_MAX_FIELDS columns, lines of any length): a file a replay
 * reads is read here too, and a bad line is named by its own number. An absent file gives VR_EIO
 * with no message (the caller decides whether that is an error); any other failure is VR_EINVAL. */
typedef int (*row_fn)(void *ctx, char **f, int n, const char *path, long line, vr_err *err);

static vr_status scan(const char *path, int32_t date, int full, vr_csv_blank blank,
                      const char *const *cols, int ncols, int *idx, row_fn cb, void *ctx, int *found,
                      int32_t *first, int32_t *last, int32_t near[2], vr_err *err)
{
    vr_csv c;
    int missing = 0, r, nh = 0, cd = -1;
    *found = 0;
    *first = *last = 0;
    near[0] = near[1] = 0;
    vr_status st = vr_csv_open(&c, path, blank, &missing, err); /* (a FIFO or directory: refused) */
    if (st != VR_OK) {
        err->code = VR_EINVAL; /* unreadable is not absent */
        return VR_EINVAL;
    }
    if (missing)
        return VR_EIO;
    while ((r = vr_csv_next(&c, err)) == 1) {
        char **f = c.f;
        const long lineno = c.line_no;
        if (lineno == 1) {
            nh = c.nf;
            if (nh > VR_CSV_MAX_FIELDS) {
                st = vr_fail(err, VR_EINVAL, "%s:1: header has more than %d columns", path,
                             VR_CSV_MAX_FIELDS);
                goto done;
            }
            if ((cd = vr_csv_column(f, nh, "date")) < 0) {
                st = vr_fail(err, VR_EINVAL, "%s:1: header has no 'date' column", path);
                goto done;
            }
            for (int k = 0; k < ncols; k++)
                if ((idx[k] = vr_csv_column(f, nh, cols[k])) < 0) {
                    st = vr_fail(err, VR_EINVAL, "%s:1: header has no '%s' column", path, cols[k]);
                    goto done;
                }
            continue;
        }
        int32_t d;
        if (c.nf != nh || vr_history_parse_iso_date(vr_csv_trim(f[cd]), &d) != 0) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: malformed row (expected %d fields and a date)", path,
                         lineno, nh);
            goto done;
        }
        if (*first != 0 && d < *last) { /* the scan's stop and its nearest days rely on the order */
            char a[16], b[16];
            st = vr_fail(err, VR_EINVAL, "%s:%ld: date %s is before the previous row's %s (the file must be in "
                         "date order)", path, lineno, vr_history_format_date(d, a), vr_history_format_date(*last, b));
            goto done;
        }
        if (*first == 0)
            *first = d;
        *last = d;
        if (d < date) {
            near[0] = d;
            continue;
        }
        if (d > date) {
            if (near[1] == 0)
                near[1] = d;
            if (*found && !full)
                break;
            continue; /* keep reading: the span's end is wanted for messages */
        }
        *found = 1;
        if ((st = cb(ctx, f, c.nf, path, lineno, err)) != VR_OK)
            goto done;
    }
    if (r < 0)
        st = c.st;
done:
    vr_csv_close(&c);
    return st;
}

typedef struct close_ctx { const int *idx; double value; long line; } close_ctx;

static int close_row(void *vc, char **f, int n, const char *path, long line, vr_err *err)
{
    (void)n;
    close_ctx *c = vc;
    if (c->line != 0) /* which of two closes is the day's? (the history loaders refuse it too) */
        return vr_fail(err, VR_EINVAL, "%s:%ld: a second row for the date of line %ld", path, line, c->line);
    c->line = line;
    /* (at most 1e7, the model's spot range: a larger close is not an index level) */
    if (number(f[c->idx[0]], &c->value) != 0 || !(isnan(c->value) || (c->value > 0 && c->value <= 1e7)))
        return vr_fail(err, VR_EINVAL, "%s:%ld: close '%s' is not a positive number up to 1e7", path, line,
                       f[c->idx[0]]);
    return VR_OK;
}

const char *vr_market_span_why(const vr_market_span *sp, int32_t date, char *buf, size_t cap)
{
    char a[16], b[16], p0[16], p1[16];
    if (!sp->present)
        snprintf(buf, cap, ": the file is absent");
    else if (sp->first == 0)
        snprintf(buf, cap, ": the file has no data rows");
    else if (date < sp->first || date > sp->last)
        snprintf(buf, cap, ": the date is %s the data (the file covers %s to %s)",
                 date < sp->first ? "before" : "after", vr_history_format_date(sp->first, a),
                 vr_history_format_date(sp->last, b));
    else /* inside the span: a weekend, a holiday or a gap; name the trading days around it */
        snprintf(buf, cap, " (%s): the nearest trading days are %s and %s (the file covers %s to %s)",
                 sp->empty ? "the close is empty" : "not a trading day in the data",
                 sp->before ? vr_history_format_date(sp->before, p0) : "none",
                 sp->after ? vr_history_format_date(sp->after, p1) : "none",
                 vr_history_format_date(sp->first, a), vr_history_format_date(sp->last, b));
    return buf;
}

/* The close of `date` in dir/name; NAN when the file or the date is absent (required = 0), else
 * VR_EINVAL naming the file, the date and the file's span. *sp (may be NULL) gets what the file
 * holds around the date, for a caller that needs the close of an optional file. */
static vr_status load_close(const char *dir, const char *name, int32_t date, int required,
                            double *out, vr_market_span *sp, vr_err *err)
{
    char path[VR_DATA_DIR_MAX + 64], ds[16], why[192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    static const char *const cols[1] = {"close"};
    int idx[1], found;
    int32_t first, last, near[2];
    close_ctx c = {idx, NAN, 0};
    vr_market_span s = {0};
    *out = NAN;
    vr_status st = scan(path, date, 0, VR_CSV_BLANK_TRAILING, cols, 1, idx, close_row, &c, &found,
                        &first, &last, near, err);
    if (st == VR_OK && found && isnan(c.value)) {
        /* the day's close is empty: read on for the span and the next trading day */
        c = (close_ctx){idx, NAN, 0};
        st = scan(path, date, 1, VR_CSV_BLANK_TRAILING, cols, 1, idx, close_row, &c, &found, &first,
                  &last, near, err);
    }
    vr_history_format_date(date, ds);
    if (st != VR_OK && st != VR_EIO)
        return st;
    s.present = st != VR_EIO;
    if (s.present) {
        s.first = first, s.last = last, s.before = near[0], s.after = near[1];
        s.empty = found && isnan(c.value);
    }
    if (sp != NULL)
        *sp = s;
    if (!s.present)
        return required ? vr_fail(err, VR_EINVAL, "%s: cannot open (needed for the market of %s)",
                                  path, ds)
                        : VR_OK;
    if (required && (!found || isnan(c.value)))
        return vr_fail(err, VR_EINVAL, "%s: no close on %s%s", path, ds,
                       vr_market_span_why(&s, date, why, sizeof why));
    *out = found ? c.value : NAN;
    return VR_OK;
}

/* prev_exp and line: the date's last row so far (its expiry), 0 before it */
typedef struct fut_ctx {
    const int *idx;
    vr_market_day *mk;
    int32_t prev_exp;
    long line;
} fut_ctx;

static int contract_row(void *vc, char **f, int n, const char *path, long line, vr_err *err)
{
    (void)n;
    fut_ctx *c = vc;
    vr_market_day *mk = c->mk;
    int32_t exp;
    double settle;
    if (vr_history_parse_iso_date(f[c->idx[1]], &exp) != 0 || number(f[c->idx[2]], &settle) != 0 ||
        strlen(f[c->idx[0]]) != 7)
        return vr_fail(err, VR_EINVAL, "%s:%ld: malformed contract, expiry or settle", path, line);
    /* the day's contracts nearest first, each once (the futures history loader holds the file to
     * the same order): the table is read as ascending by expiry */
    if (c->line != 0 && exp <= c->prev_exp) {
        char a[16], b[16];
        return vr_fail(err, VR_EINVAL, "%s:%ld: expiry %s is not after line %ld's %s (a date's rows "
                       "must ascend by expiry)", path, line, vr_history_format_date(exp, a), c->line,
                       vr_history_format_date(c->prev_exp, b));
    }
    c->prev_exp = exp;
    c->line = line;
    if (exp <= mk->date || !(settle > 0) || mk->nfut == VR_MARKET_MAX_FUT)
        return VR_OK; /* expiring today, no settlement, or beyond what is shown */
    vr_market_fut *o = &mk->fut[mk->nfut++];
    snprintf(o->contract, sizeof o->contract, "%s", f[c->idx[0]]);
    o->expiry = exp;
    o->settle = settle;
    return VR_OK;
}

/* The day's listed futures. From VR_FUT_CONTRACTS_COMPLETE on, the contracts file's rows of the
 * date (real expiries) where it has them. Otherwise the futures history's curve of the date
 * (vr_futures_load: the term-structure file's row, its entries labelled against the contracts
 * file and cut before the first whose month cannot be told, engine/src/data/term_label.h), so
 * that `model --asof` and the calibrations read a day alike. (Before, this file labelled the term
 * row by counting months, which put 2008-07 where 2007-12-19 lists 2008-08, and in April 2007
 * took the 2008-02 contract for a 2007 one.) Before the term file starts (2007-04-02), the
 * contracts file's rows of the date: its contracts from 2008-01 only (its source lacks those that
 * expired in 2007). */
static vr_status load_futures(const char *dir, vr_market_day *mk, vr_err *err)
{
    char pc[VR_DATA_DIR_MAX + 64];
    int idx[3], found;
    int32_t first, last, near[2];
    fut_ctx c = {idx, mk, 0, 0};
    static const char *const ccols[3] = {"contract", "expiry", "settle"};
    snprintf(pc, sizeof pc, "%s/vix_futures_contracts.csv", dir);
    vr_status st = scan(pc, mk->date, 0, VR_CSV_BLANK_SKIP, ccols, 3, idx, contract_row, &c, &found,
                        &first, &last, near, err);
    if (st != VR_OK && st != VR_EIO)
        return st;
    if (mk->nfut > 0 && mk->date >= VR_FUT_CONTRACTS_COMPLETE) {
        snprintf(mk->fut_source, sizeof mk->fut_source, "vix_futures_contracts.csv");
        return VR_OK;
    }
    vr_futures fu;
    vr_err ferr = {VR_OK, ""};
    st = vr_futures_load(dir, &fu, &ferr);
    if (st == VR_EIO) /* neither file: no futures */
        return VR_OK;
    if (st != VR_OK) {
        if (err)
            *err = ferr;
        return st;
    }
    const long q = vr_futures_find(&fu, mk->date);
    if (q >= 0) {
        mk->nfut = 0;
        for (int k = 0; k < fu.count[q] && mk->nfut < VR_MARKET_MAX_FUT; k++) {
            vr_market_fut *o = &mk->fut[mk->nfut++];
            o->expiry = fu.expiry[(size_t)q * VR_FUT_MAX + (size_t)k];
            o->settle = fu.settle[(size_t)q * VR_FUT_MAX + (size_t)k];
            snprintf(o->contract, sizeof o->contract, "%04d-%02d", (int)(o->expiry / 10000 % 10000),
                     (int)(o->expiry / 100 % 100)); /* a contract expires in its own month */
        }
        snprintf(mk->fut_source, sizeof mk->fut_source, "%s",
                 mk->date < VR_FUT_CONTRACTS_COMPLETE
                     ? "vix_futures_term_structure.csv, months from vix_futures_contracts.csv"
                     : "vix_futures_term_structure.csv (expiries by the CFE rule)");
    } else if (mk->nfut > 0) {
        snprintf(mk->fut_source, sizeof mk->fut_source,
                 "vix_futures_contracts.csv (contracts from 2008-01 only)");
    }
    vr_futures_free(&fu);
    return VR_OK;
}

vr_status vr_market_day_load(const char *dir, int32_t date, vr_market_day *out, vr_err *err)
{
    vr_status st;
    memset(out, 0, sizeof *out);
    out->date = date;
    if ((st = vr_csv_dir_check("market day", dir, err)) != VR_OK)
        return st;
    snprintf(out->dir, sizeof out->dir, "%s", dir);
    if ((st = load_close(dir, "spx_daily.csv", date, 1, &out->spx, NULL, err)) != VR_OK ||
        (st = load_close(dir, "vix_daily.csv", date, 1, &out->vix, NULL, err)) != VR_OK ||
        (st = load_close(dir, "vix9d_daily.csv", date, 0, &out->vix9d, NULL, err)) != VR_OK ||
        (st = load_close(dir, "vix3m_daily.csv", date, 0, &out->vix3m, &out->vix3m_span, err)) != VR_OK ||
        (st = load_close(dir, "vix6m_daily.csv", date, 0, &out->vix6m, NULL, err)) != VR_OK ||
        (st = load_close(dir, "vvix_daily.csv", date, 0, &out->vvix, NULL, err)) != VR_OK)
        return st;
    return load_futures(dir, out, err);
}
