/* futures.c: the daily curve of listed VIX futures (see vr_history.h).
 *
 * Two sources describe the same contracts: the per-contract file (real expiries, 2006-2015) and
 * the VX1..VX8 term-structure file (2007-2021, the nearest listed contracts, no expiries). Both
 * become one table: for each trade date, the settlements of the contracts expiring strictly after
 * it, nearest first, with their expiry dates. A term row's entries are labelled against the
 * contracts file's rows of the same date (term_label.h); a month the contracts file does not give
 * expires by the exchange's rule (the Wednesday 30 days before the third Friday of the following
 * month; when that Friday is Good Friday, 30 days before the Thursday before it). Malformed lines
 * stop the load with FILE:LINE, as the daily-index loader does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_history.h"
#include "csv.h"
#include "term_label.h"

/* ---- calendar ----------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (the classic era-based formula). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int32_t vr_date_from_days(long z)
{
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    const long d = doy - (153 * mp + 2) / 5 + 1;
    const long m = mp + (mp < 10 ? 3 : -9);
    const long y = yoe + era * 400 + (m <= 2);
    return (int32_t)(y * 10000 + m * 100 + d);
}

long vr_date_days(int32_t x) { return days_from_civil(x / 10000, x / 100 % 100, x % 100); }

long vr_date_diff(int32_t a, int32_t b) { return vr_date_days(b) - vr_date_days(a); }

/* Easter Sunday (anonymous Gregorian algorithm), as days since 1970-01-01. */
static long easter(int y)
{
    const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
    const int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    const int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
    return days_from_civil(y, month, day);
}

/* The rule's expiry of the contract of month (y, m) (vr_history.h). */
int32_t vr_vx_expiry(int y, int m)
{
    int ny = y, nm = m + 1;
    if (nm == 13) {
        nm = 1;
        ny++;
    }
    const long first = days_from_civil(ny, nm, 1);
    const long wd = ((first + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday: 0 = Sunday */
    long fri = first + ((5 - wd + 7) % 7) + 14;
    if (fri == easter(ny) - 2)
        fri -= 1;
    return vr_date_from_days(fri - 30);
}

/* ---- CSV ---------------------------------------------------------------------------------- */

/* Rows come from the shared reader (csv.h); blank lines are skipped wherever they are. */

/* A positive finite number; 0 = ok, 1 = empty, -1 = bad. */
static int parse_pos(const char *s, double *x)
{
    const int r = vr_csv_number(s, x);
    return r != 0 ? r : *x > 0 ? 0 : -1;
}

/* ---- the table ---------------------------------------------------------------------------- */

typedef struct curve_buf {
    size_t n, cap;
    int32_t *date;
    int *count;
    int32_t *expiry;
    double *settle;
} curve_buf;

static int buf_day(curve_buf *b, int32_t d)
{
    if (b->n == b->cap) {
        const size_t c = b->cap ? 2 * b->cap : 4096;
        int32_t *nd = realloc(b->date, c * sizeof *nd);
        if (!nd)
            return -1;
        b->date = nd;
        int *nc = realloc(b->count, c * sizeof *nc);
        if (!nc)
            return -1;
        b->count = nc;
        int32_t *ne = realloc(b->expiry, c * VR_FUT_MAX * sizeof *ne);
        if (!ne)
            return -1;
        b->expiry = ne;
        double *ns = realloc(b->settle, c * VR_FUT_MAX * sizeof *ns);
        if (!ns)
            return -1;
        b->settle = ns;
        b->cap = c;
    }
    b->date[b->n] = d;
    b->count[b->n] = 0;
    b->n++;
    return 0;
}

static void buf_free(curve_buf *b)
{
    free(b->date);
    free(b->count);
    free(b->expiry);
    free(b->settle);
    memset(b, 0, sizeof *b);
}

/* Known real expiries by contract month (index (y - 2000) * 12 + m - 1). */
#define MONTHS (200 * 12)

static int month_index(int32_t ym_day)
{
    const int y = ym_day / 10000, m = ym_day / 100 % 100;
    const int k = (y - 2000) * 12 + m - 1;
    return k >= 0 && k < MONTHS ? k : -1;
}

/* What the contracts file says of each month: its real expiry and its first trade date (0 where
 * the file has no row of the month), and the span of months and trade dates it covers. */
typedef struct month_info {
    int32_t *expiry, *first;
    int lo, hi;          /* month indices the file holds, [lo, hi]; lo > hi if none */
    int32_t last_trade;  /* its last trade date */
} month_info;

/* The rows of trade dates before VR_FUT_CONTRACTS_COMPLETE go to `early`: they lack the 2007
 * contracts, so they only label the term file's entries (term_label.h). */
static vr_status read_contracts(const char *path, curve_buf *b, curve_buf *early, month_info *mo,
                                int *missing, vr_err *err)
{
    int nh = 0, cd = -1, ce = -1, cs = -1;
    vr_csv c;
    int r;
    vr_status st = vr_csv_open(&c, path, VR_CSV_BLANK_SKIP, missing, err);
    if (st != VR_OK || c.fp == NULL)
        return st;
    int32_t prev_d = 0, prev_e = 0;
    while ((r = vr_csv_next(&c, err)) == 1) {
        char **f = c.f;
        const long ln = c.line_no;
        if (ln == 1) {
            nh = c.nf;
            if (nh > VR_CSV_MAX_FIELDS || (cd = vr_csv_column(f, nh, "date")) < 0 ||
                (ce = vr_csv_column(f, nh, "expiry")) < 0 ||
                (cs = vr_csv_column(f, nh, "settle")) < 0) {
                st = vr_fail(err, VR_EINVAL,
                             "%s:1: header must name 'date', 'expiry' and 'settle' columns", path);
                goto done;
            }
            continue;
        }
        const int nf = c.nf;
        if (nf != nh) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: expected %d fields, got %d", path, ln, nh, nf);
            goto done;
        }
        int32_t d, e;
        int drc = vr_history_parse_iso_date(f[cd], &d);
        if (drc != 0) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: bad date '%s' (expected %s)", path, ln, f[cd],
                         vr_history_date_expected(drc));
            goto done;
        }
        if ((drc = vr_history_parse_iso_date(f[ce], &e)) != 0) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: bad expiry '%s' (expected %s)", path, ln, f[ce],
                         vr_history_date_expected(drc));
            goto done;
        }
        if (d < prev_d || (d == prev_d && e <= prev_e)) {
            st = vr_fail(err, VR_EINVAL,
                         "%s:%ld: rows must ascend by date, then by expiry (date %s, expiry %s)",
                         path, ln, f[cd], f[ce]);
            goto done;
        }
        if (e < d) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: expiry %s is before the trade date %s", path, ln,
                         f[ce], f[cd]);
            goto done;
        }
        double x;
        const int pr = parse_pos(f[cs], &x);
        if (pr < 0) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: settle '%s' is not a positive finite number",
                         path, ln, f[cs]);
            goto done;
        }
        const int mi = month_index(e);
        if (mi >= 0)
            mo->expiry[mi] = e;
        prev_d = d;
        prev_e = e;
        if (pr == 1 || e == d)
            continue; /* no settlement, or expiring today */
        if (mi >= 0) {
            if (mo->first[mi] == 0)
                mo->first[mi] = d;
            mo->lo = mi < mo->lo ? mi : mo->lo;
            mo->hi = mi > mo->hi ? mi : mo->hi;
        }
        mo->last_trade = d;
        curve_buf *to = d < VR_FUT_CONTRACTS_COMPLETE ? early : b;
        if ((to->n == 0 || to->date[to->n - 1] != d) && buf_day(to, d) != 0) {
            st = vr_fail(err, VR_ENOMEM, "%s: out of memory at line %ld", path, ln);
            goto done;
        }
        const size_t i = to->n - 1;
        if (to->count[i] < VR_FUT_MAX) {
            to->expiry[i * VR_FUT_MAX + (size_t)to->count[i]] = e;
            to->settle[i * VR_FUT_MAX + (size_t)to->count[i]] = x;
            to->count[i]++;
        }
    }
    if (r < 0)
        st = c.st;
done:
    vr_csv_close(&c);
    return st;
}

/* term_label.h's vr_month_expiry_fn over month_info. */
static int32_t known_expiry(const void *ctx, int y, int m, int32_t date, int *maybe)
{
    const month_info *mi = ctx;
    const int k = month_index((int32_t)(y * 10000 + m * 100 + 1));
    *maybe = 0;
    if (k >= 0 && k >= mi->lo && k <= mi->hi && date <= mi->last_trade) {
        const long after = mi->first[k] == 0 ? 1000 : vr_date_diff(date, mi->first[k]);
        if (after > 7)
            return 0; /* the file holds the month and starts it more than a week after the date */
        *maybe = after > 0;
    }
    return k >= 0 && mi->expiry[k] > 0 ? mi->expiry[k] : vr_vx_expiry(y, m);
}

/* The index of date d in date[0..n) (strictly ascending), or -1. */
static long date_find(const int32_t *date, size_t n, int32_t d)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (date[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && date[lo] == d ? (long)lo : -1;
}

/* The term file's rows, each labelled against the contracts file's rows of its date (in cf or
 * early) and cut before its first uncertain entry (term_label.h); *cut counts the dates cut and
 * *dropped those left without a contract. A row whose every entry is certain gets the contracts
 * file's farther contracts of its date after it. */
static vr_status read_term(const char *path, curve_buf *b, const curve_buf *cf,
                           const curve_buf *early, const month_info *mo, int *missing,
                           size_t *cut, size_t *dropped, vr_err *err)
{
    int nh = 0, cd = -1, cv[8];
    vr_csv c;
    int r;
    vr_status st = vr_csv_open(&c, path, VR_CSV_BLANK_SKIP, missing, err);
    if (st != VR_OK || c.fp == NULL)
        return st;
    int32_t prev = 0;
    while ((r = vr_csv_next(&c, err)) == 1) {
        char **f = c.f;
        const long ln = c.line_no;
        if (ln == 1) {
            nh = c.nf;
            int ok = nh <= VR_CSV_MAX_FIELDS && (cd = vr_csv_column(f, nh, "date")) >= 0;
            for (int k = 0; k < 8 && ok; k++) {
                char name[8];
                snprintf(name, sizeof name, "vx%d", k + 1);
                ok = (cv[k] = vr_csv_column(f, nh, name)) >= 0;
            }
            if (!ok) {
                st = vr_fail(err, VR_EINVAL, "%s:1: header must name 'date' and 'vx1'..'vx8'",
                             path);
                goto done;
            }
            continue;
        }
        const int nf = c.nf;
        if (nf != nh) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: expected %d fields, got %d", path, ln, nh, nf);
            goto done;
        }
        int32_t d;
        const int drc = vr_history_parse_iso_date(f[cd], &d);
        if (drc != 0) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: bad date '%s' (expected %s)", path, ln, f[cd],
                         vr_history_date_expected(drc));
            goto done;
        }
        if (d <= prev) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: date %s is not after the previous row's", path,
                         ln, f[cd]);
            goto done;
        }
        prev = d;
        if (buf_day(b, d) != 0) {
            st = vr_fail(err, VR_ENOMEM, "%s: out of memory at line %ld", path, ln);
            goto done;
        }
        const size_t i = b->n - 1;
        double vx[8];
        int nv = 0;
        for (int k = 0; k < 8; k++) {
            double x;
            const int pr = parse_pos(f[cv[k]], &x);
            if (pr < 0) {
                st = vr_fail(err, VR_EINVAL, "%s:%ld: vx%d '%s' is not a positive finite number",
                             path, ln, k + 1, f[cv[k]]);
                goto done;
            }
            if (pr == 1)
                break; /* the curve ends at the first empty contract */
            vx[nv++] = x;
        }
        const curve_buf *src = d < VR_FUT_CONTRACTS_COMPLETE ? early : cf;
        const long q = date_find(src->date, src->n, d);
        if (src == cf && q >= 0) {
            b->n--; /* the contracts file's curve of the date is the one kept */
            continue;
        }
        const int nc = q < 0 ? 0 : src->count[q];
        const int32_t *ce = q < 0 ? NULL : src->expiry + (size_t)q * VR_FUT_MAX;
        const double *cs = q < 0 ? NULL : src->settle + (size_t)q * VR_FUT_MAX;
        int32_t ex[8];
        const int k = vr_term_label(d, vx, nv, ce, cs, nc, known_expiry, mo, ex);
        for (int j = 0; j < k; j++) {
            b->expiry[i * VR_FUT_MAX + (size_t)j] = ex[j];
            b->settle[i * VR_FUT_MAX + (size_t)j] = vx[j];
        }
        b->count[i] = k;
        if (k == nv) /* the contracts file's farther contracts of the date */
            for (int j = 0; j < nc && b->count[i] < VR_FUT_MAX; j++)
                if (k == 0 || ce[j] > ex[k - 1]) {
                    b->expiry[i * VR_FUT_MAX + (size_t)b->count[i]] = ce[j];
                    b->settle[i * VR_FUT_MAX + (size_t)b->count[i]] = cs[j];
                    b->count[i]++;
                }
        if (k < nv)
            ++*(k == 0 ? dropped : cut);
        if (b->count[i] == 0)
            b->n--; /* no contract that day */
    }
    if (r < 0)
        st = c.st;
done:
    vr_csv_close(&c);
    return st;
}

void vr_futures_free(vr_futures *f)
{
    if (!f)
        return;
    free(f->date);
    free(f->count);
    free(f->expiry);
    free(f->settle);
    memset(f, 0, sizeof *f);
}

vr_status vr_futures_load(const char *dir, vr_futures *out, vr_err *err)
{
    vr_status st = VR_OK;
    curve_buf c = {0}, t = {0}, m = {0}, early = {0};
    int32_t *known = NULL;
    month_info mo = {NULL, NULL, MONTHS, -1, 0};
    char pc[4096], pt[4096];
    int miss_c = 0, miss_t = 0;
    if (out)
        memset(out, 0, sizeof *out);
    if (!dir || !out)
        return vr_fail(err, VR_EINVAL, "futures: no data directory given");
    if ((st = vr_csv_dir_check("futures", dir, err)) != VR_OK)
        return st;
    snprintf(pc, sizeof pc, "%s/vix_futures_contracts.csv", dir);
    snprintf(pt, sizeof pt, "%s/vix_futures_term_structure.csv", dir);
    known = calloc(2 * MONTHS, sizeof *known);
    if (!known)
        return vr_fail(err, VR_ENOMEM, "futures: expiry table");
    mo.expiry = known;
    mo.first = known + MONTHS;
    if ((st = read_contracts(pc, &c, &early, &mo, &miss_c, err)) != VR_OK)
        goto done;
    if ((st = read_term(pt, &t, &c, &early, &mo, &miss_t, &out->n_term_cut,
                        &out->n_term_dropped, err)) != VR_OK)
        goto done;
    if (miss_c && miss_t) {
        st = vr_fail(err, VR_EIO, "futures: neither %s nor %s exists", pc, pt);
        goto done;
    }
    /* merge: the contracts file wins on shared dates */
    size_t i = 0, j = 0;
    while (i < c.n || j < t.n) {
        const int32_t dc = i < c.n ? c.date[i] : INT32_MAX, dt = j < t.n ? t.date[j] : INT32_MAX;
        const curve_buf *src = dc <= dt ? &c : &t;
        const size_t k = dc <= dt ? i : j;
        if (buf_day(&m, src->date[k]) != 0) {
            st = vr_fail(err, VR_ENOMEM, "futures: merge");
            goto done;
        }
        const size_t q = m.n - 1;
        m.count[q] = src->count[k];
        memcpy(m.expiry + q * VR_FUT_MAX, src->expiry + k * VR_FUT_MAX,
               (size_t)src->count[k] * sizeof *m.expiry);
        memcpy(m.settle + q * VR_FUT_MAX, src->settle + k * VR_FUT_MAX,
               (size_t)src->count[k] * sizeof *m.settle);
        if (dc <= dt) {
            out->n_contracts_file++;
            i++;
            if (dc == dt)
                j++;
        } else {
            out->n_term_file++;
            j++;
        }
    }
    if (m.n == 0) {
        st = vr_fail(err, VR_EINVAL, "futures: %s and %s hold no settlement", pc, pt);
        goto done;
    }
    out->n = m.n;
    out->date = m.date;
    out->count = m.count;
    out->expiry = m.expiry;
    out->settle = m.settle;
    memset(&m, 0, sizeof m);
    char cuts[160] = "";
    if (out->n_term_cut + out->n_term_dropped > 0)
        snprintf(cuts, sizeof cuts, "; term-file curves cut before an entry of uncertain month: "
                 "%zu, dropped: %zu", out->n_term_cut, out->n_term_dropped);
    snprintf(out->source, sizeof out->source, "%s%s + %s%s (settle%s)", pc,
             miss_c ? " [absent]" : "", pt, miss_t ? " [absent]" : "", cuts);
done:
    if (st != VR_OK)
        memset(out, 0, sizeof *out);
    buf_free(&c);
    buf_free(&early);
    buf_free(&t);
    buf_free(&m);
    free(known);
    return st;
}

long vr_futures_find(const vr_futures *f, int32_t d) { return date_find(f->date, f->n, d); }

double vr_futures_cm(const vr_futures *f, size_t i, double days, double spot_vix)
{
    const int32_t d = f->date[i];
    double t0 = 0.0, x0 = spot_vix;
    for (int k = 0; k < f->count[i]; k++) {
        const double tk = (double)vr_date_diff(d, f->expiry[i * VR_FUT_MAX + (size_t)k]);
        const double xk = f->settle[i * VR_FUT_MAX + (size_t)k];
        if (tk >= days) {
            if (!(x0 > 0))
                return NAN;
            return x0 + (xk - x0) * (days - t0) / (tk - t0);
        }
        t0 = tk;
        x0 = xk;
    }
    return NAN;
}
