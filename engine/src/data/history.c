/* history.c: loading the daily SPX / VIX / VIX3M closes (see vr_history.h).
 *
 * Each file is read whole into a (date, close) series with strict validation: a header naming
 * `date` and `close`, one row per line with the header's field count, ISO dates strictly
 * ascending, closes positive numbers up to 1e7 (or empty = no value). Any violation stops the load
 * with "FILE:LINE: ..." so that a corrupted file is never half-used. The series are then merged
 * on date: SPX and VIX by inner join, VIX3M by lookup (NAN where absent). Dates found in only one
 * of SPX / VIX within the span both cover are recorded as gaps rather than filled. */
#include "vixrisk/vr_history.h"
#include "csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

#define VR_HIST_CLOSE_MAX 1e7 /* the largest close read (the model's spot range, (0, 1e7]) */

/* One file's series. */
typedef struct series {
    size_t n, cap;
    int32_t *date;
    double *close;  /* NAN for an empty field */
} series;

static void series_free(series *s)
{
    free(s->date);
    free(s->close);
    memset(s, 0, sizeof *s);
}

static int series_push(series *s, int32_t d, double c)
{
    if (s->n == s->cap) {
        const size_t cap = s->cap ? 2 * s->cap : 4096;
        int32_t *nd = realloc(s->date, cap * sizeof *nd);
        if (!nd)
            return -1;
        s->date = nd;
        double *nc = realloc(s->close, cap * sizeof *nc);
        if (!nc)
            return -1;
        s->close = nc;
        s->cap = cap;
    }
    s->date[s->n] = d;
    s->close[s->n] = c;
    s->n++;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

int vr_history_parse_iso_date(const char *s, int32_t *out)
{
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int n[10];
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
        n[i] = s[i] - '0';
    }
    const int y = n[0] * 1000 + n[1] * 100 + n[2] * 10 + n[3], m = n[5] * 10 + n[6], d = n[8] * 10 + n[9];
    if (y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -2;
    *out = (int32_t)(y * 10000 + m * 100 + d);
    return 0;
}

const char *vr_history_date_expected(int rc)
{
    return rc == -2 ? "a calendar day YYYY-MM-DD in the years 1800-2200" : "a date YYYY-MM-DD";
}

char *vr_history_format_date(int32_t d, char *buf)
{
    snprintf(buf, 11, "%04d-%02d-%02d", (int)(d / 10000) % 10000, (int)(d / 100 % 100),
             (int)(d % 100));
    return buf;
}

/* Read `path` into *s. *missing (if non-NULL) is set instead of failing when the file does not
 * exist. */
static vr_status read_series(const char *path, series *s, int *missing, vr_err *err)
{
    vr_csv c;
    int r, col_date = -1, col_close = -1, nf_header = 0;
    vr_status st = vr_csv_open(&c, path, VR_CSV_BLANK_TRAILING, missing, err);
    if (st != VR_OK || c.fp == NULL)
        return st;
    while ((r = vr_csv_next(&c, err)) == 1) {
        char **f = c.f;
        const long lineno = c.line_no;
        if (lineno == 1) {
            nf_header = c.nf;
            if (nf_header > VR_CSV_MAX_FIELDS) {
                st = vr_fail(err, VR_EINVAL, "%s:1: header has more than %d columns", path,
                             VR_CSV_MAX_FIELDS);
                goto done;
            }
            col_date = vr_csv_column(f, nf_header, "date");
            col_close = vr_csv_column(f, nf_header, "close");
            if (col_date < 0 || col_close < 0) {
                st = vr_fail(err, VR_EINVAL,
                             "%s:1: header must name a 'date' and a 'close' column (got '%s%s')",
                             path, f[0], nf_header > 1 ? ",..." : "");
                goto done;
            }
            continue;
        }
        if (c.nf != nf_header) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: expected %d fields, got %d", path, lineno,
                         nf_header, c.nf);
            goto done;
        }
        const char *ds = vr_csv_trim(f[col_date]);
        int32_t d;
        const int drc = vr_history_parse_iso_date(ds, &d);
        if (drc != 0) {
            st = vr_fail(err, VR_EINVAL, "%s:%ld: bad date '%s' (expected %s)", path, lineno, ds,
                         vr_history_date_expected(drc));
            goto done;
        }
        if (s->n > 0 && d <= s->date[s->n - 1]) {
            char prev[16];
            st = vr_fail(err, VR_EINVAL, "%s:%ld: date %s is not after the previous row's %s",
                         path, lineno, ds, vr_history_format_date(s->date[s->n - 1], prev));
            goto done;
        }
        const char *cs = vr_csv_trim(f[col_close]);
        double x = NAN;
        if (cs[0] != '\0') {
            /* at most 1e7, the model's spot range, as the day's market reads the same files
             * (market_day.c): a larger close is no index level, and a replay or bootstrap fed
             * one (a VIX of 1e9, an SPX of 1e30) ran to nonsense or to an Inf in the run file */
            if (vr_csv_number(cs, &x) != 0 || !(x > 0.0 && x <= VR_HIST_CLOSE_MAX)) {
                st = vr_fail(err, VR_EINVAL,
                             "%s:%ld: close '%s' is not a positive number up to 1e7", path, lineno,
                             cs);
                goto done;
            }
        }
        if (series_push(s, d, x) != 0) {
            st = vr_fail(err, VR_ENOMEM, "%s: out of memory at line %ld", path, lineno);
            goto done;
        }
    }
    if (r < 0)
        st = c.st;
done:
    vr_csv_close(&c);
    if (st != VR_OK)
        series_free(s);
    return st;
}

/* Drop rows whose close is empty (the source has no value that day). */
static void series_compact(series *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!isnan(s->close[i])) {
            s->date[k] = s->date[i];
            s->close[k] = s->close[i];
            k++;
        }
    s->n = k;
}

/* The optional indices beyond VIX3M: file, and the first date used (VVIX before 2007 has gaps of
 * weeks and implausible values, see the data README; those rows are not used). */
static const struct {
    const char *file;
    int32_t from;
} EXTRA[3] = {{"vix9d_daily.csv", 0}, {"vix6m_daily.csv", 0}, {"vvix_daily.csv", VR_VVIX_FIRST_DATE}};

void vr_history_free(vr_history *h)
{
    if (!h)
        return;
    free(h->date);
    free(h->spx);
    free(h->vix);
    free(h->vix3m);
    free(h->vix9d);
    free(h->vix6m);
    free(h->vvix);
    free(h->gaps);
    memset(h, 0, sizeof *h);
}

vr_status vr_history_load(const char *dir, vr_history *out, vr_err *err)
{
    vr_status st = VR_OK;
    series spx = {0}, vix = {0}, v3 = {0};
    series ex[3] = {{0}, {0}, {0}};
    int ex_missing[3] = {0, 0, 0};
    char p_ex[3][4096];
    vr_history h;
    memset(&h, 0, sizeof h);
    char p_spx[4096], p_vix[4096], p_v3[4096];
    int v3_missing = 0;
    if (out)
        memset(out, 0, sizeof *out);
    if (!dir || !out)
        return vr_fail(err, VR_EINVAL, "history: no data directory given");
    if ((st = vr_csv_dir_check("history", dir, err)) != VR_OK) /* (the paths below hold it and a name) */
        return st;
    snprintf(p_spx, sizeof p_spx, "%s/spx_daily.csv", dir);
    snprintf(p_vix, sizeof p_vix, "%s/vix_daily.csv", dir);
    snprintf(p_v3, sizeof p_v3, "%s/vix3m_daily.csv", dir);
    if ((st = read_series(p_spx, &spx, NULL, err)) != VR_OK)
        goto done;
    if ((st = read_series(p_vix, &vix, NULL, err)) != VR_OK)
        goto done;
    if ((st = read_series(p_v3, &v3, &v3_missing, err)) != VR_OK)
        goto done;
    for (int e = 0; e < 3; e++) {
        snprintf(p_ex[e], sizeof p_ex[e], "%s/%s", dir, EXTRA[e].file);
        if ((st = read_series(p_ex[e], &ex[e], &ex_missing[e], err)) != VR_OK)
            goto done;
        series_compact(&ex[e]);
        if (EXTRA[e].from > 0) {
            size_t k = 0;
            for (size_t i = 0; i < ex[e].n; i++)
                if (ex[e].date[i] >= EXTRA[e].from) {
                    ex[e].date[k] = ex[e].date[i];
                    ex[e].close[k++] = ex[e].close[i];
                }
            ex[e].n = k;
        }
    }
    h.counts.rows_spx = spx.n;
    h.counts.rows_vix = vix.n;
    h.counts.rows_vix3m = v3.n;
    series_compact(&spx);
    series_compact(&vix);
    series_compact(&v3);
    if (spx.n == 0 || vix.n == 0) {
        st = vr_fail(err, VR_EINVAL, "history: %s has no closes", spx.n == 0 ? p_spx : p_vix);
        goto done;
    }
    const size_t cap = spx.n < vix.n ? spx.n : vix.n;
    const int32_t lo = spx.date[0] > vix.date[0] ? spx.date[0] : vix.date[0];
    const int32_t hi = spx.date[spx.n - 1] < vix.date[vix.n - 1] ? spx.date[spx.n - 1]
                                                                  : vix.date[vix.n - 1];
    h.date = malloc(cap * sizeof *h.date);
    h.spx = malloc(cap * sizeof *h.spx);
    h.vix = malloc(cap * sizeof *h.vix);
    h.vix3m = malloc(cap * sizeof *h.vix3m);
    h.vix9d = malloc(cap * sizeof *h.vix9d);
    h.vix6m = malloc(cap * sizeof *h.vix6m);
    h.vvix = malloc(cap * sizeof *h.vvix);
    h.gaps = malloc((spx.n + vix.n) * sizeof *h.gaps);
    if (!h.date || !h.spx || !h.vix || !h.vix3m || !h.vix9d || !h.vix6m || !h.vvix || !h.gaps) {
        st = vr_fail(err, VR_ENOMEM, "history: %zu rows", cap);
        goto done;
    }
    /* merge */
    size_t i = 0, j = 0, k = 0;
    while (i < spx.n || j < vix.n) {
        const int32_t ds = i < spx.n ? spx.date[i] : INT32_MAX;
        const int32_t dv = j < vix.n ? vix.date[j] : INT32_MAX;
        if (ds == dv) {
            h.date[h.n] = ds;
            h.spx[h.n] = spx.close[i];
            h.vix[h.n] = vix.close[j];
            while (k < v3.n && v3.date[k] < ds)
                k++;
            h.vix3m[h.n] = (k < v3.n && v3.date[k] == ds) ? v3.close[k] : NAN;
            h.n++;
            i++;
            j++;
        } else if (ds < dv) {
            if (ds < lo || ds > hi) {
                h.counts.outside_spx++;
            } else {
                h.gaps[h.n_gaps++] = (vr_history_gap){ds, VR_HIST_ONLY_SPX};
                h.counts.only_spx++;
            }
            i++;
        } else {
            if (dv < lo || dv > hi) {
                h.counts.outside_vix++;
            } else {
                h.gaps[h.n_gaps++] = (vr_history_gap){dv, VR_HIST_ONLY_VIX};
                h.counts.only_vix++;
            }
            j++;
        }
    }
    if (h.n == 0) {
        st = vr_fail(err, VR_EINVAL, "history: %s and %s share no dates", p_spx, p_vix);
        goto done;
    }
    {
        double *dst[3] = {h.vix9d, h.vix6m, h.vvix};
        for (int e = 0; e < 3; e++) {
            size_t q = 0, hit = 0;
            for (size_t t = 0; t < h.n; t++) {
                while (q < ex[e].n && ex[e].date[q] < h.date[t])
                    q++;
                const int ok = q < ex[e].n && ex[e].date[q] == h.date[t];
                dst[e][t] = ok ? ex[e].close[q] : NAN;
                hit += (size_t)ok;
            }
            h.counts.extra_rows[e] = ex[e].n;
            h.counts.extra_missing[e] = h.n - hit;
        }
    }
    for (size_t t = 0; t < h.n; t++)
        if (isnan(h.vix3m[t]))
            h.counts.vix3m_missing++;
    h.counts.vix3m_unmatched = v3.n - (h.n - h.counts.vix3m_missing);
    h.gaps_reported = h.n_gaps;
    {
        int k = snprintf(h.source, sizeof h.source, "%s + %s + %s%s", p_spx, p_vix, p_v3,
                         v3_missing ? " [absent: vix3m all NAN]" : "");
        for (int e = 0; e < 3 && k > 0 && (size_t)k < sizeof h.source; e++)
            k += snprintf(h.source + k, sizeof h.source - (size_t)k, " + %s%s", EXTRA[e].file,
                          ex_missing[e] ? " [absent]" : "");
        if (k > 0 && (size_t)k < sizeof h.source)
            snprintf(h.source + k, sizeof h.source - (size_t)k, " (close)");
    }
    *out = h;
    memset(&h, 0, sizeof h);
done:
    vr_history_free(&h);
    series_free(&spx);
    series_free(&vix);
    series_free(&v3);
    for (int e = 0; e < 3; e++)
        series_free(&ex[e]);
    return st;
}

vr_status vr_history_window(const vr_history *h, int32_t from, int32_t to, size_t *i0, size_t *i1,
                            vr_err *err)
{
    if (!h || h->n == 0)
        return vr_fail(err, VR_EINVAL, "history window: no history loaded");
    if (from > 0 && to > 0 && from > to)
        return vr_fail(err, VR_EINVAL, "history window: from %04d-%02d-%02d is after to %04d-%02d-%02d",
                       (int)(from / 10000), (int)(from / 100 % 100), (int)(from % 100), (int)(to / 10000),
                       (int)(to / 100 % 100), (int)(to % 100));
    /* an end outside the dates SPX and VIX share is refused, not clipped to the data: a window
     * that silently lost its first or last years would be a different scenario than the one
     * named. Inside the data an end need not be a trading day (the window holds the trading days
     * in [from, to]). */
    if ((from > 0 && (from < h->date[0] || from > h->date[h->n - 1])) ||
        (to > 0 && (to > h->date[h->n - 1] || to < h->date[0]))) {
        char f[16], t[16], d0[16], d1[16];
        const int bad_from = from > 0 && (from < h->date[0] || from > h->date[h->n - 1]);
        return vr_fail(err, VR_EINVAL,
                       "history window %s %s lies outside the data: from and to must be in %s..%s "
                       "(the dates SPX and VIX share)",
                       bad_from ? "from" : "to",
                       bad_from ? vr_history_format_date(from, f) : vr_history_format_date(to, t),
                       vr_history_format_date(h->date[0], d0),
                       vr_history_format_date(h->date[h->n - 1], d1));
    }
    /* binary search: first index with date >= from, first index with date > to */
    size_t lo = 0, hi = h->n;
    if (from > 0)
        while (lo < hi) {
            const size_t m = lo + (hi - lo) / 2;
            if (h->date[m] < from)
                lo = m + 1;
            else
                hi = m;
        }
    const size_t a = lo;
    lo = a;
    hi = h->n;
    if (to > 0)
        while (lo < hi) {
            const size_t m = lo + (hi - lo) / 2;
            if (h->date[m] <= to)
                lo = m + 1;
            else
                hi = m;
        }
    const size_t b = to > 0 ? lo : h->n;
    if (b <= a) {
        char f[16], t[16], d0[16], d1[16];
        return vr_fail(err, VR_EINVAL,
                       "history window %s..%s holds no date (history covers %s..%s)",
                       from > 0 ? vr_history_format_date(from, f) : "start",
                       to > 0 ? vr_history_format_date(to, t) : "end",
                       vr_history_format_date(h->date[0], d0),
                       vr_history_format_date(h->date[h->n - 1], d1));
    }
    *i0 = a;
    *i1 = b;
    return VR_OK;
}

const char *vr_history_default_dir(void)
{
    const char *e = getenv("VIXRISK_DATA");
    if (e && e[0] != '\0')
        return e;
    struct stat sb;
    if (stat("../shared/data", &sb) == 0 && S_ISDIR(sb.st_mode))
        return "../shared/data";
    return NULL;
}
