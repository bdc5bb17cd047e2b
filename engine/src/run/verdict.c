/* verdict.c: the answer paragraph at the top of `vixrisk run`'s console output and in the run file's
 * `verdict` attribute (docs/hdf5.md "Verdict"). Every word of it that states a result is chosen by
 * a number: a difference is called significant when it lies beyond 1.96 paired standard errors
 * (VR_Z_SIGNIFICANT), the cost per unit of ES99 reduction is printed only when ES99 is reduced
 * significantly (a ratio over a reduction within its noise is no estimate: at 2,000 paths a paired
 * bootstrap put one such 5.2 anywhere from 1 to 29), the layer that carries the effect is named only
 * when there is a significant reduction to carry, as the one whose removal raises ES99 most in the
 * ablation, and the hedge budget is the mean premium paid per year as a share of the condor's
 * capital at risk. A difference of tail scores that rest on fewer than VR_TAIL_MIN_BEYOND paths
 * beyond VaR99 is stated but not judged (at 2 paths a dES99 of 0 tail paths came out
 * "significant"): no significance, no cost per unit, no carrier; the mean's difference still is.
 * Ablation policies and the baseline itself are not judged; replays get their P&L difference. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_internal.h"

typedef struct text {
    char *s;
    size_t n, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            t->failed = 1;
            return;
        }
        if (t->s && t->n + (size_t)k < t->cap) {
            t->n += (size_t)k;
            return;
        }
        const size_t cap = (t->cap ? 2 * t->cap : 1024) + (size_t)k;
        char *s = realloc(t->s, cap);
        if (s == NULL) {
            t->failed = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

/* "-5035 +- 1210 (significant)"; rough: "(rough)", a difference stated but not judged */
static void diff(text *t, const char *what, double d, double se, int rough)
{
    if (!isfinite(d)) {
        put(t, "%s n/a", what);
        return;
    }
    const double s = isfinite(se) ? se : 0.0;
    const char *judged = rough ? "rough" : vr_significant(d, se) ? "significant" : "not significant";
    if (d != 0 && nearbyint(d) == 0) /* under half a dollar: its size, not "+0" or "-0" */
        put(t, "%s %+.2g +- %.2g (%s)", what, d, s, judged);
    else
        put(t, "%s %+.0f +- %.0f (%s)", what, vr_z0(d, 0), vr_z0(s, 0), judged);
}

/* Which layer of policy p carries its effect, from its ablation scores; `reduced`: the policy
 * reduces ES99 significantly (else there is no effect to attribute). */
static void carrier(text *t, const vr_policy *P, const vr_pol_summary *s, int reduced)
{
    if (P->nlayers == 0 || !reduced)
        return;
    if (!P->ablate) {
        if (P->nlayers == 1)
            put(t, "; one layer (%s) does it", P->layers[0].name);
        else
            put(t, "; which layer carries it is not measured (set ablate: true on %s)", P->name);
        return;
    }
    int best = -1;
    for (int l = 0; l < P->nlayers && l < s->nlayers; l++) {
        const double d = s->layer[l][VR_RF_LAYER_DES_REMOVED];
        if (isfinite(d) && (best < 0 || d > s->layer[best][VR_RF_LAYER_DES_REMOVED]))
            best = l;
    }
    if (best < 0)
        return;
    const double *v = s->layer[best];
    const double d = v[VR_RF_LAYER_DES_REMOVED], se = v[VR_RF_LAYER_DES_REMOVED_SE];
    if (d > 0 && vr_significant(d, se))
        put(t, "; the effect is carried by layer %s (removing it raises ES99 by %.0f +- %.0f", P->layers[best].name,
            vr_z0(d, 0), vr_z0(se, 0));
    else
        put(t, "; no layer carries a significant part of it (removing %s changes ES99 by %+.0f +- %.0f",
            P->layers[best].name, vr_z0(d, 0), vr_z0(se, 0));
    if (isfinite(v[VR_RF_LAYER_DES_ALONE]))
        put(t, "; alone it changes ES99 by %+.0f +- %.0f vs the baseline", vr_z0(v[VR_RF_LAYER_DES_ALONE], 0),
            vr_z0(v[VR_RF_LAYER_DES_ALONE_SE], 0));
    put(t, ")");
}

char *vr_verdict_text(const vr_run_cfg *cfg, const vr_pol_summary *ps)
{
    const vr_run_spec *s = &cfg->spec;
    text t = {NULL, 0, 0, 0};
    int base = 0;
    for (int p = 0; p < s->npol; p++)
        if (strcmp(s->pol[p].name, cfg->baseline) == 0)
            base = p;
    put(&t, "Verdict (each policy against the baseline %s on the same paths; significant = beyond %.2f "
            "paired standard errors; USD, ES99 as a loss):\n", cfg->baseline, VR_Z_SIGNIFICANT);
    for (int sc = 0; sc < s->nscen; sc++) {
        const vr_scenario *scen = &s->scen[sc];
        const vr_pol_summary *row = ps + (size_t)sc * (size_t)s->npol;
        const size_t np = vr_scenario_paths(s, scen);
        if (np < 2) {
            put(&t, "- %s (%s): P&L of %s %.0f", scen->name,
                scen->source == VR_SOURCE_HISTORY ? "a replay, one path" : "one path", cfg->baseline,
                vr_z0(row[base].score[VR_SCORE_MEAN], 0));
            /* the others as differences, said so: "multi -27586" read as multi's own P&L */
            int k = 0;
            for (int p = 0; p < s->npol; p++)
                if (p != base && s->pol[p].abl_kind == VR_ABL_NONE)
                    put(&t, "%s%s %+.0f", k++ ? ", " : "; each other policy's P&L less it: ", s->pol[p].name,
                        vr_z0(row[p].score[VR_SCORE_DMEAN], 0));
            put(&t, "\n");
            continue;
        }
        const size_t tail = vr_tail_paths(np);
        const int rough = tail < VR_TAIL_MIN_BEYOND;
        const int nd = vr_scenario_days(s, scen);
        put(&t, "- %s (%zu paths x %d day%s): %s has ES99 %.0f +- %.0f and mean %.0f +- %.0f\n", scen->name, np,
            nd, nd == 1 ? "" : "s", cfg->baseline, vr_z0(row[base].score[VR_SCORE_ES99], 0),
            vr_z0(row[base].score[VR_SCORE_ES99_SE], 0), vr_z0(row[base].score[VR_SCORE_MEAN], 0),
            vr_z0(row[base].score[VR_SCORE_MEAN_SE], 0));
        if (rough)
            put(&t, "  (ES99 rests on %zu path%s beyond VaR99, fewer than %d: its differences are not judged; "
                    "run at least %d paths)\n", tail, tail == 1 ? "" : "s", VR_TAIL_MIN_BEYOND, 100 * VR_TAIL_MIN_BEYOND);
        const int few = np < VR_MEAN_MIN_PATHS;
        if (few)
            put(&t, "  (%zu paths, fewer than %d: the mean differences are not judged either)\n", np,
                VR_MEAN_MIN_PATHS);
        for (int p = 0; p < s->npol; p++) {
            if (p == base || s->pol[p].abl_kind != VR_ABL_NONE)
                continue;
            const double *v = row[p].score;
            put(&t, "  %s: ", s->pol[p].name);
            diff(&t, "dES99", v[VR_SCORE_DES99], v[VR_SCORE_DES99_SE], rough);
            put(&t, ", ");
            diff(&t, "dmean", v[VR_SCORE_DMEAN], v[VR_SCORE_DMEAN_SE], few);
            const int reduced = !rough && v[VR_SCORE_DES99] < 0 && vr_significant(v[VR_SCORE_DES99], v[VR_SCORE_DES99_SE]);
            /* a negative cost is the mean the policy adds besides: said as what it is ("costs -1.300
             * of mean" read as a cost, and ranked a hedge that gained less as the cheaper) */
            if (reduced && isfinite(v[VR_SCORE_COST]) && v[VR_SCORE_COST] < 0 &&
                vr_significant(v[VR_SCORE_DMEAN], v[VR_SCORE_DMEAN_SE]))
                put(&t, "; no cost: it removes ES99 and adds to the mean too (%.3f of mean per 1 of ES99 removed)",
                    -v[VR_SCORE_COST]);
            else if (reduced && isfinite(v[VR_SCORE_COST]) && v[VR_SCORE_COST] < 0)
                /* a dmean above 0 within its noise is no gain to claim (the line has just called it
                 * not significant), nor a cost */
                put(&t, "; no measurable cost: it removes ES99 and its dmean is within its noise");
            else if (reduced && isfinite(v[VR_SCORE_COST]))
                put(&t, "; costs %.3f of mean per 1 of ES99 removed", v[VR_SCORE_COST]);
            else if (rough)
                put(&t, "; too few tail paths to judge ES99: no cost per unit stated");
            else if (v[VR_SCORE_DES99] < 0)
                put(&t, "; ES99 reduced within its noise: no cost per unit stated");
            else
                put(&t, "; no reduction of ES99");
            if (isfinite(row[p].car))
                put(&t, "; hedge budget %.2f%% of capital at risk (%.0f) per year", row[p].budget_pct, row[p].car);
            else
                put(&t, "; hedge budget n/a (wings by delta: no fixed capital at risk)");
            carrier(&t, &s->pol[p], &row[p], reduced);
            put(&t, "\n");
        }
    }
    if (t.failed) {
        free(t.s);
        return NULL;
    }
    return t.s;
}
