/* report.c: vr_report_write and what every report format shares: the output file written under a
 * temporary name and renamed at the end (vr_outfile: so a reader never sees half a report, an input
 * is never overwritten and only a regular file is replaced), XML escaping,
 * number formats, the colour-blind-safe palette and the ES99 ranking. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "report/report_internal.h"

/* ---- output files ---------------------------------------------------------------------------- */

vr_status vr_rep_file_open(rep_file *rf, const char *final_path, const char *input, vr_err *err)
{
    vr_status st;
    memset(rf, 0, sizeof *rf);
    const char *inputs[1] = {input};
    if ((st = vr_outfile_prepare(&rf->o, final_path, NULL, inputs, 1, err)) != VR_OK ||
        (st = vr_outfile_begin(&rf->o, err)) != VR_OK)
        return st;
    const int fd = open(rf->o.tmp, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0 || (rf->f = fdopen(fd, "w")) == NULL) {
        const int e = errno;
        if (fd >= 0)
            close(fd);
        vr_outfile_abort(&rf->o);
        return vr_fail(err, VR_EIO, "report: cannot write %s: %s", final_path, strerror(e));
    }
    return VR_OK;
}

vr_status vr_rep_file_check(const char *final_path, const char *input, vr_err *err)
{
    vr_outfile o; /* prepared only: no temporary, nothing to abort */
    const char *inputs[1] = {input};
    return vr_outfile_prepare(&o, final_path, NULL, inputs, 1, err);
}

vr_status vr_rep_file_close(rep_file *rf, vr_err *err)
{
    if (rf->f == NULL)
        return vr_fail(err, VR_EINVAL, "report: close without an open file");
    int bad = ferror(rf->f) || fflush(rf->f) != 0;
    int e = errno;
    if (fclose(rf->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    rf->f = NULL;
    if (bad) {
        vr_outfile_abort(&rf->o);
        return vr_fail(err, VR_EIO, "report: write %s: %s", rf->o.final, strerror(e));
    }
    return vr_outfile_sync(&rf->o, err); /* removes the temporary on failure */
}

vr_status vr_rep_file_commit(rep_file *rf, vr_err *err)
{
    if (rf->f != NULL) {
        const vr_status st = vr_rep_file_close(rf, err);
        if (st != VR_OK)
            return st;
    } else if (!rf->o.active) {
        return vr_fail(err, VR_EINVAL, "report: commit without an open file");
    }
    return vr_outfile_commit(&rf->o, err); /* rename; removes the temporary on failure */
}

void vr_rep_file_abort(rep_file *rf)
{
    if (rf->f != NULL) {
        fclose(rf->f);
        rf->f = NULL;
    }
    vr_outfile_abort(&rf->o);
}

/* ---- escaping -------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    int n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || s[0] == 0xC0 || s[0] == 0xC1 || s[0] > 0xF4)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90) return 0;
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90) return 0;
    return n;
}

void vr_rep_utf8_write(FILE *f, const char *s, void (*ascii)(FILE *f, unsigned char c))
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        const int n = utf8_len(p);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD for a byte that is not UTF-8 */
            p++;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        ascii(f, *p);
        p++;
    }
}

/* One ASCII character of XML text or of an attribute value. */
static void xml_char(FILE *f, unsigned char c)
{
    switch (c) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default:
        if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r')
            fputc(c, f);
        else
            fputs("\xEF\xBF\xBD", f); /* control characters are not allowed in XML 1.0 */
    }
}

/* XML 1.0 allows neither U+FFFE nor U+FFFF (its Char production), valid UTF-8 as they are: like a
 * control character they become U+FFFD, so XML tools still parse the page (a run file or an
 * output named with one, a config comment holding one). The rest as vr_rep_utf8_write. */
void vr_rep_esc(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        const int n = utf8_len(p);
        if (n == 0 || (n == 3 && p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))) {
            fputs("\xEF\xBF\xBD", f);
            p += n ? (size_t)n : 1;
        } else if (n > 1) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
        } else {
            xml_char(f, *p++);
        }
    }
}

/* ---- number formats -------------------------------------------------------------------------- */

char *vr_rep_fmt_usd(char *buf, size_t cap, double x)
{
    if (!isfinite(x)) {
        snprintf(buf, cap, "n/a");
        return buf;
    }
    double r = nearbyint(x);
    if (r == 0)
        r = 0; /* no "-0" */
    if (fabs(r) >= REP_USD_EXP) { /* 7 significant digits: every finite double, in 14 bytes */
        snprintf(buf, cap, "%.6e", r);
        return buf;
    }
    char digits[32]; /* at most 15 digits below REP_USD_EXP */
    snprintf(digits, sizeof digits, "%.0f", fabs(r));
    const size_t nd = strlen(digits);
    size_t o = 0;
    if (r < 0 && o + 1 < cap)
        buf[o++] = '-';
    for (size_t i = 0; i < nd && o + 2 < cap; i++) {
        buf[o++] = digits[i];
        if ((nd - i - 1) % 3 == 0 && i + 1 < nd)
            buf[o++] = ',';
    }
    buf[o] = '\0';
    return buf;
}

int vr_rep_is_history(const rep_scenario *s)
{
    return s->source != NULL && strcmp(s->source, "history") == 0;
}

/* Append to buf (cap bytes, NUL-terminated) as snprintf would. */
static void add(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t cap, const char *fmt, ...)
{
    const size_t n = strlen(buf);
    if (n + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

const char *vr_rep_paths_text(const rep_run *r, char *buf, size_t cap)
{
    size_t replays = 0;
    for (size_t i = 0; i < r->nscen; i++)
        replays += r->scen[i].replay && vr_rep_is_history(&r->scen[i]);
    char n[32];
    vr_rep_fmt_int(n, sizeof n, (long long)r->paths);
    if (replays > 0 && replays == r->nscen)
        snprintf(buf, cap, "1 (every scenario a replay; simulation.paths %s)", n);
    else if (replays > 0)
        snprintf(buf, cap, "%s; replays 1", n);
    else
        snprintf(buf, cap, "%s", n);
    return buf;
}

const char *vr_rep_start_text(const rep_scenario *s, char *buf, size_t cap)
{
    buf[0] = '\0';
    const int hist = vr_rep_is_history(s);
    const int boot = s->source != NULL && strcmp(s->source, "bootstrap") == 0;
    const int window = s->window_from != NULL && s->window_from[0] != '\0';
    if (hist && window)
        add(buf, cap, "a replay of %s..%s", s->window_from, s->window_to);
    else if (boot && window)
        add(buf, cap, "days resampled from %s..%s", s->window_from, s->window_to);
    /* a replay's first close (its sample path's day 0) where the model's state shows another VIX
     * (a close below the model's floor): the close is what the replay started from, and what the
     * triggers saw; the state's VIX follows as the model's (it read "from VIX 12.09 (v0 0)" for a
     * window whose first close was 11.66) */
    const double close = hist && s->vix != NULL && s->nsample > 0 && s->ndays > 0 ? s->vix[0] : NAN;
    if (isfinite(s->vix0) && isfinite(close) && fabs(close - s->vix0) >= 0.005) {
        add(buf, cap, "%sVIX %.2f (the close; the model's state: VIX %.2f, its floor", !buf[0] ? "" : " from ", close,
            s->vix0);
        if (isfinite(s->v0) && isfinite(s->m0))
            add(buf, cap, ", v0 %g, m0 %g)", s->v0, s->m0);
        else if (isfinite(s->v0))
            add(buf, cap, ", v0 %g)", s->v0);
        else
            add(buf, cap, ")");
    } else if (isfinite(s->vix0)) {
        add(buf, cap, "%sVIX %.2f", !buf[0] ? "" : hist ? " from " : ", starting at ", s->vix0);
        if (isfinite(s->v0) && isfinite(s->m0))
            add(buf, cap, " (v0 %g, m0 %g)", s->v0, s->m0);
        else if (isfinite(s->v0))
            add(buf, cap, " (v0 %g)", s->v0);
    }
    if (s->asof != NULL && s->asof[0] != '\0') {
        add(buf, cap, "%sthe market of %s", buf[0] ? ", from " : "", s->asof);
        if (isfinite(s->asof_spx) && isfinite(s->asof_vix))
            add(buf, cap, " (SPX %.2f, VIX %.2f)", s->asof_spx, s->asof_vix);
    }
    if (s->lookback_days > 0) {
        add(buf, cap, "%sthe triggers' lookbacks reach %lld trading day%s of real VIX closes back before day 0 "
            "(from %s", buf[0] ? "; " : "", (long long)s->lookback_days, s->lookback_days == 1 ? "" : "s",
            s->lookback_from != NULL && s->lookback_from[0] ? s->lookback_from : "?");
        if (isfinite(s->lookback_spx_peak))
            add(buf, cap, "; SPX peak %.2f%s", s->lookback_spx_peak,
                isfinite(s->spot) && !(s->lookback_spx_peak > s->spot)
                    ? ", not above day 0's close: the drawdown's peak starts there" : "");
        add(buf, cap, ")");
    }
    if (!hist && s->shocks > 0)
        add(buf, cap, "%s%lld shock%s on every path (the config's shocks and presets, one per day)",
            buf[0] ? "; " : "", (long long)s->shocks, s->shocks == 1 ? "" : "s");
    if (hist && s->vix3m_model_days > 0)
        add(buf, cap, "%sno VIX3M close on %lld of its days: the term_ratio trigger saw the model's VIX3M there",
            buf[0] ? "; " : "", (long long)s->vix3m_model_days);
    if (hist && s->vix_floor_days > 0)
        add(buf, cap, "%sthe VIX closed below the model's floor on %lld day%s: the triggers saw the close, the "
            "marks the model at its floor", buf[0] ? "; " : "", (long long)s->vix_floor_days,
            s->vix_floor_days == 1 ? "" : "s");
    if (boot && s->vix_floor_path_days > 0)
        add(buf, cap, "%sa resampled VIX below the model's floor on %lld path-day%s: the triggers saw it, the marks "
            "the model at its floor", buf[0] ? "; " : "", (long long)s->vix_floor_path_days,
            s->vix_floor_path_days == 1 ? "" : "s");
    if (boot && s->vix_top_path_days > 0)
        add(buf, cap, "%sa resampled VIX above the top of the VIX option tables on %lld path-day%s: VIX options marked "
            "by extrapolation there", buf[0] ? "; " : "", (long long)s->vix_top_path_days,
            s->vix_top_path_days == 1 ? "" : "s");
    if (!boot && !hist && s->vix_floor_path_days > 0)
        add(buf, cap, "%sa shock asked for a VIX below the model's floor on %lld path-day%s: those paths sat at the "
            "floor instead", buf[0] ? "; " : "", (long long)s->vix_floor_path_days,
            s->vix_floor_path_days == 1 ? "" : "s");
    /* a layer that bought nothing on some days because its size came to 0 contracts (the run's note) */
    for (size_t p = 0; p < s->npol; p++) {
        const rep_policy *q = &s->pol[p];
        if (q->lay == NULL || (q->abl_of != NULL && q->abl_of[0] != '\0')) /* (not again for its ablations) */
            continue;
        for (size_t l = 0; l < q->nlayer_names; l++) {
            const double nz = q->lay[l].score[VR_RF_LAYER_SIZED_ZERO];
            if (isfinite(nz) && nz > 0)
                add(buf, cap, "%spolicy %s, layer %s bought nothing on %.0f path-day%s where its size came to 0 "
                    "whole contracts", buf[0] ? "; " : "", q->name, q->layers[l], nz, nz == 1 ? "" : "s");
            const double nc = q->lay[l].score[VR_RF_LAYER_SIZED_CAPPED];
            if (isfinite(nc) && nc > 0)
                add(buf, cap, "%spolicy %s, layer %s: size.max_contracts cut %.0f of its purchases to the cap",
                    buf[0] ? "; " : "", q->name, q->layers[l], nc);
        }
    }
    if (isfinite(s->cover))
        add(buf, cap, "%sthe VIX option tables extended past their default top to cover VIX %.1f",
            buf[0] ? "; " : "", s->cover);
    return buf;
}

const char *vr_rep_days_text(const rep_run *r, const rep_scenario *s, char *buf, size_t cap)
{
    const long long nd = s->days > 0 ? (long long)s->days : (long long)r->horizon_days;
    if (nd >= 0)
        snprintf(buf, cap, "%lld", nd);
    else
        snprintf(buf, cap, "an unrecorded number of"); /* a file without horizon_days */
    return buf;
}

char *vr_rep_fmt_unsign_zero(char *buf)
{
    if (buf[0] != '-')
        return buf;
    const char *p = buf + 1; /* the number: digits and a point, up to a suffix ("%", " s") */
    for (; (*p >= '0' && *p <= '9') || *p == '.'; p++)
        if (*p != '0' && *p != '.')
            return buf;
    if (p == buf + 1)
        return buf; /* not a number after the sign */
    memmove(buf, buf + 1, strlen(buf)); /* "-0.000" and "-0.00%": a value that rounds to zero */
    return buf;
}

char *vr_rep_fmt_fixed(char *buf, size_t cap, const char *fmt, double x)
{
    if (!isfinite(x)) {
        snprintf(buf, cap, "n/a");
        return buf;
    }
    const int n = snprintf(buf, cap, fmt, x);
    if (n < 0 || (size_t)n >= cap) {
        /* too long for buf (a "%.3f" of 1e200 has 204 characters): the same text with the number
         * in exponent notation, 7 significant digits, rather than a cut, wrong number */
        const char *c = fmt;
        while ((c = strchr(c, '%')) != NULL && c[1] == '%')
            c += 2;
        if (c != NULL) {
            const char *e = c + 1 + strspn(c + 1, "-+ #0123456789.lL");
            char alt[128];
            if (*e && snprintf(alt, sizeof alt, "%.*s%%.6e%s", (int)(c - fmt), fmt, e + 1) < (int)sizeof alt)
                snprintf(buf, cap, alt, x);
        }
    }
    return vr_rep_fmt_unsign_zero(buf);
}

char *vr_rep_fmt_int(char *buf, size_t cap, long long v)
{
    if (v < 0)
        snprintf(buf, cap, "n/a");
    else
        snprintf(buf, cap, "%lld", v);
    return buf;
}

char *vr_rep_fmt_pct(char *buf, size_t cap, double p)
{
    return vr_rep_fmt_fixed(buf, cap, "%.2f%%", 100.0 * p);
}

char *vr_rep_fmt_num(char *buf, size_t cap, double x)
{
    return vr_rep_fmt_fixed(buf, cap, "%.3f", x);
}

/* ---- palette ---------------------------------------------------------------------------------- */

/* Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies; yellow is last
 * because it is faint on white. Dash patterns add a second cue (and survive grey-scale printing). */
const char *vr_rep_color(size_t i)
{
    static const char *const c[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#B8A000"};
    return c[i % (sizeof c / sizeof c[0])];
}

/* The dash moves on by one at each round of the 8 colours, so that no two of a run's policies
 * (at most 64) share both colour and dash (policy i and i + 8 were drawn alike: the main job's
 * baseline and its ablation's first variant) */
const char *vr_rep_dash(size_t i)
{
    static const char *const d[] = {"", "7 3", "2 2", "9 3 2 3", "4 4", "1 3", "12 3", "6 2 2 2 2 2"};
    const size_t n = sizeof d / sizeof d[0];
    return d[(i % n + i / n) % n];
}

void vr_rep_rank(const rep_scenario *s, size_t *order)
{
    double key[VR_MAX_POLICIES] = {0}; /* (gcc's profile-guided build warned: it cannot see n <= cap) */
    const size_t n = s->npol < VR_MAX_POLICIES ? s->npol : VR_MAX_POLICIES; /* the loader's cap */
    for (size_t i = 0; i < n; i++)
        key[i] = s->pol[i].rank_key;
    vr_rank_by_es99(key, n, order);
}

void vr_rep_rank_of(const rep_scenario *s, size_t *rank)
{
    size_t order[s->npol];
    vr_rep_rank(s, order);
    for (size_t k = 0; k < s->npol; k++)
        rank[order[k]] = k + 1;
}

/* ---- formats ---------------------------------------------------------------------------------- */

const char *vr_report_format_name(vr_report_format fmt)
{
    switch (fmt) {
    case VR_REPORT_HTML: return "html";
    case VR_REPORT_MD: return "md";
    case VR_REPORT_CSV: return "csv";
    case VR_REPORT_JSON: return "json";
    }
    return "?";
}

int vr_report_format_parse(const char *name)
{
    if (name == NULL)
        return -1;
    if (strcasecmp(name, "html") == 0 || strcasecmp(name, "htm") == 0) return VR_REPORT_HTML;
    if (strcasecmp(name, "md") == 0 || strcasecmp(name, "markdown") == 0) return VR_REPORT_MD;
    if (strcasecmp(name, "csv") == 0) return VR_REPORT_CSV;
    if (strcasecmp(name, "json") == 0) return VR_REPORT_JSON;
    return -1;
}

int vr_report_format_from_path(const char *path)
{
    if (path == NULL)
        return -1;
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    return dot ? vr_report_format_parse(dot + 1) : -1;
}

/* A CSV report's companion file: csv_path's directory and stem (its extension dropped) + suffix. */
static size_t companion_path(const char *csv_path, const char *suffix, char *buf, size_t cap)
{
    const char *slash = strrchr(csv_path, '/');
    const char *base = slash ? slash + 1 : csv_path;
    const char *dot = strrchr(base, '.');
    const int stem = (int)(dot && dot != base ? dot - csv_path : (ptrdiff_t)strlen(csv_path));
    const int n = snprintf(buf, cap, "%.*s%s", stem, csv_path, suffix);
    return n > 0 ? (size_t)n : 0;
}

size_t vr_report_trades_path(const char *csv_path, char *buf, size_t cap)
{
    return companion_path(csv_path, "_trades.csv", buf, cap);
}

size_t vr_report_attribution_path(const char *csv_path, char *buf, size_t cap)
{
    return companion_path(csv_path, "_attribution.csv", buf, cap);
}

vr_status vr_report_write(const char *h5_path, const char *out_path, vr_report_format fmt, vr_err *err)
{
    if (h5_path == NULL || out_path == NULL)
        return vr_fail(err, VR_EINVAL, "report: NULL %s path", h5_path ? "output" : "input");
    if (fmt != VR_REPORT_HTML && fmt != VR_REPORT_MD && fmt != VR_REPORT_CSV && fmt != VR_REPORT_JSON)
        return vr_fail(err, VR_EINVAL, "report: unknown format %d (html, md, csv or json)", (int)fmt);
    rep_run run;
    vr_status st = vr_rep_run_load(h5_path, &run, err);
    if (st == VR_OK) {
        switch (fmt) {
        case VR_REPORT_HTML: st = vr_rep_write_html(&run, out_path, err); break;
        case VR_REPORT_MD: st = vr_rep_write_md(&run, out_path, err); break;
        case VR_REPORT_CSV: st = vr_rep_write_csv(&run, out_path, err); break;
        case VR_REPORT_JSON: st = vr_rep_write_json(&run, out_path, err); break;
        }
    }
    vr_rep_run_free(&run);
    return st;
}
