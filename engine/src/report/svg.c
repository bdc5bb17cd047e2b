/* svg.c: a small SVG writer for the report's charts: a plot area mapping data to pixels (linear,
 * or log10 on y), nice tick steps, axes with grid and labels, clipped polylines, text and legends.
 * Output is plain SVG 1.1 (no scripts, no external references) that is also well-formed XML, so the
 * same element can be inlined in the HTML page or saved as a file for the Markdown report.
 * Coordinates are printed with one decimal: enough on screen, and it keeps files small. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

static int clip_seq; /* ids of clip paths; unique within one output file is all that matters */

void vr_svg_begin(FILE *f, double w, double h, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" role=\"img\" font-family=\"Helvetica, Arial, sans-serif\" "
            "font-size=\"12\">\n<title>",
            w, h, w, h);
    vr_rep_esc(f, title);
    fprintf(f, "</title>\n<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
}

void vr_svg_end(FILE *f)
{
    fputs("</svg>\n", f);
}

double vr_svg_width(double lo, double hi)
{
    const double d = hi - lo;
    return isfinite(d) || !isfinite(lo) || !isfinite(hi) ? d : DBL_MAX;
}

double vr_svg_clamp(double v)
{
    return v > DBL_MAX ? DBL_MAX : v < -DBL_MAX ? -DBL_MAX : v;
}

/* Where v lies in [lo, hi] as a share of the width (0.5 for an empty range). The plain differences
 * when they are finite; when one overflows (finite values beyond DBL_MAX / 2 of opposite signs),
 * the same ratio of halved values, which is exact there: a huge P&L still maps to a finite pixel. */
static double frac(double v, double lo, double hi)
{
    double span = hi - lo, d = v - lo;
    if (!isfinite(span) || !isfinite(d))
        span = hi / 2 - lo / 2, d = v / 2 - lo / 2;
    return span > 0 ? d / span : 0.5;
}

/* A pixel coordinate: never beyond +-1e7 px (a point that far out is clipped anyway), so a value
 * far outside a tiny range does not print as inf. */
static double px_clamp(double v)
{
    return v > 1e7 ? 1e7 : v < -1e7 ? -1e7 : v;
}

double vr_svg_px(const svg_plot *p, double x)
{
    return px_clamp(p->x0 + frac(x, p->xlo, p->xhi) * p->w);
}

double vr_svg_py(const svg_plot *p, double y)
{
    double lo = p->ylo, hi = p->yhi;
    if (p->ylog) {
        y = log10(y > 0 ? y : lo);
        lo = log10(lo);
        hi = log10(hi);
    }
    return px_clamp(p->y0 + p->h - frac(y, lo, hi) * p->h);
}

size_t vr_svg_ticks(double lo, double hi, int target, double *t, size_t cap)
{
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi) || target < 1 || cap == 0)
        return 0;
    double raw = (hi - lo) / target;
    if (!isfinite(raw)) /* the width overflows (finite values beyond DBL_MAX / 2 of both signs) */
        raw = vr_svg_clamp(hi / target - lo / target);
    const double mag = pow(10, floor(log10(raw)));
    const double r = raw / mag;
    double step = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
    if (!isfinite(step)) /* 2e308 and beyond: the largest power of ten, 1e308, will do */
        step = mag;
    size_t n = 0;
    const double end = vr_svg_clamp(hi + step * 1e-9); /* near DBL_MAX the slack overflows */
    for (double v = ceil(lo / step - 1e-9) * step; isfinite(v) && v <= end && n < cap; v += step)
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

/* Tick label: USD shorthand ("-50k", "1.2M") or a short number. */
static void tick_label(char *buf, size_t cap, double v, int usd, double step)
{
    if (usd && fabs(step) >= 1000 && fabs(v) >= 1000) {
        if (fabs(v) >= 1e6 && fabs(step) >= 1e5)
            snprintf(buf, cap, "%gM", v / 1e6);
        else
            snprintf(buf, cap, "%gk", v / 1e3);
    } else {
        snprintf(buf, cap, "%g", v);
    }
}

void vr_svg_text(FILE *f, double x, double y, const char *anchor, double size, const char *weight,
              const char *text)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%.0f\"%s%s%s>", x, y,
            anchor ? anchor : "start", size, weight ? " font-weight=\"" : "", weight ? weight : "",
            weight ? "\"" : "");
    vr_rep_esc(f, text);
    fputs("</text>\n", f);
}

void vr_svg_axes(const svg_plot *p, const char *xlabel, const char *ylabel)
{
    FILE *f = p->f;
    double t[64];
    char lab[48];
    /* x ticks and vertical grid */
    size_t n = p->noxticks ? 0 : vr_svg_ticks(p->xlo, p->xhi, (int)(p->w / 90) + 1, t, 64);
    if (p->xwhole && n > 1 && t[1] - t[0] < 1) { /* a short span: every whole number, none between */
        n = 0;
        for (double v = ceil(p->xlo); v <= p->xhi && n < 64; v += 1)
            t[n++] = v;
    }
    const double xstep = n > 1 ? t[1] - t[0] : 1;
    fputs("<g stroke=\"#e3e3e3\" stroke-width=\"1\">", f);
    for (size_t i = 0; i < n; i++) {
        const double x = vr_svg_px(p, t[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, p->y0, x, p->y0 + p->h);
    }
    /* y ticks: decades on a log axis, nice steps otherwise */
    double yt[64];
    size_t ny = 0;
    double ystep = 1;
    if (p->ylog) {
        for (double e = ceil(log10(p->ylo) - 1e-9); e <= log10(p->yhi) + 1e-9 && ny < 64; e += 1)
            yt[ny++] = pow(10, e);
    } else {
        ny = vr_svg_ticks(p->ylo, p->yhi, (int)(p->h / 45) + 1, yt, 64);
        ystep = ny > 1 ? yt[1] - yt[0] : 1;
    }
    for (size_t i = 0; i < ny; i++) {
        const double y = vr_svg_py(p, yt[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", p->x0, y, p->x0 + p->w, y);
    }
    fputs("</g>\n", f);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#555555\"/>\n",
            p->x0, p->y0, p->w, p->h);
    fputs("<g fill=\"#333333\" font-size=\"11\">", f);
    for (size_t i = 0; i < n; i++) {
        tick_label(lab, sizeof lab, t[i], p->xusd, xstep);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", vr_svg_px(p, t[i]),
                p->y0 + p->h + 14, lab);
    }
    for (size_t i = 0; i < ny; i++) {
        if (p->ylog) {
            const double e = log10(yt[i]);
            if (e >= -2)
                snprintf(lab, sizeof lab, "%g", yt[i]);
            else
                snprintf(lab, sizeof lab, "1e%.0f", e);
        } else {
            tick_label(lab, sizeof lab, yt[i], p->yusd, ystep);
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", p->x0 - 5,
                vr_svg_py(p, yt[i]) + 4, lab);
    }
    fputs("</g>\n", f);
    if (xlabel)
        vr_svg_text(f, p->x0 + p->w / 2, p->y0 + p->h + 32, "middle", 12, NULL, xlabel);
    if (ylabel) {
        const double x = p->x0 - 48, y = p->y0 + p->h / 2;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" "
                   "transform=\"rotate(-90 %.1f %.1f)\">", x, y, x, y);
        vr_rep_esc(f, ylabel);
        fputs("</text>\n", f);
    }
}

void vr_svg_polyline(const svg_plot *p, const double *x, const double *y, size_t n, const char *color,
                  double width, const char *dash)
{
    FILE *f = p->f;
    const int id = ++clip_seq;
    fprintf(f, "<clipPath id=\"vrclip%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>",
            id, p->x0, p->y0 - 1, p->w, p->h + 2);
    fprintf(f, "<polyline clip-path=\"url(#vrclip%d)\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
               "stroke-linejoin=\"round\"", id, color, width);
    if (dash && dash[0])
        fprintf(f, " stroke-dasharray=\"%s\"", dash);
    fputs(" points=\"", f);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        fprintf(f, "%s%.1f,%.1f", i ? " " : "", vr_svg_px(p, x[i]), vr_svg_py(p, y[i]));
    }
    fputs("\"/>\n", f);
}

void vr_svg_legend(FILE *f, double x, double y, const char *const *names, size_t n,
                const char *const *colors, const char *const *dashes)
{
    size_t maxlen = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) > maxlen)
            maxlen = strlen(names[i]);
    const double w = 40 + 6.5 * (double)maxlen, h = 8 + 16 * (double)n;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#ffffff\" "
               "fill-opacity=\"0.9\" stroke=\"#bbbbbb\"/>\n", x, y, w, h);
    for (size_t i = 0; i < n; i++) {
        const double yy = y + 12 + 16 * (double)i;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\"",
                x + 6, yy, x + 30, yy, colors[i]);
        if (dashes && dashes[i] && dashes[i][0])
            fprintf(f, " stroke-dasharray=\"%s\"", dashes[i]);
        fputs("/>", f);
        vr_svg_text(f, x + 35, yy + 4, "start", 11, NULL, names[i]);
    }
}
