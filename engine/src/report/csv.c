/* csv.c: the CSV report: one row per (scenario, policy), a header row, every stored score a
 * column (attribute names as in docs/hdf5.md; the 4-element arrays become loss_threshold_k,
 * p_loss_k, p_loss_se_k for k = 1..4). RFC 4180: CRLF line ends, a field is quoted when it holds a
 * comma, a quote, CR or LF, with quotes doubled. Numbers use %.17g, so they read back to the
 * same double; a value that is not defined (NaN in the loader: a replay's distribution columns, a
cost without an ES99 reduction) is an empty field, which pandas reads as missing: no NaN or Inf is
ever printed as a result. Rows are ranked by
 * vr_rank_by_es99 (rank_es99; a replay by its P&L); tail_paths is the number of paths beyond VaR99
 * (vr_tail_paths: ES99 is a rough estimate below VR_TAIL_MIN_BEYOND). A replayed history (paths = 1)
 * has its P&L in `mean` and empty distribution columns.
 *
 * The trade logs go to a second file beside it, "<stem>_trades.csv" (vr_report_trades_path), one row
 * per record of every /<scenario>/<policy>/trade_log: columns scenario, policy, then the record's
 * fields under their HDF5 names (vr_rf_trade_fields: path, day, date, layer, owner, instrument,
 * strike, expiry_day, quantity, price, cash, reason), in the file's order (owner empty for a run
 * file written before it: layer is who decided the trade, owner whose position it trades). A second file rather than a second
 * table in the first keeps each loadable with one pd.read_csv, and the scores' columns as they
 * were. It is written (with the header alone when the run has no trade log) before the scores'
 * file, so a complete scores file always has its trades beside it; both targets are checked
 * before either is written.
 *
 * The attribution by owner goes to a third file, "<stem>_attribution.csv"
 * (vr_report_attribution_path): one row per (scenario, policy, owner) of the policies with an
 * attribution, the condor's row first (write_attribution). It is written with the trade logs, before
 * the scores' file, and its target is checked with the scores'. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/tables.h"

static void field(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static void num(FILE *f, double x)
{
    fputc(',', f);
    if (isfinite(x))
        fprintf(f, "%.17g", x + 0.0); /* (+ 0.0: no "-0") */
}

static void num_int(FILE *f, long long x)
{
    fprintf(f, ",%lld", x);
}

/* The trade logs of every (scenario, policy), one row per record, into a temporary closed and
 * synced in *out (the caller renames it with the scores, or removes it). */
static vr_status write_trades(const rep_run *r, const char *path, rep_file *out, vr_err *err)
{
    rep_file rf;
    vr_status st = vr_rep_file_open(&rf, path, r->path, err);
    if (st != VR_OK)
        return st;
    FILE *f = rf.f;
    field(f, "scenario", 1);
    field(f, "policy", 0);
    for (int k = 0; k < VR_RF_TRADE_N; k++)
        field(f, vr_rf_trade_fields[k].name, 0);
    fputs("\r\n", f);
    for (size_t i = 0; i < r->nscen; i++)
        for (size_t p = 0; p < r->scen[i].npol; p++) {
            const rep_policy *q = &r->scen[i].pol[p];
            for (size_t t = 0; t < q->ntrades; t++) {
                const rep_trade *x = &q->trades[t];
                field(f, r->scen[i].name, 1);
                field(f, q->name, 0);
                /* in vr_rf_trade_fields order (the header above) */
                num_int(f, x->path);
                num_int(f, x->day);
                field(f, x->date, 0);
                field(f, x->layer, 0);
                field(f, x->owner, 0);
                field(f, x->instrument, 0);
                num(f, x->strike);
                num_int(f, x->expiry_day);
                num(f, x->quantity);
                num(f, x->price);
                num(f, x->cash);
                field(f, x->reason, 0);
                fputs("\r\n", f);
            }
        }
    if ((st = vr_rep_file_close(&rf, err)) != VR_OK)
        return st;
    *out = rf;
    return VR_OK;
}

/* The attribution by owner of every (scenario, policy) that has one, one row per owner (the
 * condor first, then the layers in the policy's order), into a temporary closed and synced in *out.
 * A layer's numbers are its stored attributes (VR_RF_LAYER) under their HDF5 names; the condor's
 * are its mean net (attribution/condor), the policy scores condor_net_mean_se and
 * condor_net_on_worst1/5, and its difference to the baseline's condor with condor_d_net_mean_se
 * (the console's "vs <baseline>"). What an owner does not have is an empty field. */
static vr_status write_attribution(const rep_run *r, const char *path, rep_file *out, vr_err *err)
{
    rep_file rf;
    vr_status st = vr_rep_file_open(&rf, path, r->path, err);
    if (st != VR_OK)
        return st;
    FILE *f = rf.f;
    static const char *const head[] = {"scenario", "policy", "baseline", "owner", "action", "net_mean",
                                       "net_mean_se", "d_net_mean", "d_net_mean_se"};
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++)
        field(f, head[k], k == 0);
    /* then the layers' scores (the condor's share of them where it has one) */
    static const int lk[] = {VR_RF_LAYER_ACT_YEAR,     VR_RF_LAYER_MEAN_ACT,       VR_RF_LAYER_PREMIUM,
                             VR_RF_LAYER_PREMIUM_PCT,  VR_RF_LAYER_TAIL1,          VR_RF_LAYER_TAIL5,
                             VR_RF_LAYER_CORR,         VR_RF_LAYER_DES_REMOVED,    VR_RF_LAYER_DES_REMOVED_SE,
                             VR_RF_LAYER_DES_ALONE,    VR_RF_LAYER_DES_ALONE_SE};
    const size_t nlk = sizeof lk / sizeof lk[0];
    for (size_t k = 0; k < nlk; k++)
        field(f, vr_rf_layer[lk[k]].name, 0);
    fputs("\r\n", f);
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        rep_arow rows[VR_MAX_POLICIES * (VR_MAX_LAYERS + 1)];
        const size_t nr = vr_rep_attr_rows(s, rows, sizeof rows / sizeof rows[0]);
        const rep_policy *b = s->base < s->npol ? &s->pol[s->base] : NULL;
        for (size_t j = 0; j < nr; j++) {
            const rep_policy *q = &s->pol[rows[j].pol];
            const int l = rows[j].layer;
            field(f, s->name, 1);
            field(f, q->name, 0);
            field(f, q->baseline, 0);
            if (l < 0) {
                field(f, VR_RF_ATTR_CONDOR, 0);
                field(f, "", 0);
                num(f, q->attr_condor);
                num(f, q->score[RS_CONDOR_NET_SE]);
                const double dse = q->score[RS_CONDOR_DNET_SE];
                const int has_d = b != NULL && isfinite(dse) && isfinite(b->attr_condor);
                num(f, has_d ? (b == q ? 0.0 : q->attr_condor - b->attr_condor) : NAN);
                num(f, has_d ? dse : NAN);
                for (size_t k = 0; k < nlk; k++)
                    num(f, lk[k] == VR_RF_LAYER_TAIL1   ? q->score[RS_CONDOR_TAIL1]
                           : lk[k] == VR_RF_LAYER_TAIL5 ? q->score[RS_CONDOR_TAIL5]
                                                        : NAN);
            } else {
                const rep_layer *L = &q->lay[l];
                field(f, q->layers[l], 0);
                field(f, L->action ? L->action : "", 0);
                num(f, isfinite(L->score[VR_RF_LAYER_NET_MEAN]) ? L->score[VR_RF_LAYER_NET_MEAN] : L->attr_mean);
                num(f, L->score[VR_RF_LAYER_NET_MEAN_SE]);
                num(f, NAN);
                num(f, NAN);
                for (size_t k = 0; k < nlk; k++)
                    num(f, L->score[lk[k]]);
            }
            fputs("\r\n", f);
        }
    }
    if ((st = vr_rep_file_close(&rf, err)) != VR_OK)
        return st;
    *out = rf;
    return VR_OK;
}

vr_status vr_rep_write_csv(const rep_run *r, const char *out_path, vr_err *err)
{
    const size_t tcap = strlen(out_path) + 24;
    char *tpath = malloc(tcap), *apath = malloc(tcap);
    if (tpath == NULL || apath == NULL) {
        free(tpath);
        free(apath);
        return vr_fail(err, VR_ENOMEM, "report: %s", out_path);
    }
    vr_report_trades_path(out_path, tpath, tcap);
    vr_report_attribution_path(out_path, apath, tcap);
    /* every target checked before any is written: a scores file that cannot be written (a
     * directory, a FIFO there) must not leave new trade logs or attribution beside the old scores;
     * and all are written and synced before any is renamed (a full disk replaces none) */
    rep_file trades, attr, rf;
    memset(&trades, 0, sizeof trades);
    memset(&attr, 0, sizeof attr);
    vr_status st = vr_rep_file_check(out_path, r->path, err);
    if (st == VR_OK)
        st = vr_rep_file_check(apath, r->path, err);
    if (st == VR_OK)
        st = write_trades(r, tpath, &trades, err);
    if (st == VR_OK && (st = write_attribution(r, apath, &attr, err)) != VR_OK)
        vr_rep_file_abort(&trades);
    free(tpath);
    free(apath);
    if (st != VR_OK)
        return st;
    if ((st = vr_rep_file_open(&rf, out_path, r->path, err)) != VR_OK) {
        vr_rep_file_abort(&trades);
        vr_rep_file_abort(&attr);
        return st;
    }
    FILE *f = rf.f;
    field(f, "scenario", 1);
    field(f, "policy", 0);
    field(f, "baseline", 0);
    field(f, "rank_es99", 0);
    field(f, "layers", 0);
    field(f, "paths", 0);
    field(f, "tail_paths", 0);
    for (int k = 0; k < RS_N; k++)
        field(f, vr_rep_score_keys[k], 0);
    static const char *const arr[3] = {"loss_threshold", "p_loss", "p_loss_se"};
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < REP_NTHR; k++) {
            char h[64];
            snprintf(h, sizeof h, "%s_%d", arr[a], k + 1);
            field(f, h, 0);
        }
    /* the stress matrix cell of the row (docs/report.md): what it shows, its value +- se and the
     * difference to the baseline +- se; then what later run files add, empty when absent */
    static const char *const extra[] = {"stress_metric", "stress_value", "stress_se", "stress_delta",
                                        "stress_delta_se", "capital_at_risk", "hedge_budget_pct",
                                        "attr_condor", "ablation_of", "ablation", "ablation_layer", "trades"};
    for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++)
        field(f, extra[k], 0);
    fputs("\r\n", f);
    rep_matrix m;
    if ((st = vr_rep_matrix_build(r, &m, err)) != VR_OK) {
        vr_rep_file_abort(&rf);
        vr_rep_file_abort(&trades);
        vr_rep_file_abort(&attr);
        return st;
    }
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        size_t rank[s->npol];
        vr_rep_rank_of(s, rank);
        for (size_t p = 0; p < s->npol; p++) {
            const rep_policy *q = &s->pol[p];
            char b[64];
            field(f, s->name, 1);
            field(f, q->name, 0);
            field(f, q->baseline, 0);
            snprintf(b, sizeof b, "%zu", rank[p]);
            field(f, b, 0);
            field(f, q->nlayers >= 0 ? (snprintf(b, sizeof b, "%lld", (long long)q->nlayers), b) : "", 0);
            snprintf(b, sizeof b, "%zu", q->n);
            field(f, b, 0);
            snprintf(b, sizeof b, "%zu", s->tail);
            field(f, b, 0);
            for (int k = 0; k < RS_N; k++)
                num(f, q->score[k]);
            const double *v[3] = {q->thr, q->p_loss, q->p_loss_se};
            for (int a = 0; a < 3; a++)
                for (int k = 0; k < REP_NTHR; k++)
                    num(f, v[a][k]);
            static const char *const metric[] = {"", "d_es99", "shock_mean", "replay_pnl"};
            size_t row = 0;
            while (row < m.npol && strcmp(m.pol[row], q->name) != 0)
                row++;
            const rep_mcell *c = row < m.npol ? &m.cell[row * m.nscen + i] : NULL;
            field(f, c ? metric[c->kind] : "", 0);
            num(f, c ? c->v : NAN);
            num(f, c ? c->se : NAN);
            num(f, c ? c->d : NAN);
            num(f, c ? c->dse : NAN);
            num(f, q->car);
            num(f, q->budget_pct);
            num(f, q->has_attr ? q->attr_condor : NAN);
            field(f, q->abl_of ? q->abl_of : "", 0);
            field(f, q->abl_kind ? q->abl_kind : "", 0);
            field(f, q->abl_layer ? q->abl_layer : "", 0);
            snprintf(b, sizeof b, "%zu", q->ntrades);
            field(f, q->has_trades ? b : "", 0); /* empty without a trade log, as documented */
            fputs("\r\n", f);
        }
    }
    vr_rep_matrix_free(&m);
    vr_outfile_hold_signals(); /* the table, its trades and attribution are renamed as one (outfile.c) */
    if ((st = vr_rep_file_close(&rf, err)) == VR_OK && (st = vr_rep_file_commit(&trades, err)) == VR_OK &&
        (st = vr_rep_file_commit(&attr, err)) == VR_OK)
        st = vr_rep_file_commit(&rf, err);
    vr_outfile_release_signals();
    vr_rep_file_abort(&rf);
    vr_rep_file_abort(&trades);
    vr_rep_file_abort(&attr);
    return st;
}
