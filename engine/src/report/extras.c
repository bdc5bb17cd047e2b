/* extras.c: what the report shows beyond the per-scenario rankings, as data and text cells shared by
 * the HTML, Markdown, CSV and JSON writers:
 *
 *   the stress matrix  one row per policy, one column per scenario: what the policy changes in that
 *                      scenario (ΔES99 against the baseline for a sampled scenario, the mean P&L
 *                      under a shock imposed on every path, the P&L of a replayed history);
 *   attribution rows   the condor's and each layer's net P&L and the layer scores a run stores
 *                      when it attributes P&L by owner (docs/hdf5.md, "Attribution");
 *   sweeps             policies derived by a `sweep` ("<policy>@<key>=<value>"), grouped so a chart
 *                      can draw the metric against the swept value;
 *   trade log rows     one row per leg traded.
 *
 * Everything optional is absent from older run files; then these come out empty and the writers
 * leave their sections out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/tables.h"

static void pm(char *buf, size_t cap, double v, double se)
{
    char a[48], b[48];
    snprintf(buf, cap, "%s \xC2\xB1 %s", vr_rep_fmt_usd(a, sizeof a, v), vr_rep_fmt_usd(b, sizeof b, se));
}

/* ---- stress matrix --------------------------------------------------------------------------- */

int vr_rep_matrix_kind(const rep_scenario *s)
{
    return s->replay ? REP_M_REPLAY : s->shocks > 0 ? REP_M_SHOCK : REP_M_DES99;
}

const char *vr_rep_matrix_label(int kind)
{
    switch (kind) {
    case REP_M_DES99: return "\xCE\x94" "ES99 \xC2\xB1 SE";
    case REP_M_SHOCK: return "mean P&L \xC2\xB1 SE";
    case REP_M_REPLAY: return "P&L";
    }
    return "";
}

static int is_ablation(const rep_policy *p)
{
    return p->abl_of != NULL && p->abl_of[0] != '\0';
}

vr_status vr_rep_matrix_build(const rep_run *r, rep_matrix *m, vr_err *err)
{
    memset(m, 0, sizeof *m);
    for (size_t j = 0; j < r->nscen; j++)
        for (size_t p = 0; p < r->scen[j].npol; p++) {
            const rep_policy *q = &r->scen[j].pol[p];
            size_t i = 0;
            while (i < m->npol && strcmp(m->pol[i], q->name) != 0)
                i++;
            /* (ablation policies are left out, but not the baseline, which may be one: a matrix
             * against `alvh@without=roll` showed every policy but the one it was measured against) */
            if (i == m->npol && (!is_ablation(q) || p == r->scen[j].base) && m->npol < VR_MAX_POLICIES)
                m->pol[m->npol++] = q->name;
        }
    m->nscen = r->nscen;
    if ((m->cell = calloc(m->npol * m->nscen + 1, sizeof *m->cell)) == NULL)
        return vr_fail(err, VR_ENOMEM, "report: stress matrix %zu x %zu", m->npol, m->nscen);
    for (size_t j = 0; j < r->nscen; j++) {
        const rep_scenario *s = &r->scen[j];
        const int kind = vr_rep_matrix_kind(s);
        for (size_t p = 0; p < s->npol; p++) {
            const rep_policy *q = &s->pol[p];
            size_t i = 0;
            while (i < m->npol && strcmp(m->pol[i], q->name) != 0)
                i++;
            if (i == m->npol)
                continue; /* an ablation policy (not the baseline) */
            rep_mcell *c = &m->cell[i * m->nscen + j];
            const double *v = q->score;
            c->kind = kind;
            c->base = p == s->base;
            if (kind == REP_M_DES99) {
                c->v = c->d = v[RS_DES99];
                c->se = c->dse = v[RS_DES99_SE];
            } else {
                c->v = v[RS_MEAN];
                c->se = kind == REP_M_SHOCK ? v[RS_MEAN_SE] : NAN;
                c->d = v[RS_DMEAN];
                c->dse = kind == REP_M_SHOCK ? v[RS_DMEAN_SE] : NAN;
            }
            /* a ΔES99 is a difference of two ES99 over the same few tail paths: as rough as they
             * are, and then no evidence of anything however small its SE */
            c->rough = kind == REP_M_DES99 && !c->base && s->tail < VR_TAIL_MIN_BEYOND;
            c->sig = !c->base && !c->rough && vr_significant(c->d, c->dse) &&
                     (kind == REP_M_DES99 || s->paths >= VR_MEAN_MIN_PATHS);
        }
    }
    return VR_OK;
}

void vr_rep_matrix_free(rep_matrix *m)
{
    free(m->cell);
    memset(m, 0, sizeof *m);
}

/* Display text of a cell: the value and the delta line (docs in tables.h, vr_rep_matrix_row). */
static void matrix_text(const rep_mcell *c, char *main, size_t cap, char *delta, size_t dcap)
{
    char a[48];
    main[0] = delta[0] = '\0';
    switch (c->kind) {
    case REP_M_NONE: snprintf(main, cap, "-"); return;
    case REP_M_DES99:
        if (c->base)
            snprintf(main, cap, "(baseline)");
        else
            pm(main, cap, c->v, c->se);
        return;
    case REP_M_SHOCK: pm(main, cap, c->v, c->se); break;
    case REP_M_REPLAY: vr_rep_fmt_usd(main, cap, c->v); break;
    }
    if (c->base)
        snprintf(delta, dcap, "(baseline)");
    else
        snprintf(delta, dcap, "\xCE\x94 %s", vr_rep_fmt_usd(a, sizeof a, c->d));
}

size_t vr_rep_matrix_head(const rep_run *r, const rep_matrix *m, rep_head *h)
{
    snprintf(h[0].text, sizeof h[0].text, "Policy");
    h[0].unit = "";
    for (size_t j = 0; j < m->nscen; j++) {
        snprintf(h[1 + j].text, sizeof h[1 + j].text, "%s", r->scen[j].name);
        h[1 + j].unit = vr_rep_matrix_label(vr_rep_matrix_kind(&r->scen[j]));
    }
    return m->nscen + 1;
}

size_t vr_rep_matrix_row(const rep_matrix *m, size_t i, rep_cell *c)
{
    memset(c, 0, (m->nscen + 1) * sizeof *c);
    c[0].key = "policy";
    snprintf(c[0].text, sizeof c[0].text, "%s", m->pol[i]);
    for (size_t j = 0; j < m->nscen; j++) {
        const rep_mcell *x = &m->cell[i * m->nscen + j];
        rep_cell *o = &c[1 + j];
        o->key = x->kind == REP_M_DES99 ? "d_es99" : "mean";
        matrix_text(x, o->text, sizeof o->text, o->sub, sizeof o->sub);
        /* the paired difference is what is bold: ΔES99 itself, or the line under a level */
        o->subsig = x->sig && x->kind != REP_M_DES99;
        o->sig = x->sig && !o->subsig;
        o->rough = x->rough;
    }
    return m->nscen + 1;
}

/* ---- attribution ----------------------------------------------------------------------------- */

static int has_layer_scores(const rep_policy *p)
{
    for (size_t l = 0; p->lay && l < p->nlayer_names; l++)
        for (int k = 0; k < VR_RF_LAYER_N; k++)
            if (k != VR_RF_LAYER_MEAN_ACT && isfinite(p->lay[l].score[k]))
                return 1;
    return 0;
}

size_t vr_rep_attr_rows(const rep_scenario *s, rep_arow *rows, size_t cap)
{
    size_t n = 0;
    for (size_t p = 0; p < s->npol; p++) {
        const rep_policy *q = &s->pol[p];
        if (!q->has_attr && !has_layer_scores(q))
            continue;
        for (int l = -1; l < (int)q->nlayer_names && n < cap; l++) {
            rows[n].pol = p;
            rows[n].layer = l;
            n++;
        }
    }
    return n;
}

size_t vr_rep_attr_head(rep_head *h)
{
    static const char *const t[][2] = {
        {"Policy", ""}, {"Owner", ""}, {"Net P&L (mean \xC2\xB1 SE)", "USD/path"}, {"Actions per year", "1/year"},
        {"Premium and trading costs per year", "% of capital at risk"}, {"Net on baseline's worst 1%", "USD/path"},
        {"Net on baseline's worst 5%", "USD/path"}, {"Correlation with condor", ""},
        {"\xCE\x94" "ES99 if removed \xC2\xB1 SE", "USD"}, {"\xCE\x94" "ES99 alone \xC2\xB1 SE", "USD"}};
    const size_t n = sizeof t / sizeof t[0];
    for (size_t i = 0; i < n; i++) {
        snprintf(h[i].text, sizeof h[i].text, "%s", t[i][0]);
        h[i].unit = t[i][1];
    }
    return n;
}

size_t vr_rep_attr_row(const rep_scenario *s, const rep_arow *row, rep_cell *c)
{
    const rep_policy *q = &s->pol[row->pol];
    size_t n = 0;
    memset(c, 0, REP_MAXCOL * sizeof *c);
#define C(k) (c[n].key = (k), c[n].text)
    snprintf(C("policy"), sizeof c[n].text, "%s", q->name);
    n++;
    if (row->layer < 0) {
        snprintf(C("owner"), sizeof c[n].text, "condor");
        n++;
        if (isfinite(q->score[RS_CONDOR_NET_SE]))
            pm(C("attr_condor"), sizeof c[n].text, q->attr_condor, q->score[RS_CONDOR_NET_SE]);
        else
            vr_rep_fmt_usd(C("attr_condor"), sizeof c[n].text, q->attr_condor);
        /* its difference to the baseline's condor (the console's "vs <baseline>"): a roll or a layer
         * that touches the condor moves it, and that move belongs next to the layers' nets */
        const rep_policy *b = s->base < s->npol ? &s->pol[s->base] : NULL;
        const double dse = q->score[RS_CONDOR_DNET_SE];
        if (b != NULL && b != q && isfinite(b->attr_condor) && isfinite(q->attr_condor)) {
            double d = q->attr_condor - b->attr_condor;
            if (fabs(d) < 0.5) /* the same condor as the baseline's: +0, not -0 */
                d = 0;
            char a[48], e[48];
            /* a replay (one path) has no standard error: the difference alone, as the console
             * gives it (it was left out, while the note under the table says it is shown) */
            if (isfinite(dse)) {
                snprintf(c[n].sub, sizeof c[n].sub, "vs %.20s %s%s \xC2\xB1 %s", b->name, d > 0 ? "+" : "",
                         vr_rep_fmt_usd(a, sizeof a, d), vr_rep_fmt_usd(e, sizeof e, dse));
                c[n].subsig = s->paths >= VR_MEAN_MIN_PATHS && vr_significant(d, dse);
            } else
                snprintf(c[n].sub, sizeof c[n].sub, "vs %.20s %s%s", b->name, d > 0 ? "+" : "",
                         vr_rep_fmt_usd(a, sizeof a, d));
        }
        n++;
        for (int k = 0; k < 7; k++) {
            /* the condor's share on the baseline's worst 1% and 5% (with the layers' it makes the
             * policy's there); the other columns describe a hedge layer */
            const int tail = k == 2 ? RS_CONDOR_TAIL1 : k == 3 ? RS_CONDOR_TAIL5 : -1;
            if (tail >= 0 && isfinite(q->score[tail]))
                vr_rep_fmt_usd(C(tail == RS_CONDOR_TAIL1 ? "condor_net_on_worst1" : "condor_net_on_worst5"),
                               sizeof c[n].text, q->score[tail]);
            else
                snprintf(C(""), sizeof c[n].text, " ");
            n++;
        }
        return n;
    }
    const rep_layer *L = &q->lay[row->layer];
    const double *v = L->score;
    char act[64];
    snprintf(act, sizeof act, "%s", L->action && L->action[0] ? L->action : "");
    snprintf(C("owner"), sizeof c[n].text, "%.47s%s%.40s%s", q->layers[row->layer], act[0] ? " (" : "", act,
             act[0] ? ")" : "");
    n++;
    const double net = isfinite(L->attr_mean) ? L->attr_mean : v[VR_RF_LAYER_NET_MEAN];
    if (isfinite(v[VR_RF_LAYER_NET_MEAN_SE])) /* absent in streamed runs and older files: the mean alone */
        pm(C("net_mean"), sizeof c[n].text, net, v[VR_RF_LAYER_NET_MEAN_SE]);
    else
        vr_rep_fmt_usd(C("net_mean"), sizeof c[n].text, net);
    n++;
    vr_rep_fmt_num(C("activations_per_year"), sizeof c[n].text, v[VR_RF_LAYER_ACT_YEAR]);
    n++;
    vr_rep_fmt_fixed(C("premium_pct_car_per_year"), sizeof c[n].text, "%.2f%%", v[VR_RF_LAYER_PREMIUM_PCT]);
    n++;
    vr_rep_fmt_usd(C("net_on_worst1"), sizeof c[n].text, v[VR_RF_LAYER_TAIL1]);
    n++;
    vr_rep_fmt_usd(C("net_on_worst5"), sizeof c[n].text, v[VR_RF_LAYER_TAIL5]);
    n++;
    vr_rep_fmt_num(C("corr_condor"), sizeof c[n].text, v[VR_RF_LAYER_CORR]);
    n++;
    if (isfinite(v[VR_RF_LAYER_DES_REMOVED])) {
        pm(C("d_es99_removed"), sizeof c[n].text, v[VR_RF_LAYER_DES_REMOVED], v[VR_RF_LAYER_DES_REMOVED_SE]);
        c[n].rough = s->tail < VR_TAIL_MIN_BEYOND; /* a ΔES99: as rough as the tail */
        c[n].sig = !c[n].rough && vr_significant(v[VR_RF_LAYER_DES_REMOVED], v[VR_RF_LAYER_DES_REMOVED_SE]);
    } else {
        snprintf(C("d_es99_removed"), sizeof c[n].text, "n/a");
    }
    n++;
    if (isfinite(v[VR_RF_LAYER_DES_ALONE])) {
        pm(C("d_es99_alone"), sizeof c[n].text, v[VR_RF_LAYER_DES_ALONE], v[VR_RF_LAYER_DES_ALONE_SE]);
        c[n].rough = s->tail < VR_TAIL_MIN_BEYOND; /* a ΔES99: as rough as the tail */
        c[n].sig = !c[n].rough && vr_significant(v[VR_RF_LAYER_DES_ALONE], v[VR_RF_LAYER_DES_ALONE_SE]);
    } else {
        snprintf(C("d_es99_alone"), sizeof c[n].text, "n/a");
    }
    n++;
#undef C
    return n;
}

/* ---- sweeps ------------------------------------------------------------------------------------ */

size_t vr_rep_sweeps(const rep_scenario *s, rep_sweep *out, size_t cap)
{
    size_t n = 0;
    for (size_t p = 0; p < s->npol; p++) {
        const rep_policy *q = &s->pol[p];
        if (is_ablation(q))
            continue;
        const char *at = strchr(q->name, '@');
        const char *eq = at ? strrchr(at, '=') : NULL;
        if (at == NULL || eq == NULL || eq == at + 1)
            continue;
        char *end = NULL;
        const double x = strtod(eq + 1, &end);
        if (end == eq + 1 || *end != '\0' || !isfinite(x))
            continue; /* not a number: not a sweep ("@without=spike1" is an ablation) */
        char base[VR_NAME_MAX], key[VR_NAME_MAX];
        snprintf(base, sizeof base, "%.*s", (int)(at - q->name), q->name);
        snprintf(key, sizeof key, "%.*s", (int)(eq - at - 1), at + 1);
        size_t w = 0;
        while (w < n && (strcmp(out[w].base, base) != 0 || strcmp(out[w].key, key) != 0))
            w++;
        if (w == n) {
            if (n == cap)
                continue;
            memset(&out[n], 0, sizeof out[n]);
            snprintf(out[n].base, sizeof out[n].base, "%s", base);
            snprintf(out[n].key, sizeof out[n].key, "%s", key);
            /* the name's brackets are '_' (sweep.c); the charts and captions show the key written */
            size_t d = 0;
            while (strncmp(key, "layers_", 7) == 0 && key[7 + d] >= '0' && key[7 + d] <= '9')
                d++;
            if (d > 0 && key[7 + d] == '_')
                snprintf(out[n].label, sizeof out[n].label, "layers[%.*s]%s", (int)d, key + 7, key + 8 + d);
            else
                snprintf(out[n].label, sizeof out[n].label, "%s", key);
            n++;
        }
        rep_sweep *sw = &out[w];
        size_t i = sw->n++; /* insertion by value */
        while (i > 0 && sw->x[i - 1] > x) {
            sw->x[i] = sw->x[i - 1];
            sw->pol[i] = sw->pol[i - 1];
            i--;
        }
        sw->x[i] = x;
        sw->pol[i] = p;
    }
    size_t k = 0; /* a sweep of one value draws no line */
    for (size_t w = 0; w < n; w++)
        if (out[w].n >= 2)
            out[k++] = out[w];
    return k;
}

/* ---- trade log --------------------------------------------------------------------------------- */

size_t vr_rep_trade_head(rep_head *h)
{
    static const char *const t[][2] = {
        {"Path", ""}, {"Day", ""}, {"Date", ""}, {"Owner", ""}, {"Decided by", ""}, {"Instrument", ""},
        {"Strike", "index points"},
        {"Expiry day", ""}, {"Quantity", "contracts"}, {"Price", "index points"}, {"Cash", "USD"},
        {"Reason", ""}};
    const size_t n = sizeof t / sizeof t[0];
    for (size_t i = 0; i < n; i++) {
        snprintf(h[i].text, sizeof h[i].text, "%s", t[i][0]);
        h[i].unit = t[i][1];
    }
    return n;
}

size_t vr_rep_trade_row(const rep_trade *t, rep_cell *c)
{
    size_t n = 0;
    memset(c, 0, REP_MAXCOL * sizeof *c);
    const vr_rf_field *F = vr_rf_trade_fields;
#define C(id) (c[n].key = F[VR_RF_T_##id].name, c[n].text)
    snprintf(C(PATH), sizeof c[n].text, "%d", (int)t->path); n++;
    snprintf(C(DAY), sizeof c[n].text, "%d", (int)t->day); n++;
    snprintf(C(DATE), sizeof c[n].text, "%s", t->date[0] ? t->date : "-"); n++;
    /* whose position the trade opens or closes (its P&L is that owner's in the attribution), then
     * who decided it: the column headed "Owner" showed the decider, so a roll layer's closing of
     * the condor's legs read as the roll's own trades (a file without owners shows "-") */
    snprintf(C(OWNER), sizeof c[n].text, "%s", t->owner[0] ? t->owner : "-"); n++;
    snprintf(C(LAYER), sizeof c[n].text, "%s", t->layer); n++;
    snprintf(C(INSTRUMENT), sizeof c[n].text, "%s", t->instrument); n++;
    vr_rep_fmt_fixed(C(STRIKE), sizeof c[n].text, "%.2f", t->strike); n++;
    snprintf(C(EXPIRY_DAY), sizeof c[n].text, "%d", (int)t->expiry_day); n++;
    vr_rep_fmt_fixed(C(QUANTITY), sizeof c[n].text, "%g", t->quantity); n++;
    vr_rep_fmt_fixed(C(PRICE), sizeof c[n].text, "%.3f", t->price); n++;
    vr_rep_fmt_usd(C(CASH), sizeof c[n].text, t->cash); n++;
    snprintf(C(REASON), sizeof c[n].text, "%s", t->reason); n++;
#undef C
    return n;
}
