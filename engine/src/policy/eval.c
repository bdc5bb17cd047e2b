/* eval.c: the policy evaluator (see vr_eval.h).
 *
 * The path generator calls on_step after every time step of a block; on day boundaries the
 * evaluator updates each path's market view (S, v, VIX, VIX3M, history) and runs every policy's
 * book for that path. Book and market states live in per-thread buffers sized for one block and
 * reused for every block. At the end of a block the per-path outputs are written at the block's
 * offset, so results do not depend on which thread ran the block. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "book_internal.h"
#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_eval.h"

typedef struct thread_ws {
    vr_mkt *mkt;    /* block */
    vr_book *book;  /* block x npol, path-major */
    vr_marks_batch batch; /* 4 legs x block */
    vr_spx_mark *pre;     /* 4 legs x block, the batch's results per path */
    uint8_t *has_pre;     /* block */
} thread_ws;

typedef struct eval_ctx {
    const vr_run_spec *spec;
    const vr_marks *mk;
    const vk_table *kt;
    vr_scenario_result *res;
    thread_ws *ws;
    double dt;
    size_t done;
    vr_progress_fn progress;
    void *progress_ctx;
} eval_ctx;

/* Mark the open condors of policy p on this block in one batch (surface + Black-76 kernels). */
static void batch_marks(eval_ctx *c, thread_ws *w, const vr_sim_block *b, int p)
{
    const vr_run_spec *s = c->spec;
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        const vr_book *bk = &w->book[i * s->npol + p];
        const vr_mkt *m = &w->mkt[i];
        const double tau = bk->t_exp - m->t;
        w->has_pre[i] = bk->open && tau > 0.5 / 252.0;
        if (!w->has_pre[i])
            continue;
        for (int j = 0; j < 4; j++) {
            w->batch.spot[n] = m->S;
            w->batch.var[n] = m->v;
            w->batch.strike[n] = bk->k[j];
            w->batch.tau[n] = tau;
            w->batch.cp[n] = j < 2 ? -1.0 : 1.0;
            n++;
        }
    }
    if (n == 0)
        return;
    vr_marks_spx_n(c->mk, c->kt, &w->batch, n);
    size_t q = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!w->has_pre[i])
            continue;
        for (int j = 0; j < 4; j++, q++) {
            vr_spx_mark *mm = &w->pre[i * 4 + j];
            mm->price = w->batch.price[q];
            mm->delta = w->batch.delta[q];
            mm->vega = w->batch.vega[q];
            mm->vol = w->batch.vol[q];
        }
    }
}

static void on_step(void *vctx, const vr_sim_block *b, size_t step)
{
    eval_ctx *c = vctx;
    const vr_run_spec *s = c->spec;
    if (step % (size_t)s->steps_per_day != 0)
        return;
    const int day = (int)(step / (size_t)s->steps_per_day);
    const int last = day == s->horizon_days;
    thread_ws *w = &c->ws[b->thread];
    const double t = (double)step * c->dt;
    for (size_t i = 0; i < b->n; i++) {
        const double S = exp(b->log_s[i]), v = b->var[i];
        vr_mkt *m = &w->mkt[i];
        if (day == 0)
            vr_mkt_init(m, S, v, c->mk);
        else
            vr_mkt_update(m, day, t, S, v, c->mk);
        const size_t path = b->path0 + i;
        if (path < (size_t)c->res->nsample) {
            c->res->sample_spx[path * c->res->ndays + day] = (float)S;
            c->res->sample_vix[path * c->res->ndays + day] = (float)m->vix;
        }
        if (day == 0)
            for (int p = 0; p < s->npol; p++)
                vr_book_init(&w->book[i * s->npol + p], &s->pol[p]);
    }
    for (int p = 0; p < s->npol; p++) {
        if (day > 0)
            batch_marks(c, w, b, p);
        else
            memset(w->has_pre, 0, b->n);
        for (size_t i = 0; i < b->n; i++) {
            vr_book *bk = &w->book[i * s->npol + p];
            vr_book_day(bk, &s->pol[p], &w->mkt[i], c->mk, last, w->has_pre[i] ? &w->pre[i * 4] : NULL);
            const size_t path = b->path0 + i;
            if (path < (size_t)c->res->nsample)
                c->res->sample_act[((size_t)p * c->res->nsample + path) * c->res->ndays + day] = bk->act_today;
        }
    }
}

static void on_block_done(void *vctx, const vr_sim_block *b)
{
    eval_ctx *c = vctx;
    const vr_run_spec *s = c->spec;
    thread_ws *w = &c->ws[b->thread];
    for (int p = 0; p < s->npol; p++) {
        vr_path_out *o = &c->res->out[p];
        for (size_t i = 0; i < b->n; i++) {
            const vr_book *bk = &w->book[i * s->npol + p];
            const size_t path = b->path0 + i;
            o->pnl[path] = bk->last_pnl;
            o->drawdown[path] = bk->max_dd;
            o->hedge_cost[path] = bk->hedge_paid;
            o->hedge_proceeds[path] = bk->hedge_recv;
            o->trades[path] = bk->trades;
            for (int l = 0; l < VR_MAX_LAYERS; l++) {
                o->activations[path * VR_MAX_LAYERS + l] = bk->act[l];
                o->first_day[path * VR_MAX_LAYERS + l] = bk->first[l];
            }
        }
    }
    size_t done;
#pragma omp atomic capture
    done = c->done += b->n;
    /* progress from the thread that runs block 0's slot: no nested parallel region */
    if (c->progress && b->thread == 0)
        c->progress(c->progress_ctx, done, c->spec->paths);
}

size_t vr_scenario_paths(const vr_run_spec *spec, const vr_scenario *sc)
{
    return sc->paths ? sc->paths : spec->paths;
}

int vr_scenario_days(const vr_run_spec *spec, const vr_scenario *sc)
{
    return sc->horizon_days ? sc->horizon_days : spec->horizon_days;
}

void vr_scenario_result_free(vr_scenario_result *res)
{
    if (res == NULL)
        return;
    if (res->out) {
        for (int p = 0; p < res->npol; p++) {
            vr_path_out *o = &res->out[p];
            free(o->pnl); free(o->drawdown); free(o->hedge_cost); free(o->hedge_proceeds);
            free(o->activations); free(o->first_day); free(o->trades);
        }
        free(res->out);
    }
    free(res->sample_spx);
    free(res->sample_vix);
    free(res->sample_act);
    memset(res, 0, sizeof *res);
}

/* Longest expiry the marks must cover: every condor and hedge, plus two days of slack. */
static double marks_max_tau(const vr_run_spec *spec)
{
    double max_tau = 0;
    for (int p = 0; p < spec->npol; p++) {
        max_tau = fmax(max_tau, spec->pol[p].condor.dte / 365.0);
        for (int l = 0; l < spec->pol[p].nlayers; l++)
            max_tau = fmax(max_tau, spec->pol[p].layers[l].action.dte / 365.0);
    }
    return max_tau + 2.0 / 365;
}

/* The path generator's spec of scenario `scen` (spec already holds the scenario's own paths and
 * horizon). */
static vr_sim_spec sim_spec_of(const vr_run_spec *spec, int scen, size_t block, int nth)
{
    const vr_scenario *sc = &spec->scen[scen];
    const vr_sim_spec sim = {
        .type = sc->model.type, .params = sc->model.physical, .spot = sc->model.spot,
        .rate = sc->model.rate, .dividend = sc->model.dividend, .v0 = sc->model.v0,
        .horizon = spec->horizon_days / 252.0,
        .steps = (size_t)spec->horizon_days * (size_t)spec->steps_per_day, .paths = spec->paths,
        .seed = spec->seed, .scenario = (uint32_t)scen, .scheme = spec->scheme, .block = block,
        .threads = nth, .kt = spec->kt, .source = sc->source, .hist = sc->hist,
        .hist_i0 = sc->hist_i0, .hist_i1 = sc->hist_i1, .block_mean = sc->block_mean,
        .vixc = vr_vix_coef_make(sc->model.type, &sc->model.pricing, VR_VIX_TAU_30D),
        .shocks = sc->shocks, .nshocks = sc->nshocks,
    };
    return sim;
}

vr_status vr_eval_scenario_check(const vr_run_spec *spec, int scen, vr_err *err)
{
    vr_run_spec sp = *spec;
    const vr_scenario *sc = &spec->scen[scen];
    sp.paths = vr_scenario_paths(spec, sc);
    sp.horizon_days = vr_scenario_days(spec, sc);
    if (sc->source != VR_SOURCE_MODEL)
        sp.steps_per_day = 1;
    const vr_sim_spec sim = sim_spec_of(&sp, scen, spec->block ? spec->block : 1024, spec->threads);
    vr_status st = vr_sim_spec_check(&sim, err);
    if (st != VR_OK)
        return st;
    return vr_marks_check(&sc->model, marks_max_tau(&sp), err);
}

typedef struct run_args {
    const vr_sim_spec *sim;
    const vr_sim_observer *obs;
    vr_err *err;
    vr_status st;
} run_args;

vr_status vr_eval_scenario(const vr_run_spec *spec, int scen, vr_scenario_result *res,
                           vr_progress_fn progress, void *progress_ctx, vr_err *err)
{
    const double t0 = omp_get_wtime();
    memset(res, 0, sizeof *res);
    const vr_scenario *sc = &spec->scen[scen];
    /* the evaluator reads paths and horizon from a per-scenario copy of the spec */
    vr_run_spec *sp = malloc(sizeof *sp);
    if (sp == NULL)
        return vr_fail(err, VR_ENOMEM, "evaluator: spec");
    *sp = *spec;
    sp->paths = vr_scenario_paths(spec, sc);
    sp->horizon_days = vr_scenario_days(spec, sc);
    if (sc->source != VR_SOURCE_MODEL)
        sp->steps_per_day = 1;
    spec = sp;
    const size_t n = spec->paths;
    vr_status st = VR_OK;
    vr_marks *mk = NULL;
    thread_ws *ws = NULL;
    int nth = spec->threads > 0 ? spec->threads : omp_get_max_threads();
    if ((st = vr_marks_build(&sc->model, marks_max_tau(spec), &mk, err)) != VR_OK)
        goto done;
    res->build_seconds = omp_get_wtime() - t0;

    res->npol = spec->npol;
    res->out = calloc((size_t)spec->npol, sizeof *res->out);
    res->nsample = (int)(spec->sample_paths < (int)n ? spec->sample_paths : (int)n);
    res->ndays = spec->horizon_days + 1;
    const size_t ns = (size_t)res->nsample * (size_t)res->ndays;
    res->sample_spx = calloc(ns ? ns : 1, sizeof(float));
    res->sample_vix = calloc(ns ? ns : 1, sizeof(float));
    res->sample_act = calloc(ns * (size_t)spec->npol + 1, 1);
    if (!res->out || !res->sample_spx || !res->sample_vix || !res->sample_act) {
        st = vr_fail(err, VR_ENOMEM, "evaluator: outputs of %zu paths x %d policies", n, spec->npol);
        goto done;
    }
    for (int p = 0; p < spec->npol; p++) {
        vr_path_out *o = &res->out[p];
        o->pnl = malloc(n * sizeof(double));
        o->drawdown = malloc(n * sizeof(double));
        o->hedge_cost = malloc(n * sizeof(double));
        o->hedge_proceeds = malloc(n * sizeof(double));
        o->activations = malloc(n * VR_MAX_LAYERS * sizeof(int32_t));
        o->first_day = malloc(n * VR_MAX_LAYERS * sizeof(int32_t));
        o->trades = malloc(n * sizeof(int32_t));
        if (!o->pnl || !o->drawdown || !o->hedge_cost || !o->hedge_proceeds || !o->activations ||
            !o->first_day || !o->trades) {
            st = vr_fail(err, VR_ENOMEM, "evaluator: outputs of %zu paths x %d policies", n, spec->npol);
            goto done;
        }
    }
    const size_t block = spec->block ? spec->block : 1024;
    ws = calloc((size_t)nth, sizeof *ws);
    if (ws == NULL) {
        st = vr_fail(err, VR_ENOMEM, "evaluator: workspaces");
        goto done;
    }
    for (int t = 0; t < nth; t++) {
        ws[t].mkt = vr_aligned_alloc(block * sizeof(vr_mkt));
        ws[t].book = vr_aligned_alloc(block * (size_t)spec->npol * sizeof(vr_book));
        ws[t].pre = vr_aligned_alloc(block * 4 * sizeof(vr_spx_mark));
        ws[t].has_pre = vr_aligned_alloc(block);
        if ((st = vr_marks_batch_alloc(&ws[t].batch, block * 4, err)) != VR_OK)
            goto done;
        if (!ws[t].mkt || !ws[t].book || !ws[t].pre || !ws[t].has_pre) {
            st = vr_fail(err, VR_ENOMEM, "evaluator: block buffers (%zu paths x %d policies)", block, spec->npol);
            goto done;
        }
    }
    eval_ctx ctx = {spec, mk, spec->kt ? spec->kt : vk_select(NULL), res, ws, 1.0 / (252.0 * spec->steps_per_day), 0, progress, progress_ctx};
    const vr_sim_spec sim = sim_spec_of(spec, scen, block, nth);
    const vr_sim_observer obs = {&ctx, on_step, on_block_done};
    st = vr_sim_run(&sim, &obs, err);
    if (progress)
        progress(progress_ctx, n, n);
done:
    if (ws) {
        for (int t = 0; t < nth; t++) {
            vr_free(ws[t].mkt);
            vr_free(ws[t].book);
            vr_free(ws[t].pre);
            vr_free(ws[t].has_pre);
            vr_marks_batch_free(&ws[t].batch);
        }
        free(ws);
    }
    vr_marks_destroy(mk);
    free(sp);
    res->seconds = omp_get_wtime() - t0;
    if (st != VR_OK)
        vr_scenario_result_free(res);
    return st;
}
