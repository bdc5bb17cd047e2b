/* table.c: the console ranking of a scenario, printed by `vixrisk run` after each scenario: policies
 * in the order of vr_rank_by_es99 (the report ranks with the same function). A sampled scenario
 * shows mean, ES99 and VaR99 with standard errors and the paired differences against the baseline;
 * a replayed history (one path) shows its P&L, drawdown and hedge flows instead. When ES99 rests on
 * fewer than VR_TAIL_MIN_BEYOND paths beyond VaR99 the ES99 column is marked '*' and a note under
 * the table says so. Undefined quantities print as "n/a", never as nan. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_internal.h"

/* "%.0f +- %.0f", or "n/a" pieces for non-finite values. */
static char *pm(char *buf, size_t cap, double v, double se, const char *mark)
{
    char a[32], b[32];
    if (isfinite(v)) snprintf(a, sizeof a, "%.0f", vr_z0(v, 0)); else snprintf(a, sizeof a, "n/a");
    if (isfinite(se)) snprintf(b, sizeof b, "%.0f", vr_z0(se, 0)); else snprintf(b, sizeof b, "n/a");
    snprintf(buf, cap, "%s +- %s%s", a, b, mark);
    return buf;
}

/* A mean with its standard error when there is one ("%.0f +- %.0f"; streamed scores and a replay
 * have none: the mean alone), "n/a" when the mean is undefined; sign: "%+.0f" for the mean. */
static char *mean_pm(char *buf, size_t cap, double v, double se, int sign)
{
    if (!isfinite(v))
        snprintf(buf, cap, "n/a");
    else if (!isfinite(se))
        snprintf(buf, cap, sign ? "%+.0f" : "%.0f", vr_z0(v, 0));
    else
        snprintf(buf, cap, sign ? "%+.0f +- %.0f" : "%.0f +- %.0f", vr_z0(v, 0), vr_z0(se, 0));
    return buf;
}

static char *num(char *buf, size_t cap, double v, const char *fmt)
{
    if (isfinite(v)) {
        const char *dot = strchr(fmt, '.'); /* "%.0f", "%.3f": the decimals printed */
        snprintf(buf, cap, fmt, vr_z0(v, dot ? atoi(dot + 1) : 0));
    } else {
        snprintf(buf, cap, "n/a");
    }
    return buf;
}

/* The condor's mean attributed P&L of policy p: its mean P&L less its layers' mean nets (condor +
 * layers = pnl on every path, so their means add up too); NaN without the layers' nets (streamed
 * scores). */
static double condor_net(const vr_run_spec *s, const vr_pol_summary *ps, int p)
{
    double v = ps[p].score[VR_SCORE_MEAN];
    for (int l = 0; l < s->pol[p].nlayers && l < ps[p].nlayers; l++)
        v -= ps[p].layer[l][VR_RF_LAYER_NET_MEAN];
    return v;
}

/* The width of a name column: at least `min`, or the longest name printed in it (a sweep's derived
 * policies run to 47 bytes, and the columns after them moved right row by row). what: 0 every
 * policy's name, 1 the names of the policies with layers (the attribution table), 2 their layers'
 * names. */
static int name_width(const vr_run_spec *s, int min, int what)
{
    int w = min;
    for (int p = 0; p < s->npol; p++) {
        if (what > 0 && (s->pol[p].abl_kind != VR_ABL_NONE || s->pol[p].nlayers == 0))
            continue;
        for (int l = 0; l < (what == 2 ? s->pol[p].nlayers : 1); l++) {
            const int n = (int)strlen(what == 2 ? s->pol[p].layers[l].name : s->pol[p].name);
            w = n > w ? n : w;
        }
    }
    return w;
}

/* The layers of the configured policies (not the ablation's): what each does per year, what it
 * pays when the baseline loses most, and what removing it does to ES99; then the policy's condor:
 * its own legs' mean net and its difference from the baseline's condor on the same paths. Without
 * that row the nets did not add up to d_mean whenever a layer changes the condor's trades (a
 * roll_tested layer: the condor's later profit take or stop comes at another time), and what the
 * roll moved in the condor's own P&L was in no column. */
static void print_attrib(FILE *out, const vr_run_cfg *cfg, const vr_pol_summary *ps, size_t base, int replay)
{
    const vr_run_spec *s = &cfg->spec;
    int any = 0;
    for (int p = 0; p < s->npol; p++)
        any |= s->pol[p].abl_kind == VR_ABL_NONE && s->pol[p].nlayers > 0;
    if (!any)
        return;
    char a[48], b[48], c[48], d[48], e[48], f[48], g[48], h[48];
    const int wp = name_width(s, 28, 1), wl = name_width(s, 10, 2);
    /* prem: what the layer's positions cost at mid plus the costs of all its trades, so it can
     * exceed the verdict's hedge budget (premium paid at opening, docs/hdf5.md) */
    fprintf(out, "attribution by layer (net = the layer's own P&L, mean +- its standard error; prem = premium at mid "
                 "plus the costs of its trades, per year; %% CaR = %% of the condor's capital at risk; (condor) = the "
                 "condor's own legs, and their net less the baseline's condor, +- its paired standard error: with the "
                 "layers' nets%s it makes dmean, and its net worst1%%/5%% with theirs the policy's mean P&L on those paths):\n",
            /* a baseline with layers of its own: dmean is less their nets too */
            base < (size_t)s->npol && s->pol[base].nlayers > 0 ? " less the baseline's layers' nets" : "");
    if (replay) /* (its columns end at net: the empty ones left 70 blanks at the line's end) */
        fprintf(out, "%-*s %-*s %9s %10s %16s\n", wp, "policy", wl, "layer", "acts/yr", "prem %CaR", "net");
    else
        fprintf(out, "%-*s %-*s %9s %10s %16s %12s %12s %7s %18s %18s\n", wp, "policy", wl, "layer", "acts/yr",
                "prem %CaR", "net mean +- se", "net worst1%", "net worst5%", "corr", "dES99 removed", "dES99 alone");
    for (int p = 0; p < s->npol; p++) {
        if (s->pol[p].abl_kind != VR_ABL_NONE)
            continue;
        for (int l = 0; l < s->pol[p].nlayers && l < ps[p].nlayers; l++) {
            const double *v = ps[p].layer[l];
            fprintf(out, "%-*s %-*s %9s %10s %16s", wp, s->pol[p].name, wl, s->pol[p].layers[l].name,
                    num(a, sizeof a, v[VR_RF_LAYER_ACT_YEAR], "%.2f"),
                    num(b, sizeof b, v[VR_RF_LAYER_PREMIUM_PCT], "%.2f%%"),
                    mean_pm(c, sizeof c, v[VR_RF_LAYER_NET_MEAN], v[VR_RF_LAYER_NET_MEAN_SE], 0));
            if (!replay)
                fprintf(out, " %12s %12s %7s %18s %18s", num(d, sizeof d, v[VR_RF_LAYER_TAIL1], "%.0f"),
                        num(e, sizeof e, v[VR_RF_LAYER_TAIL5], "%.0f"), num(f, sizeof f, v[VR_RF_LAYER_CORR], "%.3f"),
                        isfinite(v[VR_RF_LAYER_DES_REMOVED])
                            ? pm(g, sizeof g, v[VR_RF_LAYER_DES_REMOVED], v[VR_RF_LAYER_DES_REMOVED_SE], "")
                            : "-",
                        isfinite(v[VR_RF_LAYER_DES_ALONE])
                            ? pm(h, sizeof h, v[VR_RF_LAYER_DES_ALONE], v[VR_RF_LAYER_DES_ALONE_SE], "")
                            : "-");
            fprintf(out, "\n");
        }
        if (s->pol[p].nlayers == 0)
            continue;
        const double cn = condor_net(s, ps, p);
        double vs = cn - condor_net(s, ps, (int)base);
        if (fabs(vs) < 0.5) /* rounding: the same condor as the baseline's prints +0, not -0 */
            vs = 0;
        fprintf(out, "%-*s %-*s %9s %10s %16s", wp, s->pol[p].name, wl, "(condor)", "-", "-",
                mean_pm(c, sizeof c, cn, ps[p].score[VR_SCORE_CONDOR_NET_SE], 0));
        if (!replay) /* its share on the baseline's worst paths: with the layers' it makes the policy's */
            fprintf(out, " %12s %12s %7s", num(e, sizeof e, ps[p].score[VR_SCORE_CONDOR_TAIL1], "%.0f"),
                    num(f, sizeof f, ps[p].score[VR_SCORE_CONDOR_TAIL5], "%.0f"), "-");
        if (isfinite(vs))
            fprintf(out, " vs %s %s", cfg->baseline,
                    mean_pm(d, sizeof d, vs, ps[p].score[VR_SCORE_CONDOR_DNET_SE], 1));
        fprintf(out, "\n");
    }
}

void vr_run_print_table(FILE *out, const vr_run_cfg *cfg, int sc, const vr_pol_summary *ps)
{
    const vr_run_spec *s = &cfg->spec;
    const vr_scenario *scen = &s->scen[sc];
    const size_t np = vr_scenario_paths(s, scen);
    double key[VR_MAX_POLICIES];
    size_t order[VR_MAX_POLICIES];
    for (int i = 0; i < s->npol; i++)
        key[i] = vr_pol_summary_rank_key(&ps[i]);
    vr_rank_by_es99(key, (size_t)s->npol, order);
    size_t base = 0;
    for (int i = 0; i < s->npol; i++)
        if (strcmp(s->pol[i].name, cfg->baseline) == 0)
            base = (size_t)i;
    char a[48], b[48], c[48], d[48], e[48], f[48], g[48];
    const int wn = name_width(s, 40, 0);
    if (np < 2) {
        const int nd = vr_scenario_days(s, scen);
        fprintf(out, "\nscenario %s: %s x %d day%s, baseline %s (USD; ranked by P&L)\n", scen->name,
                scen->source == VR_SOURCE_HISTORY ? "a replay (1 path)" : "1 path", nd, nd == 1 ? "" : "s",
                cfg->baseline);
        fprintf(out, "%-*s %12s %12s %14s %12s %12s\n", wn, "policy", "P&L", "dP&L", "max drawdown",
                "hedge paid", "recovered");
        for (int k = 0; k < s->npol; k++) {
            const double *v = ps[order[k]].score;
            fprintf(out, "%-*s %12s %12s %14s %12s %12s\n", wn, s->pol[order[k]].name,
                    num(a, sizeof a, v[VR_SCORE_MEAN], "%.0f"), num(b, sizeof b, v[VR_SCORE_DMEAN], "%.0f"),
                    num(c, sizeof c, v[VR_SCORE_DD50], "%.0f"), num(d, sizeof d, v[VR_SCORE_PAID], "%.0f"),
                    num(e, sizeof e, v[VR_SCORE_RECV], "%.0f"));
        }
        print_attrib(out, cfg, ps, base, 1);
        return;
    }
    const size_t tail = vr_tail_paths(np);
    const char *mark = tail < VR_TAIL_MIN_BEYOND ? " *" : "";
    const int nd = vr_scenario_days(s, scen);
    fprintf(out, "\nscenario %s: %zu paths x %d day%s, baseline %s (USD, ES/VaR as losses)\n", scen->name,
            np, nd, nd == 1 ? "" : "s", cfg->baseline);
    fprintf(out, "%-*s %18s %20s %16s %20s %16s %12s %10s\n", wn, "policy", "mean +- se", "ES99 +- se", "VaR99 +- se",
            "dES99 +- se", "dmean +- se", "cost/ES", "hedge paid");
    for (int k = 0; k < s->npol; k++) {
        const double *v = ps[order[k]].score;
        const int reduced = v[VR_SCORE_DES99] < 0 && isfinite(v[VR_SCORE_COST]);
        /* a dES99 on a rough tail is marked like the ES99 and never significant (verdict.c) */
        const int sig = !*mark && vr_significant(v[VR_SCORE_DES99], v[VR_SCORE_DES99_SE]);
        fprintf(out, "%-*s %18s %20s %16s %20s %16s %12s %10s\n", wn, s->pol[order[k]].name,
                pm(a, sizeof a, v[VR_SCORE_MEAN], v[VR_SCORE_MEAN_SE], ""),
                pm(b, sizeof b, v[VR_SCORE_ES99], v[VR_SCORE_ES99_SE], mark),
                pm(c, sizeof c, v[VR_SCORE_VAR99], v[VR_SCORE_VAR99_SE], ""),
                pm(d, sizeof d, v[VR_SCORE_DES99], v[VR_SCORE_DES99_SE], order[k] == base ? "" : mark),
                pm(e, sizeof e, v[VR_SCORE_DMEAN], v[VR_SCORE_DMEAN_SE], ""),
                order[k] == base ? "" : reduced && sig ? num(f, sizeof f, v[VR_SCORE_COST], "%.3f")
                                      : *mark ? "rough" : reduced ? "n.s." : "no reduction",
                num(g, sizeof g, v[VR_SCORE_PAID], "%.0f"));
    }
    if (*mark)
        fprintf(out, "* ES99 rests on %zu path%s beyond VaR99 (fewer than %d): a rough estimate, and so is "
                     "each dES99 (not judged, no cost per unit); run at least %d paths for a usable tail\n",
                tail, tail == 1 ? "" : "s", VR_TAIL_MIN_BEYOND,
                100 * VR_TAIL_MIN_BEYOND);
    print_attrib(out, cfg, ps, base, 0);
}

/* ---- the stress matrix of a multi-scenario run ------------------------------------------------ */

/* What the matrix shows for scenario sc: dES99 on a sampled scenario, the mean P&L under shocks on
 * every path, the P&L of a replayed history (the report's matrix, engine/src/report/extras.c). */
static const char *matrix_metric(const vr_run_spec *s, int sc)
{
    const vr_scenario *scen = &s->scen[sc];
    if (vr_scenario_paths(s, scen) < 2) /* (a model or bootstrap scenario run on one path is no replay) */
        return scen->source == VR_SOURCE_HISTORY ? "P&L (replay)" : "P&L (one path)";
    return scen->nshocks > 0 ? "mean P&L (shock)" : "dES99 vs base";
}

void vr_run_matrix_note(double *cells, const vr_run_cfg *cfg, int sc, const vr_pol_summary *ps)
{
    const vr_run_spec *s = &cfg->spec;
    const int des = vr_scenario_paths(s, &s->scen[sc]) >= 2 && s->scen[sc].nshocks == 0;
    for (int p = 0; p < s->npol; p++)
        cells[(size_t)sc * (size_t)s->npol + (size_t)p] = ps[p].score[des ? VR_SCORE_DES99 : VR_SCORE_MEAN];
}

/* Whether policy p has a column of the matrix: every configured policy, sweep-derived ones
 * included, ablation-derived ones left out but for the baseline, which may be one. */
static int matrix_column(const vr_run_cfg *cfg, int p)
{
    const vr_policy *pol = &cfg->spec.pol[p];
    return pol->abl_kind == VR_ABL_NONE || strcmp(pol->name, cfg->baseline) == 0;
}

/* One column per matrix_column policy (the report's matrix, docs/report.md): a column is as wide
 * as its policy's whole name (at least 14), since a sweep's names differ only at their end
 * ("static@layers_0_.action.size.value=0.05" and "...=0.2" were both cut to "static@layers_"). */
void vr_run_print_matrix(FILE *out, const vr_run_cfg *cfg, const double *cells)
{
    const vr_run_spec *s = &cfg->spec;
    if (s->nscen < 2)
        return;
    char a[48];
    int w[VR_MAX_POLICIES];
    for (int p = 0; p < s->npol; p++) {
        const size_t len = strlen(s->pol[p].name);
        w[p] = len > 14 ? (int)len : 14;
    }
    fprintf(out, "\nstress matrix: what each policy does in each scenario (USD; dES99 < 0: tail reduced)\n");
    fprintf(out, "%-24s %-18s", "scenario", "metric");
    for (int p = 0; p < s->npol; p++)
        if (matrix_column(cfg, p))
            fprintf(out, " %*s", w[p], s->pol[p].name);
    fputc('\n', out);
    for (int sc = 0; sc < s->nscen; sc++) {
        fprintf(out, "%-24s %-18s", s->scen[sc].name, matrix_metric(s, sc));
        for (int p = 0; p < s->npol; p++)
            if (matrix_column(cfg, p))
                fprintf(out, " %*s", w[p],
                        num(a, sizeof a, cells[(size_t)sc * (size_t)s->npol + (size_t)p], "%.0f"));
        fputc('\n', out);
    }
}
