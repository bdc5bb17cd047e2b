/* tables.c: the two ranking tables of a scenario as text cells, shared by the HTML and Markdown
 * writers so both show the same numbers in the same formats:
 *
 *   REP_TABLE_TAIL  mean, ES95/ES99/ES99.9, VaR95/99 (each +- SE), P(loss > x) +- SE for the four
 *                   thresholds
 *   REP_TABLE_COST  drawdown quantiles, hedge premium paid/recovered/net, paired dES99 and dmean
 *                   against the baseline (+- SE), cost per unit of ES99 reduction ("rough" on a tail
 *                   of fewer than VR_TAIL_MIN_BEYOND paths, "n.s." within the noise)
 *   REP_TABLE_REPLAY a replayed history (one path): its P&L, the difference to the baseline's, its
 *                   max drawdown and hedge flows; no distribution statistics
 *
 * Rows are policies ranked by ES99 (vr_rep_rank; a replay by P&L). ES99 and ES99.9 cells are flagged
 * `rough` when they rest on fewer than VR_TAIL_MIN_BEYOND paths (vr_rep_tail_warning says so), and
 * so is ΔES99, a difference of two ES99 over the same tail, which is then never `sig`. Each cell carries the attribute it shows (key), so
 * the HTML can tag it for readers and tests, and a flag when a paired difference is larger than
 * VR_Z_SIGNIFICANT (1.96) standard errors, the verdict's rule (vr_significant). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/tables.h"

static void pm(char *buf, size_t cap, double v, double se)
{
    char a[48], b[48];
    snprintf(buf, cap, "%s \xC2\xB1 %s", vr_rep_fmt_usd(a, sizeof a, v), vr_rep_fmt_usd(b, sizeof b, se));
}

size_t vr_rep_table_head(const rep_scenario *s, int which, rep_head *h)
{
    size_t n = 0;
    char u[48];
#define H(txt_, unit_) do { snprintf(h[n].text, sizeof h[n].text, "%s", txt_); h[n].unit = unit_; n++; } while (0)
    H("Policy", "");
    if (which == REP_TABLE_REPLAY) {
        H("P&L", "USD");
        H("\xCE\x94" "P&L vs baseline", "USD");
        H("Max drawdown", "USD");
        H("Hedge premium paid", "USD");
        H("Hedge premium recovered", "USD");
        H("Net hedge cost", "USD");
    } else if (which == REP_TABLE_TAIL) {
        H("Mean P&L \xC2\xB1 SE", "USD");
        H("ES95 \xC2\xB1 SE", "USD");
        H("ES99 \xC2\xB1 SE", "USD");
        H("ES99.9 \xC2\xB1 SE", "USD");
        H("VaR95 \xC2\xB1 SE", "USD");
        H("VaR99 \xC2\xB1 SE", "USD");
        const double *thr = s->npol ? s->pol[0].thr : NULL;
        for (int k = 0; k < REP_NTHR; k++) {
            /* whole dollars as the other USD figures; a threshold with cents keeps them (0.4 and
             * 1000.5 were headed "P(loss > 0)" and "P(loss > 1,000)") */
            const double x = thr ? thr[k] : NAN;
            if (isfinite(x) && x != nearbyint(x) && fabs(x) < 1e9)
                snprintf(u, sizeof u, "%.2f", x);
            else
                vr_rep_fmt_usd(u, sizeof u, x);
            snprintf(h[n].text, sizeof h[n].text, "P(loss > %s) \xC2\xB1 SE", u);
            h[n].unit = "%";
            n++;
        }
    } else {
        H("Drawdown q50", "USD");
        H("Drawdown q95", "USD");
        H("Drawdown q99", "USD");
        H("Hedge premium paid", "USD/path");
        H("Hedge premium recovered", "USD/path");
        H("Net hedge cost", "USD/path");
        H("\xCE\x94" "ES99 vs baseline \xC2\xB1 SE", "USD");
        H("\xCE\x94" "mean vs baseline \xC2\xB1 SE", "USD");
        H("Cost per USD of ES99 reduction", "ratio");
    }
#undef H
    return n;
}

size_t vr_rep_table_row(const rep_scenario *s, size_t pi, int which, rep_cell *c)
{
    const rep_policy *p = &s->pol[pi];
    const double *v = p->score;
    size_t n = 0;
    memset(c, 0, REP_MAXCOL * sizeof *c);
#define C(k) (c[n].key = (k), c[n].text)
    snprintf(C("policy"), sizeof c[n].text, "%s", p->name);
    n++;
    if (which == REP_TABLE_REPLAY) {
        vr_rep_fmt_usd(C("mean"), sizeof c[n].text, v[RS_MEAN]); n++;
        if (pi == s->base)
            snprintf(C("d_mean"), sizeof c[n].text, "(baseline)");
        else
            vr_rep_fmt_usd(C("d_mean"), sizeof c[n].text, v[RS_DMEAN]);
        n++;
        vr_rep_fmt_usd(C("drawdown_q50"), sizeof c[n].text, v[RS_DD50]); n++;
        vr_rep_fmt_usd(C("hedge_premium_paid"), sizeof c[n].text, v[RS_PAID]); n++;
        vr_rep_fmt_usd(C("hedge_premium_recovered"), sizeof c[n].text, v[RS_RECV]); n++;
        vr_rep_fmt_usd(C("net_hedge_cost"), sizeof c[n].text, v[RS_PAID] - v[RS_RECV]); n++;
    } else if (which == REP_TABLE_TAIL) {
        pm(C("mean"), sizeof c[n].text, v[RS_MEAN], v[RS_MEAN_SE]); n++;
        /* each level's scores rough below VR_TAIL_MIN_BEYOND paths beyond it (docs/hdf5.md: the
         * SEs' large-sample formulas understate the spread there), the 95% ones too (under 2,000
         * paths: they were never marked) */
        const int rough95 = s->paths / 20 < VR_TAIL_MIN_BEYOND;
        pm(C("es95"), sizeof c[n].text, v[RS_ES95], v[RS_ES95_SE]);
        c[n].rough = rough95;
        n++;
        pm(C("es99"), sizeof c[n].text, v[RS_ES99], v[RS_ES99_SE]);
        c[n].rough = s->tail < VR_TAIL_MIN_BEYOND;
        n++;
        pm(C("es99.9"), sizeof c[n].text, v[RS_ES999], v[RS_ES999_SE]);
        c[n].rough = s->paths / 1000 < VR_TAIL_MIN_BEYOND;
        n++;
        pm(C("var95"), sizeof c[n].text, v[RS_VAR95], v[RS_VAR95_SE]); /* a tail score: with its SE */
        c[n].rough = rough95;
        n++;
        pm(C("var99"), sizeof c[n].text, v[RS_VAR99], v[RS_VAR99_SE]);
        c[n].rough = s->tail < VR_TAIL_MIN_BEYOND;
        n++;
        static const char *const pk[REP_NTHR] = {"p_loss_1", "p_loss_2", "p_loss_3", "p_loss_4"};
        for (int k = 0; k < REP_NTHR; k++) {
            char a[48], b[48];
            snprintf(C(pk[k]), sizeof c[n].text, "%s \xC2\xB1 %s", vr_rep_fmt_pct(a, sizeof a, p->p_loss[k]),
                     vr_rep_fmt_pct(b, sizeof b, p->p_loss_se[k]));
            n++;
        }
    } else {
        const int is_base = pi == s->base;
        vr_rep_fmt_usd(C("drawdown_q50"), sizeof c[n].text, v[RS_DD50]); n++;
        vr_rep_fmt_usd(C("drawdown_q95"), sizeof c[n].text, v[RS_DD95]); n++;
        vr_rep_fmt_usd(C("drawdown_q99"), sizeof c[n].text, v[RS_DD99]); n++;
        vr_rep_fmt_usd(C("hedge_premium_paid"), sizeof c[n].text, v[RS_PAID]); n++;
        vr_rep_fmt_usd(C("hedge_premium_recovered"), sizeof c[n].text, v[RS_RECV]); n++;
        vr_rep_fmt_usd(C("net_hedge_cost"), sizeof c[n].text, v[RS_PAID] - v[RS_RECV]); n++;
        if (is_base) {
            snprintf(C("d_es99"), sizeof c[n].text, "(baseline)"); n++;
            snprintf(C("d_mean"), sizeof c[n].text, "(baseline)"); n++;
        } else {
            pm(C("d_es99"), sizeof c[n].text, v[RS_DES99], v[RS_DES99_SE]);
            /* the difference of two ES99 over the same tail paths is as rough as they are: with
             * too few of them its SE says nothing, so it is marked rough and never significant */
            c[n].rough = s->tail < VR_TAIL_MIN_BEYOND;
            c[n].sig = !c[n].rough && vr_significant(v[RS_DES99], v[RS_DES99_SE]);
            n++;
            pm(C("d_mean"), sizeof c[n].text, v[RS_DMEAN], v[RS_DMEAN_SE]);
            c[n].sig = s->paths >= VR_MEAN_MIN_PATHS && vr_significant(v[RS_DMEAN], v[RS_DMEAN_SE]);
            n++;
        }
        /* a ratio over ΔES99: not stated where ΔES99 is not judged (a rough tail, as the console
         * table and the verdict say), nor where the reduction is within its noise */
        if (!is_base && s->tail < VR_TAIL_MIN_BEYOND)
            snprintf(C("cost_per_es99_reduction"), sizeof c[n].text, "rough");
        else if (!is_base && v[RS_DES99] < 0 && !vr_significant(v[RS_DES99], v[RS_DES99_SE]))
            snprintf(C("cost_per_es99_reduction"), sizeof c[n].text, "n.s."); /* within its noise */
        else
            vr_rep_fmt_num(C("cost_per_es99_reduction"), sizeof c[n].text, v[RS_COST]);
        n++;
    }
#undef C
    return n;
}

const char *vr_rep_tail_warning(const rep_scenario *s, char *buf, size_t cap)
{
    if (s->replay || s->tail >= VR_TAIL_MIN_BEYOND) {
        if (s->replay || s->paths / 1000 >= VR_TAIL_MIN_BEYOND)
            return NULL;
        snprintf(buf, cap, "ES99.9 rests on %zu path%s beyond VaR99.9 (fewer than %d): a rough estimate, "
                 "and VaR99.9 and both their SEs are rough too (the SEs understate the error).",
                 s->paths / 1000, s->paths / 1000 == 1 ? "" : "s", VR_TAIL_MIN_BEYOND);
        return buf;
    }
    snprintf(buf, cap, "Tail warning: ES99 rests on %zu path%s beyond VaR99 and ES99.9 on %zu (fewer than %d "
             "each): rough estimates (VaR99 and VaR99.9 and the SEs of all too), and so is each \xCE\x94" "ES99 against the baseline, never shown as "
             "significant; run at least %d paths for a usable ES99.", s->tail, s->tail == 1 ? "" : "s", s->paths / 1000,
             VR_TAIL_MIN_BEYOND, 100 * VR_TAIL_MIN_BEYOND);
    if (s->paths / 20 < VR_TAIL_MIN_BEYOND) {
        const size_t n = strlen(buf);
        snprintf(buf + n, cap > n ? cap - n : 0, " ES95 and VaR95 rest on %zu paths beyond VaR95, rough too.",
                 s->paths / 20);
    }
    return buf;
}
