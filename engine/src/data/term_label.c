/* term_label.c: the contracts of a VX1..VX8 term-structure row (term_label.h says how). */
#include <math.h>
#include <stdint.h>

#include "term_label.h"

#define MONTHS_AHEAD 40 /* listed contracts reach at most 9 months out; the rest is margin */

typedef struct lab_ctx {
    int32_t date;
    const double *vx;
    int n;
    const int32_t *ce;
    const double *cs;
    int nc, p;                   /* contracts of the date; how many the row must hold */
    int32_t mexp[MONTHS_AHEAD];  /* the months' expiries after the date, ascending */
    int maybe[MONTHS_AHEAD];     /* 1: the month may not have been listed (vr_month_expiry_fn) */
    int nm;
    int pos[VR_TERM_MAX];        /* pos[j]: the entry contract j is */
    int found;                   /* placements that fit so far */
    int32_t lab[VR_TERM_MAX];    /* the labels all of them agree on ... */
    int nlab;                    /* ... up to here */
} lab_ctx;

/* The first month expiring after lo. */
static int first_after(const lab_ctx *c, int32_t lo)
{
    int k = 0;
    while (k < c->nm && c->mexp[k] <= lo)
        k++;
    return k;
}

/* The labels of the placement in c->pos: the count of certain leading entries, or -1 when a gap
 * holds more entries than months expire inside it. */
static int place_labels(const lab_ctx *c, int32_t *out)
{
    int certain = c->n;
    for (int g = 0; g <= c->p; g++) {
        const int32_t lo = g == 0 ? c->date : c->ce[g - 1];
        const int start = g == 0 ? 0 : c->pos[g - 1] + 1, end = g < c->p ? c->pos[g] : c->n;
        const int bounded = g < c->p || c->p < c->nc;
        const int32_t hi = g < c->p ? c->ce[g] : bounded ? c->ce[c->p] : INT32_MAX;
        const int u = end - start, k0 = first_after(c, lo);
        int k1 = k0, sure = 0; /* the gap's months are k0..k1-1, `sure` of them surely listed */
        while (k1 < c->nm && c->mexp[k1] < hi)
            sure += !c->maybe[k1++];
        if (bounded && u > k1 - k0)
            return -1;
        /* every month of the gap, or only the surely listed ones, or the first two of those */
        const int all = bounded ? u == k1 - k0 : c->date >= VR_TERM_SERIAL_FROM;
        const int only_sure = !all && bounded && u == sure;
        int k = k0;
        for (int q = 0; q < u; q++, k++) {
            while (!all && k < k1 && c->maybe[k])
                k++;
            if ((all || only_sure || (g == 0 && q < 2)) && k < c->nm && c->mexp[k] < hi)
                out[start + q] = c->mexp[k];
            else if (start + q < certain)
                certain = start + q;
        }
        if (g < c->p)
            out[c->pos[g]] = c->ce[g];
    }
    return certain;
}

/* Place contracts j.. at entries from `from` on, in order, each on an entry of its settlement. */
static void place(lab_ctx *c, int j, int from)
{
    if (j == c->p) {
        int32_t out[VR_TERM_MAX];
        const int k = place_labels(c, out);
        if (k < 0)
            return;
        if (c->found++ == 0) {
            for (int i = 0; i < k; i++)
                c->lab[i] = out[i];
            c->nlab = k;
            return;
        }
        int i = 0;
        while (i < c->nlab && i < k && c->lab[i] == out[i])
            i++;
        c->nlab = i;
        return;
    }
    for (int i = from; i < c->n; i++)
        if (fabs(c->vx[i] - c->cs[j]) < 5e-9) {
            c->pos[j] = i;
            place(c, j + 1, i + 1);
        }
}

int vr_term_label(int32_t date, const double *vx, int n, const int32_t *ce, const double *cs, int nc,
                  vr_month_expiry_fn month_expiry, const void *ctx, int32_t *exp)
{
    if (n <= 0)
        return 0;
    if (n > VR_TERM_MAX)
        n = VR_TERM_MAX;
    lab_ctx c = {.date = date, .vx = vx, .n = n, .ce = ce, .cs = cs, .nc = nc < 0 ? 0 : nc};
    /* the months from the date's on; a contract of the date gives its month's real expiry (a
     * contract expires in its own month) */
    int y = date / 10000, m = date / 100 % 100;
    for (int k = 0; k < MONTHS_AHEAD; k++) {
        int maybe = 0;
        int32_t e = month_expiry(ctx, y, m, date, &maybe);
        for (int j = 0; j < c.nc; j++)
            if (ce[j] / 100 == y * 100 + m) {
                e = ce[j];
                break;
            }
        if (e > date && (c.nm == 0 || e > c.mexp[c.nm - 1])) { /* 0: not listed that day */
            c.maybe[c.nm] = maybe;
            c.mexp[c.nm++] = e;
        }
        if (++m == 13) {
            m = 1;
            y++;
        }
    }
    for (c.p = c.nc < n ? c.nc : n; c.p >= 0; c.p--) {
        c.found = 0;
        place(&c, 0, 0);
        if (c.found > 0) {
            for (int i = 0; i < c.nlab; i++)
                exp[i] = c.lab[i];
            return c.nlab;
        }
    }
    return 0;
}
