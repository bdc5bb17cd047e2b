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
 * before either is written. */
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

vr_status vr_rep_write_csv(const rep_run *r, const char *out_path, vr_err *err)
{
    const size_t tcap = strlen(out_path) + 16;
    char *tpath = malloc(tcap);
    if (tpath == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s", out_path);
    vr_report_trades_path(out_path, tpath, tcap);
    /* both targets checked before either is written: a scores file that cannot be written (a
     * directory, a FIFO there) must not leave new trade logs beside the old scores; and both are
     * written and synced before either is renamed (a full disk replaces neither) */
    rep_file trades, rf;
    memset(&trades, 0, sizeof trades);
    vr_status st = vr_rep_file_check(out_path, r->path, err);
    if (st == VR_OK)
        st = write_trades(r, tpath, &trades, err);
    free(tpath);
    if (st != VR_OK)
        return st;
    if ((st = vr_rep_file_open(&rf, out_path, r->path, err)) != VR_OK) {
        vr_rep_file_abort(&trades);
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
    vr_outfile_hold_signals(); /* the table and its trades are renamed as one (outfile.c) */
    if ((st = vr_rep_file_close(&rf, err)) == VR_OK && (st = vr_rep_file_commit(&trades, err)) == VR_OK)
        st = vr_rep_file_commit(&rf, err);
    vr_outfile_release_signals();
    vr_rep_file_abort(&rf);
    vr_rep_file_abort(&trades);
    return st;
}
