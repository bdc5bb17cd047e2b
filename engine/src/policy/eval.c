/* eval.c: the policy evaluator (see vr_eval.h).
 *
 * The path generator calls on_step after every time step of a block; on day boundaries the
 * evaluator updates each path's market view (S, v, VIX, VIX3M, history) and runs every policy's
 * book for that path. Before the books run, the evaluator asks each book which positions need
 * today's mark (vr_book_marks_wanted), marks all of them for the block in batches through the
 * pricing layer (SIMD kernels), one lane per distinct instrument of a path (policies holding the
 * same condor share its lanes), and hands each path's marks to its books just before they run; it
 * never reads a book's positions. The books then run path by path, the policies of a path sharing the day's single marks (strike
 * searches, the legs they open) through a memo in the path's market view. All of this is within
 * a group of policies marked by the same tables (grp_def: those of equal longest expiry), so a
 * policy's numbers are those it has alone in the run.
 * Book and market states live in per-thread buffers sized for one block and reused for every
 * block. At the end of a block the per-path outputs are written at the block's offset, so results
 * do not depend on which thread ran the block. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_internal.h"
#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_kernels.h"

/* Distinct instruments of one path in the daily batch: open addressing on the leg's id
 * (vr_position.uid: the instrument opened on a given day, shared by the policies of the path that
 * opened it that day) or, for legs without one (uid 0), on (kind, cp, strike, expiry); an entry is
 * valid while its stamp is the table's (one stamp per path and day). */
#define LANE_SLOTS 256
#define EVAL_PIECE_PATHS 512 /* paths per piece of outputs handed to opts->on_block, at most */
typedef struct lane_key {
    uint32_t stamp, lane, uid;
    const vr_instrument *in;
} lane_key;

/* One path's gather (batch_marks: today's, or an earlier one reused): its wants (the position's
 * offset from the path's first book, its lane relative to the path's first) and its lanes'
 * instruments, valid while none of the path's books has opened or closed a position (the sum of
 * their change counts is the same) and none of the wanted positions has reached its expiry. */
typedef struct path_gather {
    uint64_t changes;  /* the books' change counts summed when gathered; UINT64_MAX: none yet */
    uint64_t live;     /* the same sum after the books' last day (on_step, while they are hot) */
    double t_min;      /* the earliest expiry among the wanted positions (INFINITY: none) */
    uint32_t nwant, nlane;
} path_gather;

/* Whether path gather g still lists the path's wants at m: no book of the path has opened or closed
 * a position since (the change counts), and none of the wanted positions expires today. */
static inline int gather_reusable(const path_gather *g, const vr_mkt *m)
{
    return g->changes == g->live && g->t_min - m->t > VR_BOOK_EXPIRING;
}

/* A want of a path's gather: the wanted position, as its byte offset from the path's first book
 * (one load and an add where the policy and slot took two loads and a multiply), and its lane
 * counted from the path's first. */
typedef struct want_ref {
    uint32_t pos, lane;
} want_ref;

/* The policies of a scenario marked through one pricing object: those whose tables' extent (the
 * longest expiry they trade, policy_max_tau) is the same. A policy's marks come from the tables
 * of its own extent, so they do not depend on which other policies share the run: a policy
 * trading 120-day condors next to one trading 45-day condors left the latter's tables (their
 * nodes spread over [1/365, 122/365] instead of [1/365, 47/365]) and moved its P&L on every path,
 * by up to 93 USD on 256 paths (test_eval_share). Policies of equal extent (the main job's all)
 * form one group; the groups' books run path by path, each group's with a memo of its own. */
typedef struct grp_def {
    const vr_pricing *pr;
    int npol;      /* its policies, pol[0..npol) ascending */
    int *pol;
    size_t max_pos; /* the most positions any of its books may hold */
} grp_def;

/* One group's daily batch in one thread's workspace. */
typedef struct mark_grp {
    vr_mark_batch batch;  /* cap lanes: distinct instruments of a run of paths */
    size_t cap;           /* lanes per batch: block x the most positions a book of the group may
                             hold (vr_book_max_pos), at least one path's books of the group */
    uint32_t *lane0;      /* block: each path's first lane in the batch that marks it */
    vr_pos_mark *lane_mark; /* block: each path's lanes' marks at [i x pg_stride, ...), kept from
                               the batch until the path's books run */
    path_gather *pg;      /* block: each path's gather (of today, or reused), ... */
    size_t pg_stride;     /* ... its wants and lanes at [i x pg_stride, ...): npol x max_pos of
                             the group */
    want_ref *pg_want;                      /* the wants */
    vr_instrument *pg_in;                   /* the lanes' instruments (copies: a reused gather
                                               reads no book) */
} mark_grp;

/* The evaluator's stages (vr_eval_stages), as thread_ws.tk indexes them. */
enum { ST_GEN, ST_MARKET, ST_GATHER, ST_KERNELS, ST_HANDOUT, ST_BOOKS, ST_OUTPUTS, ST_N };

typedef struct thread_ws {
    vr_mkt *mkt;    /* block */
    vr_book *book;  /* block x npol, path-major */
    mark_grp *g;    /* ngrp: each group's batch and gathers */
    lane_key lanes[LANE_SLOTS];
    uint32_t lane_stamp;
    vr_mark_memo memo;    /* the single marks of the path whose books run (book_internal.h) */
    vr_sweep sweep;       /* the rows of the books' strike searches (book_internal.h) */
    vr_path_out *blk;     /* npol outputs of up to blk_cap consecutive paths, for opts->on_block
                             (else NULL): paths [blk_path0, blk_path0 + blk_n), handed on when
                             full, when the thread's next block does not follow on, and at the end */
    size_t blk_path0, blk_n, blk_cap;
    const size_t *span;   /* per policy: the bytes of its book a day reads (header and slots;
                             one array for all threads) */
    int64_t floor_n;      /* path-days whose replayed or resampled VIX, or a shock's asked VIX, was
                             below the model's floor */
    double floor_min;     /* their lowest VIX */
    int64_t top_n;        /* bootstrap path-days whose VIX was above the VIX option tables' top */
    double top_max;       /* their highest VIX */
    int64_t sized_zero[VR_MAX_POLICIES][VR_MAX_LAYERS]; /* the books' sized_zero of finished paths */
    int64_t sized_capped[VR_MAX_POLICIES][VR_MAX_LAYERS]; /* and their sized_capped */
    /* the stage timers (vr_eval_opts.stages; eval_ctx.timed): vr_ticks() per stage (ST_GATHER
     * includes ST_KERNELS), the stamp of the thread's last return to the generator (0: none yet),
     * and the counts of vr_eval_stages kept here */
    uint64_t tk[ST_N], t_last;
    uint64_t path_days, book_days, nlanes, wants;
} thread_ws;

/* Ask the cache for `bytes` at `at` (a book's first bytes, a path's gather rows) ahead of their
 * use: a hint, with no effect on any result. A block's books (11 policies x 3.6 KB x 512 paths in
 * the main job: 20 MB a thread) did not stay in the cache from one pass over the block to the next,
 * and a book's lines are not where the hardware prefetcher looks; asking for the next path's books
 * while this one's run cut the main job's CPU time by about a tenth (results/BENCHMARKS.md,
 * evaluator section 7). With the blocks of 64 paths now the default (VR_EVAL_DEFAULT_BLOCK) the
 * lines a day reads stay in L2; dropping the hints saved nothing (the main job took
 * 1.02x the CPU without them, median of 8 same-time pairs, "Block size"). */
static inline void prefetch_bytes(const void *at, size_t bytes)
{
    const char *p = (const char *)at;
    size_t o = 0;
    /* four lines a turn: a book's span is 15-25 lines, asked for every book every day, and the
     * loop's own compare and branch per line were most of its instructions */
    for (; o + 256 <= bytes; o += 256) {
        __builtin_prefetch(p + o, 1, 3);
        __builtin_prefetch(p + o + 64, 1, 3);
        __builtin_prefetch(p + o + 128, 1, 3);
        __builtin_prefetch(p + o + 192, 1, 3);
    }
    for (; o < bytes; o += 64)
        __builtin_prefetch(p + o, 1, 3);
}

/* The same for a path's gather (its rows of pg_want and lane_mark; pg_in is read only when the
 * gather is reused, and batch_marks asks for it then): one
 * row a path, pg_stride entries apart (kilobytes), so each path's first lines come cold too. */
static inline void prefetch_wants(const mark_grp *w, size_t i)
{
    const size_t base = i * w->pg_stride, nw = w->pg[i].nwant, nl = w->pg[i].nlane;
    prefetch_bytes(&w->pg_want[base], nw * sizeof *w->pg_want);
    prefetch_bytes(&w->lane_mark[base], nl * sizeof *w->lane_mark);
}

typedef struct eval_ctx {
    const vr_run_spec *spec;
    const vr_pricing *pr;      /* group 0's (the market view's VIX and discount: every group's
                                  pricing object is of the scenario's one model) */
    int ngrp;
    const grp_def *grp;
    const vk_table *kt;        /* the daily batch's kernels (vk_single_marks with
                                  simulation.mark_precision: single) */
    vr_scenario_result *res;
    thread_ws *ws;
    double dt;
    size_t done, total;
    vr_progress_fn progress;
    void *progress_ctx;
    const vr_eval_opts *opts;
    const vr_scenario *replay; /* a history replay: its VIX3M closes go into the market view */
    uint64_t bad;              /* path x npol + policy of the first (path, policy) whose P&L or
                                  drawdown is not finite, or UINT64_MAX: the run fails with it
                                  (the lowest, so the same for any thread count) */
    int timed;                 /* opts->stages: the stage timers run */
    double vix_top;            /* a bootstrap: the VIX at the top of its VIX option tables
                                  (vr_model_vix_table_top); INFINITY otherwise */
    const vr_scenario *sc;     /* the scenario (its closes before day 0: vr_scenario.npre) */
} eval_ctx;

int vr_path_out_alloc(vr_path_out *o, size_t n, int nattr)
{
    int ok = 1;
    o->nattr = nattr;
#define ALLOC(f, T, k) ok = (o->f = malloc((n ? n : 1) * (k) * sizeof(T))) != NULL && ok;
    VR_PATH_OUT_FIELDS(ALLOC, o)
#undef ALLOC
    return ok;
}

void vr_path_out_free(vr_path_out *o)
{
#define FREE(f, T, k) free(o->f); o->f = NULL;
    VR_PATH_OUT_FIELDS(FREE, o)
#undef FREE
}

/* Book bk's results into element i of o. */
static void path_out_set(vr_path_out *o, size_t i, const vr_book *bk)
{
    o->pnl[i] = bk->last_pnl;
    o->drawdown[i] = bk->max_dd;
    o->hedge_cost[i] = bk->hedge_paid;
    o->hedge_proceeds[i] = bk->hedge_recv;
    o->trades[i] = bk->trades;
    for (int l = 0; l < VR_MAX_LAYERS; l++) {
        o->activations[i * VR_MAX_LAYERS + l] = bk->act[l];
        o->first_day[i * VR_MAX_LAYERS + l] = bk->first[l];
    }
    for (int k = 0; k < o->nattr; k++) {
        o->attr[i * (size_t)o->nattr + k] = bk->attr[k];
        o->outlay[i * (size_t)o->nattr + k] = bk->outlay[k];
    }
}

/* The batch lane of leg `in` with id uid of the path being gathered: an earlier lane with the same
 * id, or without ids the same instrument (another policy's book holding the same leg), else lane
 * n, then taken. Legs of one id are one instrument (bit for bit); legs of one instrument under
 * other ids (opened on other days, or without an id) take lanes of their own, which mark it to the
 * same bits. */
static uint32_t lane_of(thread_ws *w, const vr_instrument *in, uint32_t uid, size_t *n)
{
    uint32_t j = uid;
    if (uid == 0) {
        uint64_t ks, ke;
        memcpy(&ks, &in->strike, sizeof ks);
        memcpy(&ke, &in->t_exp, sizeof ke);
        const uint64_t h = (ks * 0x9E3779B97F4A7C15ull) ^ (ke * 0xC2B2AE3D27D4EB4Full) ^
                           (uint64_t)(in->kind * 4 + in->cp + 1);
        j = (uint32_t)((h >> 32) ^ h);
    }
    for (int probe = 0; probe < LANE_SLOTS; probe++, j++) {
        lane_key *e = &w->lanes[j & (LANE_SLOTS - 1)];
        if (e->stamp != w->lane_stamp) {
            e->stamp = w->lane_stamp;
            e->uid = uid;
            e->in = in;
            return e->lane = (uint32_t)(*n)++;
        }
        if (e->uid == uid && (uid != 0 || (e->in->kind == in->kind && e->in->cp == in->cp &&
                                           memcmp(&e->in->strike, &in->strike, sizeof in->strike) == 0 &&
                                           memcmp(&e->in->t_exp, &in->t_exp, sizeof in->t_exp) == 0)))
            return e->lane;
    }
    return (uint32_t)(*n)++; /* a full table: a lane of its own */
}

/* Mark the batch's n lanes, those of paths [i0, i1) (path i's from lane0[i]); each path keeps its
 * lanes' marks until its books run (on_step hands them out then, while the books are in the
 * cache). */
static void flush_marks(eval_ctx *c, thread_ws *tw, const grp_def *gd, mark_grp *w, size_t n, size_t i0,
                        size_t i1)
{
    if (n == 0)
        return;
    const uint64_t t0 = c->timed ? vr_ticks() : 0;
    vr_pricing_mark_n(gd->pr, c->kt, &w->batch, n, 0);
    if (c->timed)
        tw->tk[ST_KERNELS] += vr_ticks() - t0;
    tw->nlanes += n;
    for (size_t i = i0; i < i1; i++) {
        vr_pos_mark *lm = &w->lane_mark[i * w->pg_stride];
        for (uint32_t l = 0; l < w->pg[i].nlane; l++) {
            const vr_mark mk = vr_mark_batch_get(&w->batch, w->lane0[i] + l);
            lm[l] = vr_pos_mark_of(&mk);
        }
    }
}

/* Gather the positions of every book of this block that need today's mark into batches of
 * distinct instruments and mark them: the policies of a path that hold the same leg (the same
 * condor, entered on the same day) share one lane. A path's gather (w->pg and its arrays) lists
 * its wants (position offset, lane) and its lanes' instruments. A lane's mark depends only on its
 * own inputs, so sharing changes no bits. */
static void batch_marks(eval_ctx *c, thread_ws *tw, int gi, const vr_sim_block *b)
{
    const vr_run_spec *s = c->spec;
    const grp_def *gd = &c->grp[gi];
    mark_grp *w = &tw->g[gi];
    const int nf = vr_pricing_model(gd->pr)->nfactors;
    const size_t per_path = (size_t)gd->npol * VR_BOOK_MAX_POS;
    size_t n = 0, i_first = 0;
    int slots[VR_BOOK_MAX_POS];
    for (size_t i = 0; i < b->n; i++) {
        if (n + per_path > w->cap) {
            flush_marks(c, tw, gd, w, n, i_first, i);
            n = 0;
            i_first = i;
        }
        const vr_mkt *m = &tw->mkt[i];
        const vr_state st = vr_mkt_state(m);
        const vr_book *books = &tw->book[i * s->npol];
        if (i + 2 < b->n) { /* the books two paths ahead, when their gather will not be reused, */
            if (!gather_reusable(&w->pg[i + 2], &tw->mkt[i + 2]))
                for (int k = 0; k < gd->npol; k++)
                    prefetch_bytes(&books[2 * s->npol + gd->pol[k]], tw->span[gd->pol[k]]);
            else /* else the instruments it keeps */
                prefetch_bytes(&w->pg_in[(i + 2) * w->pg_stride], w->pg[i + 2].nlane * sizeof *w->pg_in);
        }
        path_gather *g = &w->pg[i];
        const size_t base = i * w->pg_stride;
        w->lane0[i] = (uint32_t)n;
        if (gather_reusable(g, m)) {
            /* the same positions as at the last gather, none expiring: its wants and lanes
             * (vr_book_marks_wanted would list the same positions in the same order) */
            for (uint32_t l = 0; l < g->nlane; l++)
                vr_mark_batch_set(&w->batch, n + l, &w->pg_in[base + l], &st, nf);
            n += g->nlane;
            continue;
        }
        if (++tw->lane_stamp == 0) { /* wrapped: clear the stale stamps */
            memset(tw->lanes, 0, sizeof tw->lanes);
            tw->lane_stamp = 1;
        }
        const size_t n_first = n;
        uint32_t nwant = 0;
        double t_min = INFINITY;
        for (int q = 0; q < gd->npol; q++) {
            const int p = gd->pol[q];
            const vr_book *bk = &books[p];
            const int k = vr_book_marks_wanted(bk, m, slots);
            for (int j = 0; j < k; j++, nwant++) {
                const vr_instrument *in = vr_book_instrument(bk, slots[j]);
                const size_t n0 = n;
                const uint32_t lane = lane_of(tw, in, vr_book_lane_id(bk, slots[j]), &n);
                if (n > n0) {
                    vr_mark_batch_set(&w->batch, n0, in, &st, nf);
                    w->pg_in[base + (n0 - n_first)] = *in;
                }
                w->pg_want[base + nwant] =
                    (want_ref){vr_book_pos_offset(p, slots[j]), lane - (uint32_t)n_first};
                t_min = in->t_exp < t_min ? in->t_exp : t_min;
            }
        }
        *g = (path_gather){g->live, g->live, t_min, nwant, (uint32_t)(n - n_first)};
    }
    flush_marks(c, tw, gd, w, n, i_first, b->n);
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
    uint64_t tick = 0;
    if (c->timed) { /* since the thread last left on_step or on_block_done: the generator's */
        tick = vr_ticks();
        if (w->t_last != 0)
            w->tk[ST_GEN] += tick - w->t_last;
    }
    w->path_days += b->n;
    w->book_days += b->n * (uint64_t)s->npol;
    const double t = (double)step * c->dt;
    const double disc = exp(-vr_pricing_rate(c->pr) * t); /* e^{-r t}: the day's, for every path */
    for (size_t i = 0; i < b->n; i++) {
        const double S = exp(b->log_s[i]);
        double x[VR_FACTORS_MAX] = {0};
        for (int j = 0; j < b->nfactors; j++)
            x[j] = b->x[j][i];
        vr_mkt *m = &w->mkt[i];
        if (day == 0)
            vr_mkt_init(m, S, x, c->pr);
        else
            vr_mkt_update_d(m, day, t, disc, S, x, c->pr);
        if (c->replay != NULL) { /* the market's VIX3M where the data have it (run.c notes the rest) */
            const vr_history *h = c->replay->hist;
            const size_t d = c->replay->hist_i0 + (size_t)day;
            const double v3 = h->vix3m != NULL ? h->vix3m[d] : NAN;
            if (v3 > 0)
                m->vix3m = v3;
        }
        /* a replay's VIX close, or a bootstrap path's VIX, below the model's floor (100 sqrt(a):
         * every factor at 0) is the market's VIX all the same: the triggers, exits and sizing
         * read it, the marks the model at its floor (run.c notes a replay's such days). Above the
         * floor the state reproduces it to rounding, and the state's value stays. */
        if (b->vix != NULL && b->vix[i] < m->vix * (1.0 - 1e-9)) {
            vr_mkt_set_vix(m, b->vix[i]);
            w->floor_n++; /* (counted for run.c's note: an integer sum and a minimum, the same for
                             any thread count) */
            w->floor_min = b->vix[i] < w->floor_min ? b->vix[i] : w->floor_min;
        }
        /* a bootstrap path's VIX above the VIX option tables' top: its VIX options are marked by
         * extrapolation there (counted for run.c's note, as the floor's days) */
        if (b->vix != NULL && b->vix[i] > c->vix_top) {
            w->top_n++;
            w->top_max = b->vix[i] > w->top_max ? b->vix[i] : w->top_max;
        }
        /* a shock that asked for a VIX below the model's floor: the path sits at the floor (the
         * state's VIX is the market's, as on any model path), counted the same way for the note */
        if (b->shock_asked != NULL && !isnan(b->shock_asked[i])) {
            w->floor_n++;
            w->floor_min = b->shock_asked[i] < w->floor_min ? b->shock_asked[i] : w->floor_min;
        }
        /* lookback: data: the real closes before day 0, once day 0's VIX is final */
        if (day == 0 && c->sc->npre > 0)
            vr_mkt_lookback(m, c->sc->pre_vix, c->sc->npre, c->sc->pre_spx_peak);
        const size_t path = b->path0 + i;
        if (path < (size_t)c->res->nsample) {
            c->res->sample_spx[path * c->res->ndays + day] = (float)S;
            c->res->sample_vix[path * c->res->ndays + day] = (float)m->vix;
        }
        if (day == 0) { /* a new path: fresh books, nothing gathered yet */
            for (int g = 0; g < c->ngrp; g++) {
                w->g[g].pg[i].changes = UINT64_MAX;
                w->g[g].pg[i].live = 0;
            }
            for (int p = 0; p < s->npol; p++) {
                vr_book *bk = &w->book[i * s->npol + p];
                vr_book_init(bk, &s->pol[p]);
                if (path < (size_t)c->res->nlog) {
                    bk->log = &c->res->logs[(size_t)p * c->res->nlog + path];
                    bk->log_path = (int32_t)path;
                }
            }
        }
    }
    if (c->timed) {
        const uint64_t t = vr_ticks();
        w->tk[ST_MARKET] += t - tick;
        tick = t;
    }
    for (int gi = 0; gi < c->ngrp; gi++)
        batch_marks(c, w, gi, b);
    if (c->timed) {
        const uint64_t t = vr_ticks();
        w->tk[ST_GATHER] += t - tick;
        tick = t;
    }
    /* path by path (the books are independent), so that the policies of a path share the single
     * marks of the day (strike searches, the legs they open) through the memo; a group at a time
     * (another group's marks come from other tables: a memo of its own) */
    for (size_t i = 0; i < b->n; i++) {
        const size_t path = b->path0 + i;
        w->mkt[i].sweep = &w->sweep;
        char *books = (char *)&w->book[i * s->npol];
        for (int gi = 0; gi < c->ngrp; gi++) {
            const grp_def *gd = &c->grp[gi];
            mark_grp *mg = &w->g[gi];
            vr_mark_memo_reset(&w->memo);
            w->mkt[i].memo = &w->memo;
            const path_gather *g = &mg->pg[i];
            const size_t base = i * mg->pg_stride;
            if (i + 1 < b->n)
                prefetch_wants(mg, i + 1);
            for (uint32_t q = 0; q < g->nwant; q++) { /* today's marks from the batch */
                const want_ref r = mg->pg_want[base + q];
                vr_position_set_mark((vr_position *)(books + r.pos), &mg->lane_mark[base + r.lane], day);
            }
            w->wants += g->nwant;
            if (c->timed) {
                const uint64_t t = vr_ticks();
                w->tk[ST_HANDOUT] += t - tick;
                tick = t;
            }
            uint64_t live = 0;
            for (int k = 0; k < gd->npol; k++) {
                const int p = gd->pol[k];
                vr_book *bk = &w->book[i * s->npol + p];
                if (i + 1 < b->n) /* the same policy's book of the next path */
                    prefetch_bytes(bk + s->npol, w->span[p]);
                vr_book_day(bk, &s->pol[p], &w->mkt[i], gd->pr, last);
                live += vr_book_changes(bk);
                if (path < (size_t)c->res->nsample)
                    c->res->sample_act[((size_t)p * c->res->nsample + path) * c->res->ndays + day] = bk->act_today;
            }
            mg->pg[i].live = live;
            if (c->timed) {
                const uint64_t t = vr_ticks();
                w->tk[ST_BOOKS] += t - tick;
                tick = t;
            }
        }
        w->mkt[i].memo = NULL;
        w->mkt[i].sweep = NULL;
    }
    if (c->timed)
        w->t_last = vr_ticks();
}

/* The threads' stage timers and counts into *out, the ticks converted at `rate` per second (the
 * evaluation's ticks over its wall seconds). */
static void stages_of(const thread_ws *ws, int nth, double seconds, double rate, vr_eval_stages *out)
{
    memset(out, 0, sizeof *out);
    out->threads = nth;
    out->seconds = seconds;
    if (!(rate > 0))
        return; /* (no time passed: nothing to convert) */
    for (int t = 0; t < nth; t++) {
        const thread_ws *w = &ws[t];
        out->generate += (double)w->tk[ST_GEN] / rate;
        out->market += (double)w->tk[ST_MARKET] / rate;
        out->gather += (double)(w->tk[ST_GATHER] - w->tk[ST_KERNELS]) / rate;
        out->kernels += (double)w->tk[ST_KERNELS] / rate;
        out->handout += (double)w->tk[ST_HANDOUT] / rate;
        out->books += (double)w->tk[ST_BOOKS] / rate;
        out->searches += (double)w->sweep.ticks / rate;
        out->outputs += (double)w->tk[ST_OUTPUTS] / rate;
        out->path_days += w->path_days;
        out->book_days += w->book_days;
        out->lanes += w->nlanes;
        out->wants += w->wants;
        out->searches_n += w->sweep.searches;
        out->rows += w->sweep.rows;
        out->row_lanes += w->sweep.lanes;
        out->single_marks += w->memo.computed;
    }
}

double vr_eval_stages_other(const vr_eval_stages *g)
{
    return g->threads * g->seconds -
           (g->generate + g->market + g->gather + g->kernels + g->handout + g->books + g->outputs);
}

void vr_eval_stages_pack(const vr_eval_stages *g, double sec[VR_EVAL_STAGES_N], double cnt[VR_EVAL_STAGES_N])
{
    const double s[VR_EVAL_STAGES_N] = {g->generate, g->market, g->gather,   g->kernels,
                                        g->handout,  g->books,  g->searches, g->outputs};
    const double c[VR_EVAL_STAGES_N] = {(double)g->path_days, (double)g->book_days, (double)g->lanes,
                                        (double)g->wants,     (double)g->searches_n, (double)g->rows,
                                        (double)g->row_lanes, (double)g->single_marks};
    memcpy(sec, s, sizeof s);
    memcpy(cnt, c, sizeof c);
}

void vr_eval_stages_unpack(vr_eval_stages *g, const double sec[VR_EVAL_STAGES_N], const double cnt[VR_EVAL_STAGES_N])
{
    g->generate = sec[0], g->market = sec[1], g->gather = sec[2], g->kernels = sec[3];
    g->handout = sec[4], g->books = sec[5], g->searches = sec[6], g->outputs = sec[7];
    g->path_days = (uint64_t)cnt[0], g->book_days = (uint64_t)cnt[1], g->lanes = (uint64_t)cnt[2];
    g->wants = (uint64_t)cnt[3], g->searches_n = (uint64_t)cnt[4], g->rows = (uint64_t)cnt[5];
    g->row_lanes = (uint64_t)cnt[6], g->single_marks = (uint64_t)cnt[7];
}

void vr_eval_stages_add(vr_eval_stages *acc, const vr_eval_stages *g)
{
    const double thread_seconds = acc->threads * acc->seconds + g->threads * g->seconds;
    acc->generate += g->generate;
    acc->market += g->market;
    acc->gather += g->gather;
    acc->kernels += g->kernels;
    acc->handout += g->handout;
    acc->books += g->books;
    acc->searches += g->searches;
    acc->outputs += g->outputs;
    acc->path_days += g->path_days;
    acc->book_days += g->book_days;
    acc->lanes += g->lanes;
    acc->wants += g->wants;
    acc->searches_n += g->searches_n;
    acc->rows += g->rows;
    acc->row_lanes += g->row_lanes;
    acc->single_marks += g->single_marks;
    acc->threads += g->threads;
    acc->seconds = acc->threads > 0 ? thread_seconds / acc->threads : 0;
}

/* "key": x with `prec` decimals, or null where x is not finite (nothing prints NaN or Inf as a
 * result); then ", " unless last. */
static void stage_num(FILE *f, const char *key, double x, int prec, int last)
{
    if (isfinite(x))
        fprintf(f, "\"%s\": %.*f%s", key, prec, x + 0.0, last ? "" : ", ");
    else
        fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
}

void vr_eval_stages_json(FILE *f, const vr_eval_stages *g)
{
    const double pd = g->path_days > 0 ? (double)g->path_days : 1.0, ns = 1e9 / pd;
    const struct { const char *key; double s; } st[] = {
        {"generate", g->generate}, {"market", g->market},   {"gather", g->gather},
        {"kernels", g->kernels},   {"handout", g->handout}, {"books", g->books},
        {"searches", g->searches}, {"outputs", g->outputs}, {"other", vr_eval_stages_other(g)},
    };
    const size_t nst = sizeof st / sizeof st[0];
    fprintf(f, "\"path_days\": %llu, \"ns_per_path_day\": {", (unsigned long long)g->path_days);
    for (size_t i = 0; i < nst; i++)
        stage_num(f, st[i].key, st[i].s * ns, 1, i + 1 == nst);
    fprintf(f, "}, \"per_path_day\": {");
    stage_num(f, "lanes", (double)g->lanes / pd, 3, 0);
    stage_num(f, "wants", (double)g->wants / pd, 3, 0);
    stage_num(f, "searches", (double)g->searches_n / pd, 4, 0);
    stage_num(f, "rows", (double)g->rows / pd, 4, 0);
    stage_num(f, "row_lanes", (double)g->row_lanes / pd, 3, 0);
    stage_num(f, "single_marks", (double)g->single_marks / pd, 3, 1);
    fprintf(f, "}");
}

void vr_eval_stages_text(const vr_eval_stages *g, int line, char *buf, size_t cap)
{
    const double thread_seconds = g->threads * g->seconds;
    const double pd = g->path_days > 0 ? (double)g->path_days : 1.0, ns = 1e9 / pd;
    if (line == 0)
        snprintf(buf, cap,
                 "generate %.0f, market %.0f, gather %.0f, mark kernels %.0f, hand-out %.0f, books %.0f (of which "
                 "strike searches %.0f), outputs %.0f, other %.0f; in all %.0f",
                 g->generate * ns, g->market * ns, g->gather * ns, g->kernels * ns, g->handout * ns,
                 g->books * ns, g->searches * ns, g->outputs * ns, vr_eval_stages_other(g) * ns, thread_seconds * ns);
    else
        snprintf(buf, cap,
                 "per path-day: %.2f lanes marked, %.2f positions handed a mark, %.3f strike searches (%.3f rows, "
                 "%.2f candidates), %.2f single marks",
                 (double)g->lanes / pd, (double)g->wants / pd, (double)g->searches_n / pd, (double)g->rows / pd,
                 (double)g->row_lanes / pd, (double)g->single_marks / pd);
}

void vr_eval_stages_print(FILE *f, const vr_eval_stages *g, const char *indent)
{
    char line[512];
    for (int k = 0; k < 2; k++) {
        vr_eval_stages_text(g, k, line, sizeof line);
        fprintf(f, "%s%s\n", indent, line);
    }
}

/* Hand the thread's collected outputs to opts->on_block. */
static void blk_flush(eval_ctx *c, thread_ws *w)
{
    if (w->blk && w->blk_n > 0)
        c->opts->on_block(c->opts->block_ctx, w->blk_path0, w->blk_n, w->blk);
    w->blk_n = 0;
}

/* A block's outputs go to the run's per-path arrays (res->out), and to opts->on_block in pieces of
 * up to blk_cap consecutive paths: the threads take runs of consecutive blocks (vr_sim_spec.group),
 * and a piece of 512 paths rather than one per block of 64 means an eighth of the writes of the
 * on-disk path store (each a few hundred bytes per field and policy at 64 paths) and of the
 * stream's locks. Its consumers do not depend on how paths are cut into pieces. */
static void on_block_done(void *vctx, const vr_sim_block *b)
{
    eval_ctx *c = vctx;
    const vr_run_spec *s = c->spec;
    thread_ws *w = &c->ws[b->thread];
    const uint64_t t0 = c->timed ? vr_ticks() : 0;
    if (w->blk) { /* a block that does not follow on, or does not fit, starts a new piece */
        if (w->blk_n > 0 && (b->path0 != w->blk_path0 + w->blk_n || w->blk_n + b->n > w->blk_cap))
            blk_flush(c, w);
        if (w->blk_n == 0)
            w->blk_path0 = b->path0;
    }
    for (int p = 0; p < s->npol; p++) {
        for (size_t i = 0; i < b->n; i++) {
            const vr_book *bk = &w->book[i * s->npol + p];
            if (!isfinite(bk->last_pnl) || !isfinite(bk->max_dd)) { /* the lowest (path, policy) wins */
                const uint64_t key = (uint64_t)(b->path0 + i) * (uint64_t)s->npol + (uint64_t)p;
                uint64_t cur = __atomic_load_n(&c->bad, __ATOMIC_RELAXED);
                while (key < cur &&
                       !__atomic_compare_exchange_n(&c->bad, &cur, key, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
                }
            }
            for (int l = 0; l < s->pol[p].nlayers; l++) {
                w->sized_zero[p][l] += bk->sized_zero[l];
                w->sized_capped[p][l] += bk->sized_capped[l];
            }
            if (c->res->out)
                path_out_set(&c->res->out[p], b->path0 + i - c->res->path_lo, bk);
            if (w->blk)
                path_out_set(&w->blk[p], w->blk_n + i, bk);
        }
    }
    if (w->blk) {
        w->blk_n += b->n;
        if (w->blk_n + b->n > w->blk_cap) /* no room for another block */
            blk_flush(c, w);
    }
    size_t done;
#pragma omp atomic capture
    done = c->done += b->n;
    /* progress from the thread that runs block 0's slot: no nested parallel region */
    if (c->progress && b->thread == 0)
        c->progress(c->progress_ctx, done, c->total);
    if (c->timed) {
        w->t_last = vr_ticks();
        w->tk[ST_OUTPUTS] += w->t_last - t0;
    }
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
        for (int p = 0; p < res->npol; p++)
            vr_path_out_free(&res->out[p]);
        free(res->out);
    }
    if (res->logs) {
        for (int k = 0; k < res->npol * res->nlog; k++)
            free(res->logs[k].rec);
        free(res->logs);
    }
    free(res->sample_spx);
    free(res->sample_vix);
    free(res->sample_act);
    memset(res, 0, sizeof *res);
}

/* Longest expiry the marks of policy p must cover: its condor and hedges, plus two days of slack
 * (the extent of the tables that mark it: grp_def). */
static double policy_max_tau(const vr_policy *p)
{
    double max_tau = p->condor.dte / 365.0;
    for (int l = 0; l < p->nlayers; l++)
        max_tau = fmax(max_tau, p->layers[l].action.dte / 365.0);
    return max_tau + 2.0 / 365;
}

/* 1 when policies a and b are marked by the same tables (their extents equal, bit for bit). */
static int same_extent(const vr_policy *a, const vr_policy *b)
{
    const double ta = policy_max_tau(a), tb = policy_max_tau(b);
    return memcmp(&ta, &tb, sizeof ta) == 0;
}

/* 1 when policy p is the first of its extent in s (it opens a group: grp_def). */
static int first_of_extent(const vr_run_spec *s, int p)
{
    for (int q = 0; q < p; q++)
        if (same_extent(&s->pol[p], &s->pol[q]))
            return 0;
    return 1;
}

/* The path generator's spec of scenario `scen` (spec already holds the scenario's own paths and
 * horizon). */
static vr_sim_spec sim_spec_of(const vr_run_spec *spec, int scen, size_t block, int nth)
{
    const vr_scenario *sc = &spec->scen[scen];
    const vr_model_ops *ops = vr_model_ops_get(sc->model.type);
    double x0[VR_FACTORS_MAX] = {0};
    ops->state0(&sc->model, x0);
    /* a replay of a two-factor model backs (v, m) out of the day's VIX and VIX3M, a bootstrap
     * path out of its VIX and the drawn day's VIX3M/VIX (vr_sim.h) */
    vr_vix_coef c93;
    memset(&c93, 0, sizeof c93);
    if (sc->source == VR_SOURCE_HISTORY || sc->source == VR_SOURCE_BOOTSTRAP)
        c93 = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_93D);
    const vr_sim_spec sim = {
        .type = sc->model.type, .params = sc->model.physical, .spot = sc->model.spot,
        .rate = sc->model.rate, .dividend = sc->model.dividend, .v0 = x0[0], .m0 = x0[1],
        .horizon = spec->horizon_days / 252.0,
        .steps = (size_t)spec->horizon_days * (size_t)spec->steps_per_day, .paths = spec->paths,
        .seed = spec->seed, .scenario = (uint32_t)scen, .scheme = spec->scheme, .fast_log = spec->fast_log,
        .single = spec->single, .block = block,
        .threads = nth, .kt = spec->kt, .source = sc->source, .hist = sc->hist,
        .hist_i0 = sc->hist_i0, .hist_i1 = sc->hist_i1, .block_mean = sc->block_mean,
        .vixc = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_30D), .vixc3m = c93,
        .keep_m = vr_model_m_fixed(&sc->model),
        .shocks = sc->shocks, .nshocks = sc->nshocks,
    };
    return sim;
}

/* The run spec as scenario `scen` sees it: its own path count and days, one step a day for the
 * history kinds. */
static vr_run_spec scenario_run_spec(const vr_run_spec *spec, int scen)
{
    vr_run_spec sp = *spec;
    const vr_scenario *sc = &spec->scen[scen];
    sp.paths = vr_scenario_paths(spec, sc);
    sp.horizon_days = vr_scenario_days(spec, sc);
    if (sc->source != VR_SOURCE_MODEL)
        sp.steps_per_day = 1;
    return sp;
}

vr_sim_spec vr_eval_sim_spec(const vr_run_spec *spec, int scen)
{
    const vr_run_spec sp = scenario_run_spec(spec, scen);
    return sim_spec_of(&sp, scen, spec->block ? spec->block : VR_EVAL_DEFAULT_BLOCK, spec->threads);
}

vr_status vr_eval_pricing_check(const vr_run_spec *spec, int scen, vr_err *err)
{
    const vr_run_spec sp = scenario_run_spec(spec, scen);
    for (int p = 0; p < sp.npol; p++) { /* each group's tables (grp_def) */
        vr_status st;
        if (first_of_extent(&sp, p) &&
            (st = vr_pricing_check(&spec->scen[scen].model, policy_max_tau(&sp.pol[p]), err)) != VR_OK)
            return st;
    }
    return VR_OK;
}

vr_status vr_eval_scenario_check(const vr_run_spec *spec, int scen, vr_err *err)
{
    const vr_sim_spec sim = vr_eval_sim_spec(spec, scen);
    vr_status st = vr_sim_spec_check(&sim, err);
    if (st != VR_OK)
        return st;
    return vr_eval_pricing_check(spec, scen, err);
}

typedef struct run_args {
    const vr_sim_spec *sim;
    const vr_sim_observer *obs;
    vr_err *err;
    vr_status st;
} run_args;

size_t vr_eval_block_paths(const vr_run_spec *spec, int scen)
{
    vr_run_spec sp = *spec;
    sp.paths = vr_scenario_paths(spec, &spec->scen[scen]);
    const vr_sim_spec sim = sim_spec_of(&sp, scen, spec->block ? spec->block : VR_EVAL_DEFAULT_BLOCK, 1);
    return vr_sim_block_paths(&sim);
}

vr_status vr_eval_scenario(const vr_run_spec *spec, int scen, vr_scenario_result *res,
                           vr_progress_fn progress, void *progress_ctx, vr_err *err)
{
    return vr_eval_scenario_ex(spec, scen, NULL, res, progress, progress_ctx, err);
}

vr_status vr_eval_scenario_ex(const vr_run_spec *spec, int scen, const vr_eval_opts *opts,
                              vr_scenario_result *res, vr_progress_fn progress, void *progress_ctx,
                              vr_err *err)
{
    const double t0 = omp_get_wtime();
    const vr_eval_opts none = {0, 0, 0, NULL, NULL, NULL, NULL};
    if (opts == NULL)
        opts = &none;
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
    thread_ws *ws = NULL;
    size_t *span = NULL;
    int nth = spec->threads > 0 ? spec->threads : omp_get_max_threads();
    /* the groups of policies of equal extent (grp_def), in the order of their first policy; each
     * group's pricing object from the cache, or built here (own) */
    int ngrp = 0;
    grp_def *grp = calloc((size_t)spec->npol + 1, sizeof *grp);
    int *grp_pol = malloc(((size_t)spec->npol + 1) * sizeof *grp_pol);
    vr_pricing **own = calloc((size_t)spec->npol + 1, sizeof *own);
    if (grp == NULL || grp_pol == NULL || own == NULL) {
        st = vr_fail(err, VR_ENOMEM, "evaluator: policy groups");
        goto done;
    }
    for (int p = 0, used = 0; p < spec->npol && st == VR_OK; p++) {
        if (!first_of_extent(spec, p))
            continue;
        grp_def *gd = &grp[ngrp++];
        gd->pol = &grp_pol[used];
        for (int q = p; q < spec->npol; q++)
            if (same_extent(&spec->pol[p], &spec->pol[q])) {
                gd->pol[gd->npol++] = q;
                gd->max_pos = (size_t)vr_book_max_pos(&spec->pol[q]) > gd->max_pos
                                  ? (size_t)vr_book_max_pos(&spec->pol[q]) : gd->max_pos;
            }
        used += gd->npol;
        if (opts->pricing)
            st = vr_pricing_cache_get(opts->pricing, &sc->model, policy_max_tau(&spec->pol[p]), &gd->pr, NULL, err);
        else if ((st = vr_pricing_build(&sc->model, policy_max_tau(&spec->pol[p]), &own[ngrp - 1], err)) == VR_OK)
            gd->pr = own[ngrp - 1];
    }
    if (st == VR_OK && ngrp == 0) { /* no policy: the market view's tables alone */
        const double tau = 2.0 / 365;
        ngrp = 1;
        if (opts->pricing)
            st = vr_pricing_cache_get(opts->pricing, &sc->model, tau, &grp[0].pr, NULL, err);
        else if ((st = vr_pricing_build(&sc->model, tau, &own[0], err)) == VR_OK)
            grp[0].pr = own[0];
    }
    if (st != VR_OK && err != NULL) { /* (the tables' message names the model, not its scenario) */
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        snprintf(err->msg, sizeof err->msg, "scenario %s (scenarios[%d].model): %.400s", sc->name, scen, msg);
    }
    if (st != VR_OK)
        goto done;
    res->build_seconds = omp_get_wtime() - t0;

    res->npol = spec->npol;
    res->path_lo = opts->path_hi ? opts->path_lo : 0;
    res->path_hi = opts->path_hi ? opts->path_hi : n;
    if (res->path_hi > n || res->path_lo > res->path_hi) {
        st = vr_fail(err, VR_EINVAL, "evaluator: path range [%zu, %zu) of %zu paths", res->path_lo,
                     res->path_hi, n);
        goto done;
    }
    const size_t nloc = res->path_hi - res->path_lo;
    { /* no more workspaces than blocks: the generator runs at most one thread a block (sim.c), and
       * each workspace holds a block's books (threads: 4096 on a run of 3 paths took 24 GB) */
        const size_t bp = vr_eval_block_paths(spec, scen), nblocks = (nloc + bp - 1) / bp;
        if ((size_t)nth > nblocks)
            nth = nblocks ? (int)nblocks : 1;
    }
    if (!opts->no_store && (res->out = calloc((size_t)spec->npol, sizeof *res->out)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "evaluator: outputs of %zu paths x %d policies", nloc, spec->npol);
        goto done;
    }
    res->nsample = (int)(spec->sample_paths < (int)n ? spec->sample_paths : (int)n);
    res->ndays = spec->horizon_days + 1;
    const size_t ns = (size_t)res->nsample * (size_t)res->ndays;
    res->sample_spx = calloc(ns ? ns : 1, sizeof(float));
    res->sample_vix = calloc(ns ? ns : 1, sizeof(float));
    res->sample_act = calloc(ns * (size_t)spec->npol + 1, 1);
    /* a replay logs its one path; a sampled scenario its first trade_log_paths (paths 0.. of the
     * whole run: on several ranks, the ones in this rank's range) */
    const size_t nlog = sc->source == VR_SOURCE_HISTORY ? 1 : (size_t)spec->trade_log_paths;
    res->nlog = (int)(nlog < n ? nlog : n);
    res->logs = calloc((size_t)res->nlog * (size_t)spec->npol + 1, sizeof *res->logs);
    if (!res->sample_spx || !res->sample_vix || !res->sample_act || !res->logs) {
        st = vr_fail(err, VR_ENOMEM, "evaluator: sample paths of %zu paths x %d policies", n, spec->npol);
        goto done;
    }
    for (int p = 0; res->out && p < spec->npol; p++)
        if (!vr_path_out_alloc(&res->out[p], nloc, 1 + spec->pol[p].nlayers)) {
            st = vr_fail(err, VR_ENOMEM, "evaluator: outputs of %zu paths x %d policies", nloc, spec->npol);
            goto done;
        }
    const size_t block = spec->block ? spec->block : VR_EVAL_DEFAULT_BLOCK;
    /* consecutive blocks a thread takes at a time: pieces of about 512 paths for on_block */
    const size_t group = block < EVAL_PIECE_PATHS ? EVAL_PIECE_PATHS / block : 1;
    ws = calloc((size_t)nth, sizeof *ws);
    span = vr_aligned_alloc((size_t)spec->npol * sizeof *span);
    if (ws == NULL || span == NULL) {
        st = vr_fail(err, VR_ENOMEM, "evaluator: workspaces");
        goto done;
    }
    for (int p = 0; p < spec->npol; p++)
        span[p] = offsetof(vr_book, pos) + (size_t)vr_book_max_pos(&spec->pol[p]) * sizeof(vr_position);
    for (int t = 0; t < nth; t++) {
        ws[t].mkt = vr_aligned_alloc(block * sizeof(vr_mkt));
        ws[t].book = vr_aligned_alloc(block * (size_t)spec->npol * sizeof(vr_book));
        ws[t].g = calloc((size_t)ngrp, sizeof *ws[t].g);
        ws[t].span = span;
        ws[t].memo.stamp = 1;
        ws[t].lane_stamp = 1;
        if ((st = vr_mark_batch_alloc(&ws[t].sweep.row, VR_SWEEP_LANES, err)) != VR_OK)
            goto done;
        int ok = ws[t].mkt && ws[t].book && ws[t].g;
        for (int gi = 0; ok && gi < ngrp; gi++) {
            mark_grp *mg = &ws[t].g[gi];
            mg->cap = block * grp[gi].max_pos;
            if (mg->cap < (size_t)grp[gi].npol * VR_BOOK_MAX_POS)
                mg->cap = (size_t)grp[gi].npol * VR_BOOK_MAX_POS;
            if (mg->cap == 0)
                mg->cap = 1;
            mg->pg_stride = (size_t)grp[gi].npol * grp[gi].max_pos;
            mg->lane0 = vr_aligned_alloc(block * sizeof(uint32_t));
            mg->lane_mark = vr_aligned_alloc(block * mg->pg_stride * sizeof(vr_pos_mark));
            mg->pg = vr_aligned_alloc(block * sizeof(path_gather));
            mg->pg_want = vr_aligned_alloc(block * mg->pg_stride * sizeof(want_ref));
            mg->pg_in = vr_aligned_alloc(block * mg->pg_stride * sizeof(vr_instrument));
            if ((st = vr_mark_batch_alloc(&mg->batch, mg->cap, err)) != VR_OK)
                goto done;
            ok = mg->lane0 && mg->lane_mark && mg->pg && mg->pg_want && mg->pg_in;
        }
        if (!ok) {
            st = vr_fail(err, VR_ENOMEM, "evaluator: block buffers (%zu paths x %d policies)", block, spec->npol);
            goto done;
        }
        if (opts->on_block) {
            ws[t].blk_cap = block * group;
            int ok = (ws[t].blk = calloc((size_t)spec->npol, sizeof *ws[t].blk)) != NULL;
            for (int p = 0; ok && p < spec->npol; p++)
                ok = vr_path_out_alloc(&ws[t].blk[p], ws[t].blk_cap, 1 + spec->pol[p].nlayers);
            if (!ok) {
                st = vr_fail(err, VR_ENOMEM, "evaluator: block outputs (%zu paths x %d policies)",
                             ws[t].blk_cap, spec->npol);
                goto done;
            }
        }
    }
    const vk_table *kt = NULL;
    if ((st = vr_kernels_resolve(spec->kt, &kt, err)) != VR_OK)
        goto done;
    /* the strike searches' rows keep the double kernels: their values decide strikes against
     * the scalar marks within VR_SWEEP_MARGIN (book.c) */
    const vk_table *kt_batch = kt;
    if (spec->mark_single && (kt_batch = vk_single_marks(kt)) == NULL) {
        st = vr_fail(err, VR_EINVAL, "mark_precision single needs a kernel table of vk_select");
        goto done;
    }
    const int timed = opts->stages != NULL;
    for (int t = 0; t < nth; t++) {
        ws[t].sweep.kt = kt;
        ws[t].sweep.timed = timed;
        ws[t].floor_min = INFINITY;
    }
    eval_ctx ctx = {spec, grp[0].pr, ngrp, grp, kt_batch, res, ws, 1.0 / (252.0 * spec->steps_per_day), 0, nloc, progress,
                    progress_ctx, opts, sc->source == VR_SOURCE_HISTORY ? sc : NULL, UINT64_MAX, timed,
                    sc->source == VR_SOURCE_BOOTSTRAP ? vr_model_vix_table_top(&sc->model) : INFINITY, sc};
    vr_sim_spec sim = sim_spec_of(spec, scen, block, nth);
    sim.path_lo = res->path_lo;
    sim.path_hi = res->path_hi;
    sim.group = group;
    const vr_sim_observer obs = {&ctx, on_step, on_block_done};
    const double wall0 = omp_get_wtime();
    const uint64_t tick0 = vr_ticks();
    if (nloc > 0)
        st = vr_sim_run(&sim, &obs, err);
    if (timed) {
        const double secs = omp_get_wtime() - wall0;
        stages_of(ws, nth, secs, secs > 0 ? (double)(vr_ticks() - tick0) / secs : 0.0, opts->stages);
    }
    res->vix_floor_n = 0;
    res->vix_floor_min = INFINITY;
    res->vix_top_n = 0;
    res->vix_top_max = 0;
    memset(res->sized_zero, 0, sizeof res->sized_zero);
    memset(res->sized_capped, 0, sizeof res->sized_capped);
    for (int t = 0; t < nth; t++) { /* what each thread collected last */
        for (int p = 0; p < spec->npol; p++) /* (integer sums: the same for any thread count) */
            for (int l = 0; l < VR_MAX_LAYERS; l++) {
                res->sized_zero[p][l] += ws[t].sized_zero[p][l];
                res->sized_capped[p][l] += ws[t].sized_capped[p][l];
            }
        blk_flush(&ctx, &ws[t]);
        res->vix_floor_n += ws[t].floor_n;
        res->vix_floor_min = ws[t].floor_min < res->vix_floor_min ? ws[t].floor_min : res->vix_floor_min;
        res->vix_top_n += ws[t].top_n;
        res->vix_top_max = ws[t].top_max > res->vix_top_max ? ws[t].top_max : res->vix_top_max;
    }
    /* A non-finite P&L is a numerical failure of the model at these parameters (its paths or
     * marks), not a result: the run stops here, before any score or file is written. */
    if (st == VR_OK && ctx.bad != UINT64_MAX)
        st = vr_fail(err, VR_ENUM,
                     "scenario %s, policy %s, path %llu: the P&L or its drawdown is not finite: the model's paths or marks "
                     "broke down at these parameters (scenarios[%d].model; ranges: docs/config.md)",
                     sc->name, spec->pol[ctx.bad % (uint64_t)spec->npol].name,
                     (unsigned long long)(ctx.bad / (uint64_t)spec->npol), scen);
    for (int k = 0; st == VR_OK && k < res->npol * res->nlog; k++)
        if (res->logs[k].failed)
            st = vr_fail(err, VR_ENOMEM, "evaluator: trade log of path %d of policy %s",
                         k % res->nlog, spec->pol[k / res->nlog].name);
    if (progress)
        progress(progress_ctx, nloc, nloc);
done:
    if (ws) {
        for (int t = 0; t < nth; t++) {
            vr_free(ws[t].mkt);
            vr_free(ws[t].book);
            for (int gi = 0; ws[t].g && gi < ngrp; gi++) {
                mark_grp *mg = &ws[t].g[gi];
                vr_free(mg->lane0);
                vr_free(mg->lane_mark);
                vr_free(mg->pg);
                vr_free(mg->pg_want);
                vr_free(mg->pg_in);
                vr_mark_batch_free(&mg->batch);
            }
            free(ws[t].g);
            vr_mark_batch_free(&ws[t].sweep.row);
            for (int p = 0; ws[t].blk && p < spec->npol; p++)
                vr_path_out_free(&ws[t].blk[p]);
            free(ws[t].blk);
        }
        free(ws);
    }
    vr_free(span);
    for (int gi = 0; own && gi < ngrp; gi++)
        vr_pricing_destroy(own[gi]);
    free(own);
    free(grp);
    free(grp_pol);
    free(sp);
    res->seconds = omp_get_wtime() - t0;
    if (st != VR_OK)
        vr_scenario_result_free(res);
    return st;
}
