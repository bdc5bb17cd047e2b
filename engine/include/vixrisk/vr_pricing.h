/* vr_pricing.h: the pricing layer. One object per pricing model (vr_pricing) owns what marks
 * instruments at a path's state consistently with that model: the SPX implied-vol surface, the
 * VIX future and option table (both built by the model's descriptor, vr_model_ops.h) and the
 * VIX-family index coefficients. Built once per pricing model, read-only afterwards (shared by
 * all threads, and through a vr_pricing_cache by every scenario of a run with the same inputs). The evaluator, `vixrisk price`, calibration and reports use it; it sits below the
 * policy layer (it knows nothing of books, layers or policies).
 *
 * Instruments are data (vr_instrument): a kind, a call/put flag, a strike and an expiry. Kinds:
 *   SPX_OPTION  European SPX call/put: Black-76 on the forward at the surface's implied vol
 *               (price, spot delta, vega, vol).
 *   VIX_OPTION  European VIX call/put from the VIX table (puts by parity on the table's future);
 *               the call delta dC/dF on request (an implied-vol solve: for strike searches).
 *   VIX_FUTURE  the VIX future to the expiry (undiscounted, futures are marked to market).
 * A spread (call spread, put spread, the condor's verticals) is not a kind: it is two or more
 * positions holding one instrument each (see the book), so it marks through the same lanes.
 *
 * ONE marking path: vr_pricing_mark_n marks a batch of lanes of any kinds with the kernels of a
 * kernel table; the daily batch of the evaluator calls it with the run's table (SIMD), and the
 * single mark vr_pricing_mark is a batch of one lane through the same function with the scalar
 * reference kernels (the SIMD kernels reproduce them: bit for bit for the VIX table, to a few ulp
 * for the surface and Black-76, see docs/numerics.md). Prices are per unit of index (multiply by
 * the $100 contract multiplier for USD). Strike searches have two row functions beside it
 * (vr_pricing_mark_spx_row: mark_n's values to a few ulp for a row of one expiry;
 * vr_pricing_mark_vix_row: VIX call deltas within a stated tolerance or NaN), used only to choose
 * between strikes. */
#ifndef VIXRISK_VR_PRICING_H
#define VIXRISK_VR_PRICING_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_status.h"
#include "vixrisk/vk.h"
#include "vixrisk/vk_surface.h"

typedef enum vr_inst_kind {
    VR_INST_SPX_OPTION = 0,
    VR_INST_VIX_OPTION = 1,
    VR_INST_VIX_FUTURE = 2,
    VR_INST_NKINDS
} vr_inst_kind;

/* The kind table: name (HDF5, logs, trade logs) and underlying of each kind. */
typedef enum vr_underlying_id { VR_UL_SPX = 0, VR_UL_VIX = 1 } vr_underlying_id;
typedef struct vr_inst_kind_info {
    const char *name;         /* "spx_option", "vix_option", "vix_future" */
    vr_underlying_id underlying;
    int has_strike;           /* options: 1; futures: 0 */
    double multiplier;        /* USD per index point per contract: options 100, VIX futures 1,000 */
    int margined;             /* 1: no premium changes hands (futures): a position is worth the move
                                 of its price since entry; 0: bought for its price (options) */
} vr_inst_kind_info;
extern const vr_inst_kind_info vr_inst_kinds[VR_INST_NKINDS];
/* Inline: the book asks it for every position's multiplier and costs every day. */
static inline const vr_inst_kind_info *vr_inst_kind_get(vr_inst_kind k)
{
    return (int)k >= 0 && k < VR_INST_NKINDS ? &vr_inst_kinds[k] : NULL;
}

typedef struct vr_instrument {
    int kind;        /* vr_inst_kind */
    int cp;          /* +1 call, -1 put (options); 0 futures */
    double strike;   /* index points (options) */
    double t_exp;    /* expiry, years on the path's clock */
} vr_instrument;

/* The market state an instrument is marked at: time on the path's clock, SPX level and the
 * model's variance factors (x[0] = v; x[1] = m for two-factor models), each >= 0. */
typedef struct vr_state {
    double t;
    double S;
    double x[VR_FACTORS_MAX];
} vr_state;

typedef struct vr_mark {
    double price;    /* per unit, discounted to now (futures: the future) */
    double delta;    /* SPX options: dP/dS (spot delta); VIX options: dC/dF if asked, else 0 */
    double vega;     /* SPX options: dP/dsigma per unit of vol; else 0 */
    double vol;      /* SPX options: the implied vol used; else 0 */
    double fut;      /* VIX options and futures: the VIX future to the expiry; SPX: the forward */
} vr_mark;

typedef struct vr_pricing vr_pricing;

/* Build the pricing object of model m (its `pricing` parameters, rate and dividend) for
 * instruments expiring within max_tau years: the surface covers [1/365, max(max_tau, 30/365)],
 * the VIX table [1/365, max(max_tau, 60/365)]. Errors: VR_EINVAL (model), VR_ENOMEM, VR_ENUM. */
vr_status vr_pricing_build(const vr_model *m, double max_tau, vr_pricing **out, vr_err *err);
/* The same object with only the tables that mark instruments on underlying ul (the SPX surface,
 * or the VIX table): what one `vixrisk price` asks for, at a fraction of the build (an svcj2 VIX
 * call skips the SPX surface, which is most of a build). Those tables are the ones
 * vr_pricing_build builds, bit for bit, so its marks of ul equal a full object's; marks of the
 * other underlying are NaN (every mark and row function). */
vr_status vr_pricing_build_only(const vr_model *m, double max_tau, vr_underlying_id ul,
                                vr_pricing **out, vr_err *err);
/* 1 when pr marks instruments on ul (built by vr_pricing_build, or by _only for ul). */
int vr_pricing_marks(const vr_pricing *pr, vr_underlying_id ul);
/* The checks vr_pricing_build makes on m and max_tau (table sizes, expiry range) without building
 * anything: what `check` and config loading run before any scenario is simulated. */
vr_status vr_pricing_check(const vr_model *m, double max_tau, vr_err *err);
void vr_pricing_destroy(vr_pricing *pr);   /* accepts NULL */

/* The tables against the model's direct pricers (pricing.c, "the SPX table's self-check" and "the
 * VIX table's check"): for the SPX table the largest miss over a fixed set of options and states,
 * as the vol error it stands for (price difference over the table's vega; 0 where the difference
 * is within 1e-6 of the spot); for the VIX table that of calls and futures, in units of the
 * table's tolerance. It reads only the tables' inputs (not v0 or spot: tables are shared across
 * them). vr_pricing_build runs it on every set of tables it builds (those loaded from the store
 * passed it when stored), and refuses (VR_ENUM naming the point) an SPX miss of
 * VR_PRICING_SELFCHECK_TOL or more, or a VIX miss of VR_PRICING_SELFCHECK_VIX_TOL or more. */
#define VR_PRICING_SELFCHECK_TOL 2e-3
#define VR_PRICING_SELFCHECK_VIX 100.0 /* the SPX check's states stop at this 30-day VIX */
#define VR_PRICING_SELFCHECK_VIX_TOL 4.0 /* the VIX table's refusal, in units of its tolerance */
#define VR_PRICING_SELFCHECK_VIX_VIX 60.0 /* the VIX check's states stop at this 30-day VIX */
typedef struct vr_pricing_miss {
    double vol_err;              /* |table - direct| / vega: 0 when the layer has no SPX table */
    double tau, moneyness;       /* the point: expiry (years), K/F */
    int call;
    double x[VR_FACTORS_MAX];    /* the variance factors */
    double table, direct;        /* the two prices (spot 100) */
    /* the VIX table (0 when the layer has none): the miss in units of its tolerance max(0.5% of
     * the direct price, 0.005 index points), at a call of strike vix_kf times the direct future
     * vix_fut, or at the future itself (vix_future = 1) */
    double vix_err, vix_tau, vix_kf, vix_fut, vix_table, vix_direct;
    int vix_future;
    double vix_x[VR_FACTORS_MAX];
} vr_pricing_miss;
vr_status vr_pricing_selfcheck(const vr_pricing *pr, vr_pricing_miss *worst, vr_err *err);

/* A run's pricing objects, one per distinct set of table inputs: vr_pricing_cache_get returns the
 * object already built for inputs equal to (m, max_tau), or builds and keeps one. Inputs are
 * compared by value, bit for bit: the model type, rate, dividend, pricing and physical parameters
 * and m0 (svcj2's tables span the m range of both measures from m0) and max_tau; the path's
 * starting point (spot, v0) is not read by any table and may differ. Equal inputs build equal
 * tables, so a shared object marks exactly as a fresh one. The returned object is owned by the
 * cache (valid until vr_pricing_cache_destroy); *built tells whether this call built it (may be
 * NULL). Not thread-safe: one thread gets, any number read. */
typedef struct vr_pricing_cache vr_pricing_cache;
vr_status vr_pricing_cache_create(vr_pricing_cache **out, vr_err *err);
vr_status vr_pricing_cache_get(vr_pricing_cache *c, const vr_model *m, double max_tau,
                               const vr_pricing **out, int *built, vr_err *err);
size_t vr_pricing_cache_size(const vr_pricing_cache *c);  /* objects built so far */
void vr_pricing_cache_destroy(vr_pricing_cache *c);       /* accepts NULL */

/* The table store: a directory where every build of pricing tables in this process (vr_pricing_build,
 * _only, the cache) first looks for a file an earlier build left for the same inputs (those the
 * cache compares, and which tables: vr_pricing_build_only) and the same build of the library, and
 * where it leaves the tables it had to build. A loaded table is the built one, byte for byte, so
 * it marks bit for bit the same; only the time to get it changes (vr_pricing_build_seconds).
 * For batch work over a few models: a sweep of policies, a desk's runs and reports against the
 * model of the day, a test suite. Files are named by a hash (<16 hex digits>.vrt), 14 MB
 * (one-factor) to 260 MB (svcj2) each; the store keeps their total under a bound
 * (vr_table_store_set_limit) by removing the least recently used, and any of them may be deleted
 * at will. Processes that miss the same set at once build it once: the first holds a lock file of
 * the store (.vrlock-<2 hex digits>) while it builds and stores, the others wait and load. The
 * loader checks every size against the file, not the values: the directory must be as trusted as
 * the configs (docs/scale.md, "Table store").
 * vr_table_store_set(dir) turns it on for the whole process (a missing dir, and its missing
 * parents, are made when the first tables are claimed or stored; VR_EINVAL if it names something
 * else than a directory, VR_EIO if it cannot be looked up) and NULL or "" turns it off. Call it before any thread builds tables. A file that cannot be read is
 * a miss; one that cannot be written is counted below and the build's tables are used anyway. */
vr_status vr_table_store_set(const char *dir, vr_err *err);
const char *vr_table_store_dir(void); /* NULL when off */
typedef struct vr_table_store_counts {
    size_t hits;     /* tables loaded from the store */
    size_t stored;   /* tables built and written to it */
    size_t failed;   /* tables built but not written (last_error says why) */
    size_t evicted;  /* files removed to keep the store under its bound, and temporaries a killed
                        writer left, by this process */
    char last_error[512];
} vr_table_store_counts;
void vr_table_store_stats(vr_table_store_counts *c);
/* The bound on the store's table files, in bytes (0: none); VR_TABLE_STORE_DEFAULT_MB MiB until
 * set (the CLI: VIXRISK_TABLE_STORE_MB). After each file it writes, the process removes the least
 * recently used table files (by modification time; a load sets its file's to now) until those left
 * add up to at most the bound; the file just written stays even when it alone is larger. Every
 * rebuild of the library changes every key, so without a bound each build's files would stay
 * unused for good. The same pass removes the temporaries (.vr*.tmp) that a writer killed more
 * than a day ago left. Only regular files with the store's names are ever removed; a file in use
 * by another process stays readable by it (it is mapped) and becomes a miss for later ones. */
#define VR_TABLE_STORE_DEFAULT_MB 4096
void vr_table_store_set_limit(uint64_t bytes);
uint64_t vr_table_store_limit(void);
/* 1 when pr's tables came from the table store. */
int vr_pricing_from_store(const vr_pricing *pr);

const vr_model_ops *vr_pricing_model(const vr_pricing *pr);
double vr_pricing_rate(const vr_pricing *pr);
double vr_pricing_dividend(const vr_pricing *pr);
double vr_pricing_build_seconds(const vr_pricing *pr); /* wall seconds to build or load its tables */

/* VIX-family index levels at the state's factors under the pricing parameters. */
double vr_pricing_vix(const vr_pricing *pr, const double *x);    /* 30-day */
double vr_pricing_vix3m(const vr_pricing *pr, const double *x);  /* 93-day */
double vr_pricing_vix9d(const vr_pricing *pr, const double *x);  /* 9-day */

/* What a mark computes beyond the price and the kernel Greeks. */
#define VR_MARK_VIX_DELTA 1u  /* VIX options: dC/dF (implied-vol solve) */
#define VR_MARK_VIX_FUT 2u    /* VIX options: fill fut (one table lookup per lane) */
#define VR_MARK_VOL_ONLY 4u   /* SPX options through vr_pricing_mark_c: only vol and fut (the
                                 forward), with a full mark's bits; price, delta and vega come
                                 back 0. Elsewhere ignored: a full mark. */

#define VR_MARK_SCRATCH (14 + VR_FACTORS_MAX)

/* A batch of lanes to mark. Structure-of-arrays, 64-byte aligned, capacity a multiple of 8.
 * Fill lanes [0, n) with vr_mark_batch_set (or the arrays directly); vr_pricing_mark_n fills the
 * outputs and uses the scratch. */
typedef struct vr_mark_batch {
    size_t cap;
    /* inputs */
    double *kind, *cp, *strike, *tau, *spot, *x[VR_FACTORS_MAX];
    /* outputs */
    double *price, *delta, *vega, *vol, *fut;
    /* scratch: the lanes of one kind gathered for its kernels */
    uint32_t *idx;
    double *g[VR_MARK_SCRATCH];
} vr_mark_batch;

vr_status vr_mark_batch_alloc(vr_mark_batch *b, size_t cap, vr_err *err);
void vr_mark_batch_free(vr_mark_batch *b);

/* Lane i <- instrument `in` at state `s` (tau = in->t_exp - s->t). */
static inline void vr_mark_batch_set(vr_mark_batch *b, size_t i, const vr_instrument *in,
                                     const vr_state *s, int nfactors)
{
    b->kind[i] = (double)in->kind;
    b->cp[i] = (double)in->cp;
    b->strike[i] = in->strike;
    b->tau[i] = in->t_exp - s->t;
    b->spot[i] = s->S;
    for (int j = 0; j < nfactors; j++)
        b->x[j][i] = s->x[j];
}

static inline vr_mark vr_mark_batch_get(const vr_mark_batch *b, size_t i)
{
    const vr_mark m = {b->price[i], b->delta[i], b->vega[i], b->vol[i], b->fut[i]};
    return m;
}

/* Mark lanes [0, n) of b with the kernels of kt (NULL: the best ISA). Lanes of one kind go
 * through that kind's kernels together (gathered when the batch mixes kinds). tau <= 0: SPX and
 * VIX options are worth their intrinsic value (VIX from the state), futures the VIX itself. */
void vr_pricing_mark_n(const vr_pricing *pr, const vk_table *kt, vr_mark_batch *b, size_t n,
                       unsigned want);

/* A row of SPX options of one side (cp) and expiry (tau years from s->t) at one state: lanes
 * [0, n) take their strikes from b->strike and get the outputs (price, delta, vega, vol, fut) that
 * vr_pricing_mark_n with kt gives lanes of these instruments at s, to a few ulp: the forward,
 * discount and sqrt(tau) are computed once for the row, the moneyness by kt's moneyness kernel
 * (SLEEF's 1-ulp log; mark_n takes the C library's unless kt is a table of vk_single_marks); the
 * other input arrays are neither read nor written. For strike searches (the candidates of one rule, one kernel call). b->cap
 * must hold n rounded up to VK_LANES_MAX; strikes > 0. */
void vr_pricing_mark_spx_row(const vr_pricing *pr, const vk_table *kt, vr_mark_batch *b, size_t n,
                             const vr_state *s, int cp, double tau);

/* A row of VIX calls of one expiry (tau > 0 years from s->t) at one state: lanes [0, n) take their
 * strikes from b->strike and get price and fut as vr_pricing_mark_n with kt gives them, and delta
 * (dC/dF, VR_MARK_VIX_DELTA) from the same Newton solve run on all lanes at once with kt's
 * Black-76: within tol of the scalar reference's delta, or NaN where the solve cannot promise it
 * (it did not converge, or ended near a stop threshold; pricing.c). For strike searches by delta
 * (the candidates of one rule), which decide NaN or near lanes with the scalar mark. b->cap must
 * hold n rounded up to VK_LANES_MAX; strikes > 0. */
void vr_pricing_mark_vix_row(const vr_pricing *pr, const vk_table *kt, vr_mark_batch *b, size_t n,
                             const vr_state *s, double tau, double tol);

/* One instrument at one state: a batch of one lane through vr_pricing_mark_n with the scalar
 * reference kernels (entries, rolls, strike searches, sizing). */
vr_mark vr_pricing_mark(const vr_pricing *pr, const vr_instrument *in, const vr_state *s,
                        unsigned want);

/* What single marks of SPX options at one state share: for a few recent (expiry, state) pairs,
 * the forward's growth and discount factors, sqrt(tau) and the (var, tau) part of each surface the
 * lookup reads (vk_surface_axes_ref: one surface, or an m stencil's four, vr_model_ops.spx_stencil).
 * The marks of one path and day (a strike search's start, the four legs of a condor) come in few
 * such pairs. Entries are keyed by their inputs' bits and the pricing layer, so what they give is
 * what a fresh computation gives. Zero-initialise; one per thread. */
#define VR_MARK_CACHE_SLOTS 4
typedef struct vr_mark_cache_entry {
    uint64_t t, v, m; /* the keys' bits: the lane's tau, variance and second factor (0 for
                         one-factor models), each clamped at 0 */
    int ok;
    int ns;           /* surfaces read: 1, or 4 (an m stencil, weights w) */
    double grow, df, rt;
    double w[4];
    const vk_surface *s[4];
    vk_surface_axes ax[4];
} vr_mark_cache_entry;
typedef struct vr_mark_cache {
    uint64_t pr;           /* the layer the entries belong to, by its serial number (another layer
                              clears them, even one built at a destroyed layer's address) */
    unsigned next;
    uint64_t hits, misses; /* counts (tests, profiles) */
    vr_mark_cache_entry e[VR_MARK_CACHE_SLOTS];
} vr_mark_cache;

/* vr_pricing_mark, bit for bit, sharing the (expiry, variance) part of SPX option marks through
 * c (NULL, another kind, or a model whose surface depends on more than one factor: vr_pricing_mark
 * itself). With VR_MARK_VOL_ONLY an SPX mark through c has only vol and fut (the same bits);
 * price, delta and vega are 0. */
vr_mark vr_pricing_mark_c(const vr_pricing *pr, const vr_instrument *in, const vr_state *s,
                          unsigned want, vr_mark_cache *c);

#endif
