/* charts.c: the report's four charts, each one <svg> element drawn with svg.c from the stored
 * per-path arrays of one scenario:
 *
 *   vr_chart_pnl       histograms of terminal P&L, policies overlaid (step lines), and beside them the
 *                   worst 5% magnified, with each policy's -ES99 marked
 *   vr_chart_frontier  mean P&L against ES99 with +-1 SE bars: the cost/protection frontier
 *   vr_chart_drawdown  P(max drawdown >= x) on a log scale, so the tail is visible
 *   vr_chart_paths     three of the stored sample paths (worst baseline P&L, highest VIX peak, median
 *                   baseline P&L): SPX and VIX with the days each policy's layers acted
 *
 * A policy keeps its colour and dash pattern (vr_rep_color, vr_rep_dash: its index in the file) in
 * every chart. Histograms count into fixed bins; curves are thinned to a few hundred points so
 * the page stays small however many paths the run had. The loader refuses non-finite per-path
 * values, and the charts still skip any they meet: nothing infinite is ever converted to a bin index
 * or a bit mask. Any finite values, up to +-DBL_MAX, give finite charts: widths that overflow are
 * taken over halved values (vr_svg_width, vr_svg_px), and padded ranges end at +-DBL_MAX. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/tables.h"

#define MAXPOL 64 /* legends and labels handle this many policies; more are drawn but not named */

/* Quantile of sorted v[0..n) (type 7, as the run's scores). */
static double quantile(const double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    const double h = (double)(n - 1) * p;
    if (!(h >= 0 && h <= (double)(n - 1)))
        return v[0];
    const size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return v[n - 1];
    const double t = h - (double)i, d = v[i + 1] - v[i];
    /* d overflows only between values of opposite signs, where the weighted sum cannot */
    return isfinite(d) ? v[i] + t * d : (1 - t) * v[i] + t * v[i + 1];
}

/* Width of one of nb bins over [lo, hi]: (hi - lo) / nb, from halves where hi - lo overflows. */
static double bin_width(double lo, double hi, size_t nb)
{
    const double d = hi - lo;
    return isfinite(d) ? d / (double)nb : (hi / 2 - lo / 2) / (double)nb * 2;
}

/* A range that is empty (all values equal, one path) or has no finite end, made drawable: +-1
 * around its value (0 without one), or +-2^-40 of the value where that is more (beyond 1e12,
 * where 1 falls below what a 1-decimal pixel resolves); the ends stay finite. */
static void nonempty(double *lo, double *hi)
{
    if (*hi > *lo && isfinite(*lo) && isfinite(*hi))
        return;
    const double c = isfinite(*lo) ? *lo : isfinite(*hi) ? *hi : 0, d = fmax(1, fabs(c) * 0x1p-40);
    *lo = vr_svg_clamp(c - d), *hi = vr_svg_clamp(c + d);
}

/* Share of paths (percent) in each of nb bins over [lo, hi]; values outside are not counted. */
static void histogram(const double *sorted, size_t n, double lo, double hi, size_t nb, double *pct)
{
    memset(pct, 0, nb * sizeof *pct);
    const double w = bin_width(lo, hi, nb);
    if (!isfinite(lo) || !isfinite(hi) || !(w > 0) || !isfinite(w))
        return; /* no finite range: nothing to bin (and no infinite value is cast to an index) */
    for (size_t i = 0; i < n; i++) {
        const double v = sorted[i];
        if (!isfinite(v) || !(v >= lo && v <= hi))
            continue;
        /* never cast a non-finite value; v - lo overflows only where halves do not */
        const double d = v - lo, q = isfinite(d) ? d / w : (v / 2 - lo / 2) / (w / 2);
        size_t b = q > 0 && q < (double)nb ? (size_t)q : q >= (double)nb ? nb - 1 : 0;
        pct[b] += 1;
    }
    for (size_t b = 0; b < nb; b++)
        pct[b] *= 100.0 / (double)(n ? n : 1);
}

/* Step outline of a histogram: 2 points per bin plus the closing edges. */
static size_t step_points(const double *pct, size_t nb, double lo, double hi, double *x, double *y)
{
    const double w = bin_width(lo, hi, nb);
    size_t k = 0;
    x[k] = lo, y[k++] = 0;
    for (size_t b = 0; b < nb; b++) {
        x[k] = lo + w * (double)b, y[k++] = pct[b];
        x[k] = lo + w * (double)(b + 1), y[k++] = pct[b];
    }
    x[k] = hi, y[k++] = 0;
    return k;
}

static void legend_policies(FILE *f, const rep_scenario *s, double x, double y)
{
    const char *names[MAXPOL], *colors[MAXPOL], *dashes[MAXPOL];
    const size_t n = s->npol < MAXPOL ? s->npol : MAXPOL;
    for (size_t i = 0; i < n; i++) {
        names[i] = s->pol[i].name;
        colors[i] = vr_rep_color(i);
        dashes[i] = vr_rep_dash(i);
    }
    vr_svg_legend(f, x, y, names, n, colors, dashes);
}

/* The policy legend's box height (vr_svg_legend: 8 px + 16 px a row) and whether it fits in the
 * corner of a plot plot_h px high; when it does not (a sweep of many values: up to 64 policies),
 * the chart puts it under the plot and grows to hold it rather than cut names off. */
#define LEGEND_BELOW_Y 390.0 /* its top under the 400-px charts' plot, axis title and note */
static double legend_height(const rep_scenario *s)
{
    return 8 + 16 * (double)(s->npol < MAXPOL ? s->npol : MAXPOL);
}

static int legend_inside(const rep_scenario *s, double plot_h)
{
    return legend_height(s) + 16 <= plot_h;
}

static double legend_width(const rep_scenario *s)
{
    size_t m = 0;
    for (size_t i = 0; i < s->npol && i < MAXPOL; i++)
        if (strlen(s->pol[i].name) > m)
            m = strlen(s->pol[i].name);
    return 40 + 6.5 * (double)m;
}

void vr_chart_pnl(FILE *f, const rep_scenario *s)
{
    enum { NB = 60, NBT = 30 };
    double pct[NB], x[2 * NB + 2], y[2 * NB + 2];
    char title[600];
    double lo = INFINITY, hi = -INFINITY, tlo = INFINITY, thi = -INFINITY;
    for (size_t p = 0; p < s->npol; p++) {
        const rep_policy *q = &s->pol[p];
        if (q->n == 0)
            continue;
        lo = fmin(lo, quantile(q->pnl_sorted, q->n, 0.001));
        hi = fmax(hi, quantile(q->pnl_sorted, q->n, 0.999));
        tlo = fmin(tlo, q->pnl_sorted[0]);
        thi = fmax(thi, quantile(q->pnl_sorted, q->n, 0.05));
    }
    nonempty(&lo, &hi);
    nonempty(&tlo, &thi);
    snprintf(title, sizeof title, "Scenario %s: distribution of terminal P&L by policy, and the worst 5%% magnified", s->name);
    const int inside = legend_inside(s, 290);
    vr_svg_begin(f, 1100, inside ? 400 : LEGEND_BELOW_Y + legend_height(s) + 10, title);
    /* main panel */
    svg_plot m = {f, 85, 40, 560, 290, lo, hi, 0, 0, 0, 1, 0, 0, 0};
    double ymax = 0;
    for (size_t p = 0; p < s->npol; p++) {
        histogram(s->pol[p].pnl_sorted, s->pol[p].n, lo, hi, NB, pct);
        for (size_t b = 0; b < NB; b++) ymax = fmax(ymax, pct[b]);
    }
    m.yhi = ymax > 0 ? ymax * 1.08 : 1;
    /* the legend sits in the top-left corner: raise the y range until no bin under it reaches it */
    size_t namelen = 0;
    for (size_t p = 0; p < s->npol && p < MAXPOL; p++)
        namelen = strlen(s->pol[p].name) > namelen ? strlen(s->pol[p].name) : namelen;
    const double lw = 50 + 6.5 * (double)namelen, lh = 16 + 16 * (double)(s->npol < MAXPOL ? s->npol : MAXPOL);
    double under = 0;
    for (size_t p = 0; p < s->npol; p++) {
        histogram(s->pol[p].pnl_sorted, s->pol[p].n, lo, hi, NB, pct);
        for (size_t b = 0; b < NB; b++)
            if ((double)b < (lw + 8) / m.w * NB + 1)
                under = fmax(under, pct[b]);
    }
    if (inside && lh + 8 < 0.9 * m.h && under > m.yhi * (1 - (lh + 12) / m.h))
        m.yhi = under / (1 - (lh + 12) / m.h);
    vr_svg_text(f, m.x0, 26, "start", 13, "bold", "All paths (0.1% to 99.9% quantile range)");
    /* the region the right panel magnifies */
    const double sx0 = vr_svg_px(&m, fmax(tlo, lo)), sx1 = vr_svg_px(&m, thi);
    if (sx1 > sx0)
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f1e6dc\"/>\n", sx0,
                m.y0, sx1 - sx0, m.h);
    vr_svg_axes(&m, "terminal P&L (USD)", "paths per bin (%)");
    for (size_t p = 0; p < s->npol; p++) {
        histogram(s->pol[p].pnl_sorted, s->pol[p].n, lo, hi, NB, pct);
        const size_t k = step_points(pct, NB, lo, hi, x, y);
        vr_svg_polyline(&m, x, y, k, vr_rep_color(p), 1.8, vr_rep_dash(p));
    }
    legend_policies(f, s, m.x0 + 8, inside ? m.y0 + 8 : LEGEND_BELOW_Y);
    /* tail panel: the worst 5% of each policy lies left of thi */
    svg_plot t = {f, 735, 40, 340, 290, tlo, thi, 0, 0, 0, 1, 0, 0, 0};
    ymax = 0;
    for (size_t p = 0; p < s->npol; p++) {
        histogram(s->pol[p].pnl_sorted, s->pol[p].n, tlo, thi, NBT, pct);
        for (size_t b = 0; b < NBT; b++) ymax = fmax(ymax, pct[b]);
    }
    t.yhi = ymax > 0 ? ymax * 1.15 : 1;
    vr_svg_text(f, t.x0, 26, "start", 13, "bold", "Left tail magnified (worst 5%)");
    vr_svg_axes(&t, "terminal P&L (USD)", "paths per bin (% of all)");
    double mx[MAXPOL];
    size_t mi[MAXPOL], nm = 0;
    for (size_t p = 0; p < s->npol; p++) {
        histogram(s->pol[p].pnl_sorted, s->pol[p].n, tlo, thi, NBT, pct);
        const size_t k = step_points(pct, NBT, tlo, thi, x, y);
        vr_svg_polyline(&t, x, y, k, vr_rep_color(p), 1.8, vr_rep_dash(p));
        const double e = -s->pol[p].score[RS_ES99];
        if (isfinite(e) && e >= tlo && e <= thi && nm < MAXPOL) { /* by position, for the markers */
            size_t j = nm++;
            for (; j > 0 && mx[j - 1] > vr_svg_px(&t, e); j--)
                mx[j] = mx[j - 1], mi[j] = mi[j - 1];
            mx[j] = vr_svg_px(&t, e), mi[j] = p;
        }
    }
    /* -ES99 markers: a faint line at the value and a triangle pointing at it from the top edge;
     * triangles closer than their width step down a row (inside the 13% headroom) so none hides
     * another */
    double last = -INFINITY;
    int row = 0;
    for (size_t j = 0; j < nm; j++) {
        row = mx[j] - last < 11 ? (row + 1) % 4 : 0;
        last = row == 0 ? mx[j] : last;
        const char *c = vr_rep_color(mi[j]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\" "
                   "stroke-dasharray=\"1 2\"/>", mx[j], t.y0, mx[j], t.y0 + t.h, c);
        fprintf(f, "<path d=\"M%.1f %.1f l-5 -9 h10 z\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.8\"/>\n",
                mx[j], t.y0 + 9.0 * row, c);
    }
    vr_svg_text(f, t.x0 + t.w, t.y0 + t.h + 48, "end", 11, NULL,
             "\xE2\x96\xBC = -ES99 of each policy; bins count % of all paths");
    vr_svg_end(f);
}

/* A point's name in the frontier chart: where it goes (x, y: the text's start and baseline), its
 * width in px (about 6.6 a character at 11 px bold) and its point. */
typedef struct frontier_label {
    double x, y, w, cx, cy;
    size_t pol;
} frontier_label;

static int label_by_y(const void *va, const void *vb)
{
    const frontier_label *a = va, *b = vb;
    const int c = (a->y > b->y) - (a->y < b->y);
    return c ? c : (a->pol > b->pol) - (a->pol < b->pol);
}

/* The names, none over another: they were drawn where their points are, so close points (two
 * policies that hold the same book, or near the same scores) printed their names on top of each
 * other, and the chart has no legend to tell the points apart. Top to bottom, a name that would
 * overlap one already placed moves down below it, with a thin line back to its point. */
static void frontier_labels(FILE *f, frontier_label *lab, size_t n, const rep_scenario *s)
{
    enum { LINE = 12 };
    qsort(lab, n, sizeof *lab, label_by_y);
    for (size_t i = 0; i < n; i++) {
        const double y = lab[i].y;
        /* each move goes strictly down (a move that rounds to no move is not taken: two names an
         * ulp under LINE apart looped for ever), so at most i passes find one */
        for (size_t pass = 0, moved = 1; moved && pass <= i; pass++) {
            moved = 0;
            for (size_t j = 0; j < i; j++)
                if (fabs(lab[i].y - lab[j].y) < LINE && lab[i].x < lab[j].x + lab[j].w && lab[j].x < lab[i].x + lab[i].w &&
                    lab[j].y + LINE > lab[i].y) {
                    lab[i].y = lab[j].y + LINE;
                    moved = 1;
                }
        }
        if (lab[i].y - y > 2)
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"0.8\"/>",
                    lab[i].cx + 4, lab[i].cy + 2, lab[i].x - 1, lab[i].y - 4, vr_rep_color(lab[i].pol));
        vr_svg_text(f, lab[i].x, lab[i].y, "start", 11, "bold", s->pol[lab[i].pol].name);
    }
}

void vr_chart_frontier(FILE *f, const rep_scenario *s)
{
    char title[600];
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t p = 0; p < s->npol; p++) {
        const double *sc = s->pol[p].score;
        const double xs = isfinite(sc[RS_ES99_SE]) ? fabs(sc[RS_ES99_SE]) : 0;
        const double ys = isfinite(sc[RS_MEAN_SE]) ? fabs(sc[RS_MEAN_SE]) : 0;
        if (!isfinite(sc[RS_ES99]) || !isfinite(sc[RS_MEAN]))
            continue;
        xlo = fmin(xlo, vr_svg_clamp(sc[RS_ES99] - xs)), xhi = fmax(xhi, vr_svg_clamp(sc[RS_ES99] + xs));
        ylo = fmin(ylo, vr_svg_clamp(sc[RS_MEAN] - ys)), yhi = fmax(yhi, vr_svg_clamp(sc[RS_MEAN] + ys));
    }
    nonempty(&xlo, &xhi);
    nonempty(&ylo, &yhi);
    const double px = 0.12 * vr_svg_width(xlo, xhi), py = 0.12 * vr_svg_width(ylo, yhi);
    snprintf(title, sizeof title, "Scenario %s: mean P&L against ES99, +-1 standard error", s->name);
    vr_svg_begin(f, 540, 400, title);
    svg_plot p = {f, 90, 40, 420, 290, vr_svg_clamp(xlo - px), vr_svg_clamp(xhi + 2.5 * px), vr_svg_clamp(ylo - py),
                  vr_svg_clamp(yhi + py), 0, 1, 1, 0, 0};
    vr_svg_text(f, p.x0, 26, "start", 13, "bold", "Frontier: mean P&L vs ES99 (up and left is better)");
    vr_svg_axes(&p, "ES99 (USD loss, lower is better)", "mean P&L (USD)");
    frontier_label lab[VR_MAX_POLICIES];
    size_t nlab = 0;
    for (size_t i = 0; i < s->npol && i < VR_MAX_POLICIES; i++) {
        const double *sc = s->pol[i].score;
        if (!isfinite(sc[RS_ES99]) || !isfinite(sc[RS_MEAN]))
            continue;
        const double cx = vr_svg_px(&p, sc[RS_ES99]), cy = vr_svg_py(&p, sc[RS_MEAN]);
        const double ex = isfinite(sc[RS_ES99_SE]) ? fabs(sc[RS_ES99_SE]) : 0;
        const double ey = isfinite(sc[RS_MEAN_SE]) ? fabs(sc[RS_MEAN_SE]) : 0;
        const double x0 = vr_svg_px(&p, vr_svg_clamp(sc[RS_ES99] - ex)), x1 = vr_svg_px(&p, vr_svg_clamp(sc[RS_ES99] + ex));
        const double y0 = vr_svg_py(&p, vr_svg_clamp(sc[RS_MEAN] - ey)), y1 = vr_svg_py(&p, vr_svg_clamp(sc[RS_MEAN] + ey));
        const char *c = vr_rep_color(i);
        fprintf(f, "<g stroke=\"%s\" stroke-width=\"1.5\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>",
                c, x0, cy, x1, cy, cx, y0, cx, y1, x0, cy - 4, x0, cy + 4, x1, cy - 4, x1, cy + 4,
                cx - 4, y0, cx + 4, y0, cx - 4, y1, cx + 4, y1);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n",
                cx, cy, c);
        lab[nlab++] = (frontier_label){fmax(cx, x1) + 6, cy - 6, 6.6 * (double)strlen(s->pol[i].name), cx, cy, i};
    }
    frontier_labels(f, lab, nlab, s);
    vr_svg_text(f, p.x0 + p.w, p.y0 + p.h + 48, "end", 11, NULL, "bars: \xC2\xB1" "1 standard error of ES99 and of the mean");
    vr_svg_end(f);
}

/* The first index of sorted v[0..j] holding v[j] (binary search: a tie may span most paths). */
static size_t first_of(const double *v, size_t j)
{
    size_t a = 0, b = j; /* v[b] == v[j]; the answer is in [a, b] */
    while (a < b) {
        const size_t m = a + (b - a) / 2;
        if (v[m] < v[j])
            a = m + 1;
        else
            b = m;
    }
    return a;
}

void vr_chart_drawdown(FILE *f, const rep_scenario *s)
{
    enum { K = 240 };
    double x[K + 2], y[K + 2];
    char title[600];
    size_t nmax = 1;
    double xmax = 0;
    for (size_t p = 0; p < s->npol; p++) {
        const rep_policy *q = &s->pol[p];
        if (q->n > nmax) nmax = q->n;
        if (q->n) xmax = fmax(xmax, q->dd_sorted[q->n - 1]);
    }
    if (!(xmax > 0)) xmax = 1;
    /* down to 1/paths, and a decade below 1 for one path (a log axis needs a range) */
    const double ylo = fmin(0.1, pow(10, -ceil(log10((double)nmax))));
    snprintf(title, sizeof title, "Scenario %s: probability that the maximum drawdown is x or more", s->name);
    const int inside = legend_inside(s, 290);
    vr_svg_begin(f, 540, inside ? 400 : LEGEND_BELOW_Y + legend_height(s) + 10, title);
    svg_plot p = {f, 90, 40, 420, 290, 0, vr_svg_clamp(xmax * 1.02), ylo, 1, 1, 1, 0, 0, 0};
    vr_svg_text(f, p.x0, 26, "start", 13, "bold", "Max drawdown: P(drawdown \xE2\x89\xA5 x), log scale");
    vr_svg_axes(&p, "max drawdown of daily P&L (USD)", "share of paths");
    for (size_t i = 0; i < s->npol; i++) {
        const rep_policy *q = &s->pol[i];
        if (q->n == 0)
            continue;
        /* points at probabilities log-spaced from 1 to 1/n: P(DD >= dd[j]) = (n - j)/n when j is
         * the first of the paths tied at dd[j] (a later one would put several probabilities, all
         * but one wrong, at the same x: many paths without a drawdown drew a vertical line at 0) */
        size_t k = 0, last = (size_t)-1;
        const double ln = log10((double)q->n);
        for (int a = 0; a <= K; a++) {
            const double pr = pow(10, -ln * a / K);
            size_t j = q->n - (size_t)ceil(pr * (double)q->n - 1e-9);
            if (j >= q->n) j = q->n - 1;
            j = first_of(q->dd_sorted, j);
            if (j == last)
                continue;
            last = j;
            x[k] = q->dd_sorted[j];
            y[k++] = (double)(q->n - j) / (double)q->n;
        }
        vr_svg_polyline(&p, x, y, k, vr_rep_color(i), 1.8, vr_rep_dash(i));
    }
    if (inside)
        legend_policies(f, s, p.x0 + p.w - legend_width(s) - 8, p.y0 + 8);
    else
        legend_policies(f, s, p.x0, LEGEND_BELOW_Y);
    vr_svg_end(f);
}

/* ---- sample paths --------------------------------------------------------------------------- */

static void path_panel(FILE *f, const double *v, size_t nd, double x0, double y0, double w, double h,
                       const char *ylabel, const char *xlabel, const char *color)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < nd; t++)
        if (isfinite(v[t])) { lo = fmin(lo, v[t]); hi = fmax(hi, v[t]); }
    nonempty(&lo, &hi);
    const double pad = 0.06 * vr_svg_width(lo, hi);
    svg_plot p = {f, x0, y0, w, h, 0, (double)(nd > 1 ? nd - 1 : 1), vr_svg_clamp(lo - pad), vr_svg_clamp(hi + pad),
                  0, 0, 0, 0, 1};
    vr_svg_axes(&p, xlabel, ylabel);
    double *xs = malloc(nd * sizeof *xs);
    if (xs == NULL)
        return;
    for (size_t t = 0; t < nd; t++)
        xs[t] = (double)t;
    vr_svg_polyline(&p, xs, v, nd, color, 1.4, NULL);
    free(xs);
}

int vr_chart_paths(FILE *f, const rep_scenario *s)
{
    if (s->nsample == 0 || s->ndays == 0 || s->spx == NULL || s->vix == NULL)
        return 0;
    const size_t ns = s->nsample, nd = s->ndays;
    const rep_policy *b = &s->pol[s->base];
    const size_t nb = b->n < ns ? b->n : ns; /* sample path i is path i of the run */
    /* pick: worst baseline P&L, highest VIX peak, median baseline P&L (distinct) */
    size_t pick[3], npick = 0;
    const char *why[3];
    size_t worst = 0, peak = 0;
    double vpk = -INFINITY;
    for (size_t i = 0; i < nb; i++)
        if (b->pnl[i] < b->pnl[worst]) worst = i;
    for (size_t i = 0; i < ns; i++)
        for (size_t t = 0; t < nd; t++)
            if (s->vix[i * nd + t] > vpk) { vpk = s->vix[i * nd + t]; peak = i; }
    size_t med = 0;
    if (nb > 0) {
        size_t *idx = malloc(nb * sizeof *idx);
        if (idx) {
            for (size_t i = 0; i < nb; i++) idx[i] = i;
            for (size_t i = 1; i < nb; i++) /* small: sample_paths is a few hundred at most */
                for (size_t j = i; j > 0 && b->pnl[idx[j]] < b->pnl[idx[j - 1]]; j--) {
                    const size_t tmp = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = tmp;
                }
            med = idx[nb / 2];
            free(idx);
        }
    }
    const size_t cand[3] = {nb ? worst : 0, peak, med};
    const char *reason[3] = {"worst baseline P&L of the sample", "highest VIX peak of the sample",
                             "median baseline P&L of the sample"};
    for (int c = 0; c < 3; c++) {
        int dup = 0;
        for (size_t k = 0; k < npick; k++) dup |= pick[k] == cand[c];
        if (!dup) { pick[npick] = cand[c]; why[npick++] = reason[c]; }
    }
    /* rug rows: one per (policy, layer) that has activation masks */
    size_t rows = 0;
    for (size_t p = 0; p < s->npol; p++)
        if (s->pol[p].act) rows += s->pol[p].nlayer_names;
    const double X0 = 130, W = 940, HS = 110, HV = 80, ROW = 13;
    const double block = 34 + HS + 26 + HV + 44 + (double)rows * ROW + 24;
    char title[700], line[700], usd[48];
    snprintf(title, sizeof title, "Scenario %s: sample SPX and VIX paths with the days each hedge layer acted", s->name);
    vr_svg_begin(f, 1100, 10 + block * (double)npick, title);
    for (size_t k = 0; k < npick; k++) {
        const size_t i = pick[k];
        const double Y = 10 + block * (double)k;
        if (i < nb)
            snprintf(line, sizeof line, "Sample path %zu (%s): %s P&L %s USD", i, why[k], b->name,
                     vr_rep_fmt_usd(usd, sizeof usd, b->pnl[i]));
        else
            snprintf(line, sizeof line, "Sample path %zu (%s)", i, why[k]);
        vr_svg_text(f, 20, Y + 18, "start", 13, "bold", line);
        path_panel(f, s->spx + i * nd, nd, X0, Y + 30, W, HS, "SPX (index points)", NULL, "#333333");
        path_panel(f, s->vix + i * nd, nd, X0, Y + 30 + HS + 26, W, HV, "VIX (points)", "trading day", "#7a3b8f");
        /* activation rug: a tick on each day a layer acted */
        double ry = Y + 30 + HS + 26 + HV + 44;
        svg_plot d = {f, X0, ry, W, 1, 0, (double)(nd > 1 ? nd - 1 : 1), 0, 1, 0, 0, 0, 0, 1};
        const double tw = fmax(1.5, W / (double)nd);
        for (size_t p = 0; p < s->npol; p++) {
            const rep_policy *q = &s->pol[p];
            if (q->act == NULL)
                continue;
            for (size_t l = 0; l < q->nlayer_names; l++, ry += ROW) {
                snprintf(line, sizeof line, "%s: %s", q->name, q->layers[l]);
                vr_svg_text(f, X0 - 6, ry + 9, "end", 10, NULL, line);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>", X0, ry + 5,
                        X0 + W, ry + 5);
                fprintf(f, "<g fill=\"%s\">", vr_rep_color(p));
                for (size_t t = 0; t < nd; t++) {
                    const double m = q->act[i * nd + t];
                    if (!(m >= 1 && m < 4294967296.0) || l >= 32 || !(((uint32_t)m >> l) & 1u))
                        continue;
                    /* within the plot: on a short horizon a day's mark is wide, and the first
                     * day's, centred on the axis's start, covered the row labels */
                    const double x0 = fmax(vr_svg_px(&d, (double)t) - tw / 2, X0);
                    const double x1 = fmin(vr_svg_px(&d, (double)t) + tw / 2, X0 + W);
                    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\"/>", x0, ry, x1 - x0);
                }
                fputs("</g>\n", f);
            }
        }
        if (rows == 0)
            vr_svg_text(f, X0, ry + 10, "start", 11, NULL, "(no policy in this run has hedge layers)");
    }
    vr_svg_end(f);
    return 1;
}

/* ---- sweeps and layers ------------------------------------------------------------------------ */

/* Error bar (+-se around y at x) and a point, in data coordinates. */
static void point_se(FILE *f, const svg_plot *p, double x, double y, double se, const char *color, int square)
{
    const double cx = vr_svg_px(p, x), cy = vr_svg_py(p, y);
    if (isfinite(se) && se > 0)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.3\"/>",
                cx, vr_svg_py(p, vr_svg_clamp(y - se)), cx, vr_svg_py(p, vr_svg_clamp(y + se)), color);
    if (square)
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\" stroke=\"#ffffff\"/>\n",
                cx - 4, cy - 4, color);
    else
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" stroke=\"#ffffff\"/>\n", cx, cy, color);
}

void vr_chart_sweep(FILE *f, const rep_scenario *s, const rep_sweep *sw)
{
    /* a sampled scenario: dES99 and dmean against the baseline, +-1 SE; a replay: P&L and dP&L */
    const int replay = s->replay;
    const int ka = replay ? RS_MEAN : RS_DES99, kas = replay ? -1 : RS_DES99_SE;
    const int kb = RS_DMEAN, kbs = replay ? -1 : RS_DMEAN_SE;
    double xs[VR_MAX_POLICIES], ya[VR_MAX_POLICIES], yb[VR_MAX_POLICIES];
    double ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < sw->n; i++) {
        const double *v = s->pol[sw->pol[i]].score;
        xs[i] = sw->x[i];
        ya[i] = v[ka];
        yb[i] = v[kb];
        const double sa = kas >= 0 && isfinite(v[kas]) ? fabs(v[kas]) : 0, sb = kbs >= 0 && isfinite(v[kbs]) ? fabs(v[kbs]) : 0;
        if (isfinite(ya[i])) ylo = fmin(ylo, vr_svg_clamp(ya[i] - sa)), yhi = fmax(yhi, vr_svg_clamp(ya[i] + sa));
        if (isfinite(yb[i])) ylo = fmin(ylo, vr_svg_clamp(yb[i] - sb)), yhi = fmax(yhi, vr_svg_clamp(yb[i] + sb));
    }
    ylo = fmin(ylo, 0), yhi = fmax(yhi, 0); /* zero (no change) always in view */
    if (!(yhi > ylo)) { ylo = -1; yhi = 1; }
    const double py = 0.1 * vr_svg_width(ylo, yhi);
    double xlo = xs[0], xhi = xs[sw->n - 1];
    const double px = xhi > xlo ? 0.06 * vr_svg_width(xlo, xhi) : fmax(1, fabs(xlo) * 0x1p-40);
    char title[300], head[300];
    snprintf(title, sizeof title, "Scenario %s: sweep of %s over %s", s->name, sw->base, sw->label);
    /* tall enough for the legend under the plot: its top at y0 + h + 48, two rows (8 + 2 x 16 px) */
    vr_svg_begin(f, 560, 40 + 250 + 48 + 40 + 12, title);
    svg_plot p = {f, 90, 40, 440, 250, vr_svg_clamp(xlo - px), vr_svg_clamp(xhi + px), vr_svg_clamp(ylo - py),
                  vr_svg_clamp(yhi + py), 0, 0, 1, 0, 0};
    snprintf(head, sizeof head, "%s: %s", sw->base, sw->label);
    vr_svg_text(f, p.x0, 24, "start", 13, "bold", head);
    vr_svg_axes(&p, sw->label, replay ? "USD" : "USD, against the baseline");
    const double zy = vr_svg_py(&p, 0);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"3 3\"/>\n",
            p.x0, zy, p.x0 + p.w, zy);
    vr_svg_polyline(&p, xs, ya, sw->n, vr_rep_color(0), 2, "");
    vr_svg_polyline(&p, xs, yb, sw->n, vr_rep_color(1), 2, "7 3");
    for (size_t i = 0; i < sw->n; i++) {
        const double *v = s->pol[sw->pol[i]].score;
        if (isfinite(ya[i]))
            point_se(f, &p, xs[i], ya[i], kas >= 0 ? v[kas] : NAN, vr_rep_color(0), 0);
        if (isfinite(yb[i]))
            point_se(f, &p, xs[i], yb[i], kbs >= 0 ? v[kbs] : NAN, vr_rep_color(1), 1);
    }
    /* legend under the plot, never over the data */
    const char *names[2] = {replay ? "P&L" : "\xCE\x94" "ES99 (negative: tail reduced)",
                            replay ? "\xCE\x94" "P&L vs baseline" : "\xCE\x94" "mean P&L"};
    const char *colors[2] = {vr_rep_color(0), vr_rep_color(1)}, *dashes[2] = {"", "7 3"};
    vr_svg_legend(f, p.x0, p.y0 + p.h + 48, names, 2, colors, dashes);
    vr_svg_end(f);
}

int vr_chart_layers(FILE *f, const rep_scenario *s)
{
    /* one group of bars per policy with attribution: the condor's net and each layer's, mean per
     * path (solid) and on the baseline's worst 1% of paths (light, when stored) */
    enum { MAXB = 64 };
    size_t pol[MAXB];
    int lay[MAXB];
    size_t nb = 0, ngroups = 0;
    double lo = 0, hi = 0;
    for (size_t p = 0; p < s->npol && nb < MAXB; p++) {
        const rep_policy *q = &s->pol[p];
        if (!q->has_attr || q->nlayer_names == 0)
            continue;
        ngroups++;
        for (int l = -1; l < (int)q->nlayer_names && nb < MAXB; l++) {
            pol[nb] = p, lay[nb] = l;
            const double m = l < 0 ? q->attr_condor : q->lay[l].attr_mean;
            const double w = l < 0 ? q->score[RS_CONDOR_TAIL1] : q->lay[l].score[VR_RF_LAYER_TAIL1];
            lo = fmin(lo, m), hi = fmax(hi, m);
            if (isfinite(w)) lo = fmin(lo, w), hi = fmax(hi, w);
            nb++;
        }
    }
    if (nb == 0)
        return 0;
    if (!(hi > lo)) hi = lo + 1;
    const double pad = 0.08 * vr_svg_width(lo, hi);
    const double slot = 46, gap = 24;
    const double width = fmax(520, 100 + (double)nb * slot + (double)ngroups * gap + 40);
    char title[300];
    snprintf(title, sizeof title, "Scenario %s: net P&L by owner", s->name);
    vr_svg_begin(f, width, 400, title);
    svg_plot p = {f, 90, 40, width - 120, 250, 0, 1, vr_svg_clamp(lo - pad), vr_svg_clamp(hi + pad), 0, 0, 1, 1, 0};
    vr_svg_text(f, p.x0, 24, "start", 13, "bold", "Net P&L by owner: the condor and each hedge layer");
    vr_svg_axes(&p, "", "USD per path");
    const double zy = vr_svg_py(&p, 0);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", p.x0, zy, p.x0 + p.w, zy);
    double x = p.x0 + 10;
    size_t prev = (size_t)-1;
    for (size_t b = 0; b < nb; b++) {
        const rep_policy *q = &s->pol[pol[b]];
        if (pol[b] != prev) {
            if (prev != (size_t)-1)
                x += gap;
            /* policy name above its group, in its colour */
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"3\" fill=\"%s\"/>\n", x, p.y0 + p.h + 34,
                    slot * (double)(q->nlayer_names + 1) - 6, vr_rep_color(pol[b]));
            vr_svg_text(f, x, p.y0 + p.h + 50, "start", 11, "bold", q->name);
            prev = pol[b];
        }
        const double m = lay[b] < 0 ? q->attr_condor : q->lay[lay[b]].attr_mean;
        const double w = lay[b] < 0 ? q->score[RS_CONDOR_TAIL1] : q->lay[lay[b]].score[VR_RF_LAYER_TAIL1];
        const char *col = lay[b] < 0 ? "#7f7f7f" : vr_rep_color((size_t)lay[b] + 1);
        const double y0 = vr_svg_py(&p, fmax(m, 0)), y1 = vr_svg_py(&p, fmin(m, 0));
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"%s\"/>\n", x, y0,
                fmax(y1 - y0, 0.5), col);
        if (isfinite(w)) {
            const double w0 = vr_svg_py(&p, fmax(w, 0)), w1 = vr_svg_py(&p, fmin(w, 0));
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.35\" "
                       "stroke=\"%s\"/>\n", x + 20, w0, fmax(w1 - w0, 0.5), col, col);
        }
        vr_svg_text(f, x + 19, p.y0 + p.h + 16, "middle", 10, NULL, lay[b] < 0 ? "condor" : q->layers[lay[b]]);
        x += slot;
    }
    vr_svg_text(f, p.x0, p.y0 + p.h + 72, "start", 11, NULL,
                "solid: mean per path; light: mean on the baseline's worst 1% of paths (when stored)");
    vr_svg_end(f);
    return 1;
}
