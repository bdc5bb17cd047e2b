/* vr_sim.h: the block driver that generates joint SPX/variance paths.
 *
 * Paths are generated in blocks of `block` paths, step-major: for each step the driver draws the
 * random numbers of the whole block, advances the state with the model kernel and hands the block
 * to an observer (which marks and scores it while it is in cache). Blocks are distributed over
 * OpenMP threads; path p always draws from the PCG stream of (seed, scenario, p), so every number
 * a path sees, and hence every per-path result, is independent of the thread count, the block
 * schedule and (up to SLEEF's last-bit differences, see docs/numerics.md) the ISA.
 *
 * Random numbers per path-step, in this order: normal2 -> (zv, zs) [QE] or (zs, z2) [Euler],
 * uniform -> uv (QE exponential branch; drawn for Euler too, so schemes share streams), and for
 * jump models one more uniform for the Poisson count (plus the jump's own draws, see vk.h). With
 * `single` set the QE step's three 32-bit draws replace normal2 and the first uniform
 * (VR_STEP_QE_SINGLE below). The one-factor models' QE step draws its normal pair and uniform in
 * the step kernel itself (heston_qe_draw, vk.h): the same numbers in the same order. */
#ifndef VIXRISK_VR_SIM_H
#define VIXRISK_VR_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vk.h"

typedef enum vr_scheme { VR_SCHEME_QE = 0, VR_SCHEME_EULER = 1 } vr_scheme;

/* The step a model's path_step takes for scheme QE with `single` set (vr_sim_spec): the QE step
 * in single precision, which draws three 32-bit numbers per path-step instead of the normal pair
 * and the uniform above (vk.h, "Single precision"; docs/numerics.md). Jump models then draw their
 * Poisson uniform and jumps as in double precision. */
#define VR_STEP_QE_SINGLE 2

/* Where paths come from. MODEL: the stochastic-volatility model. HISTORY: the real daily SPX and
 * VIX of a window, replayed (every path is the same path). BOOTSTRAP: stationary block bootstrap
 * (Politis and Romano 1994) of joint daily (SPX log return, VIX log change) pairs of a window,
 * started at the model's spot and VIX. For both history kinds v is backed out of the VIX through
 * the pricing model's VIX formula, v = max(((VIX/100)^2 - a)/b, 0), so the same surfaces mark; a
 * two-factor model replaying history backs (v, m) out of the VIX and the VIX3M (vixc3m), and on
 * days with the VIX alone keeps m unless the VIX needs it lower (vr_state_from_term_replay). */
typedef enum vr_source { VR_SOURCE_MODEL = 0, VR_SOURCE_HISTORY = 1, VR_SOURCE_BOOTSTRAP = 2 } vr_source;

/* A shock imposed on every path after step `step` (model paths): a NAN field is not applied.
 * spx_return: S *= 1 + r; vix_level: v set so that the VIX equals it; vix_change: VIX += x. */
typedef struct vr_shock {
    size_t step;
    double spx_return, vix_level, vix_change;
    /* 0: spx_return moves the path after the step's own move (a jump on top of the day). 1 (a
     * preset's day): it replaces the moves since step `from` (the day's first step; the preset's
     * previous day), so the day's close-to-close return is the real one (added to the model's own
     * day until 2026-12-07: a path through oct2008 ended anywhere from -60% to +19%). */
    int replace;
    size_t from;
} vr_shock;

typedef struct vr_sim_spec {
    vr_model_type type;
    vr_sv_params params;   /* the set that drives the paths (physical, or pricing for `price`) */
    double spot, rate, dividend, v0;
    double m0;             /* second variance factor at t = 0 (two-factor models; else unused) */
    double horizon;        /* years, > 0 */
    size_t steps;          /* time steps over the horizon, >= 1 */
    size_t paths;          /* >= 1 */
    uint64_t seed;
    uint32_t scenario;
    vr_scheme scheme;
    int fast_log;          /* 1: the path kernels' fast variants (vk_fast_log; last bits differ) */
    int single;            /* 1: simulation.precision single: the QE step in float (model paths of
                              models whose ops have `single`, scheme QE; other numbers than
                              double's; fast_log does not change them) */
    size_t block;          /* paths per block: multiple of VK_LANES_MAX; 0 = default (1024) */
    int threads;           /* OpenMP threads; 0 = the OpenMP default */
    const vk_table *kt;    /* kernels; NULL = vk_select(NULL) */
    /* path source (default MODEL) and its data */
    vr_source source;
    const vr_history *hist;  /* HISTORY, BOOTSTRAP: the data ... */
    size_t hist_i0, hist_i1; /* ... and the window [i0, i1) of it */
    double block_mean;       /* BOOTSTRAP: mean block length in days, >= 1 */
    vr_vix_coef vixc;        /* HISTORY, BOOTSTRAP, shocks: VIX <-> state under the pricing model */
    vr_vix_coef vixc3m;      /* HISTORY, BOOTSTRAP: VIX3M <-> state under the pricing model (all
                                zero = not given). With it, a model with two variance factors
                                replays the state backed out of each day's VIX and VIX3M
                                (vr_term.h) where the data have VIX3M, so the replay's VIX3M is
                                the real one; a bootstrap path backs it out of the path's VIX and
                                the drawn day's VIX3M/VIX (without it m stays at m0) */
    int keep_m;              /* HISTORY, BOOTSTRAP, shocks, two factors: m cannot move (vr_model_m_fixed,
                                e.g. an svcj file with lambda1): the VIX alone sets v, m stays at
                                m0 also where the VIX needs it lower (the state then sits at the
                                model's floor), and vixc3m is not read */
    const vr_shock *shocks;  /* MODEL: shocks, sorted by step */
    int nshocks;
    /* The paths this call runs, [path_lo, path_hi) of the `paths` (an MPI rank's share): both
     * multiples of vr_sim_block_paths() (path_hi may also be `paths`); path_hi = 0: all paths.
     * Path p's numbers do not depend on the range it runs in. */
    size_t path_lo, path_hi;
    /* Consecutive blocks a thread takes at a time, at most (0 or 1: one). The run hands out
     * fewer when the blocks are few (at least 16 turns per thread), so that the threads still
     * finish together. Which thread runs a block never changes its numbers; the evaluator uses
     * the runs of consecutive blocks to hand its per-path outputs on in larger pieces. */
    size_t group;
} vr_sim_spec;

/* A block as the observer sees it: n valid paths starting at path0, arrays padded to npad
 * lanes, state after `step` steps (step 0 = the initial state). Read-only for observers.
 * The state is ln S and the model's nfactors variance factors x[0..nfactors) (vr_model_ops.h);
 * var is x[0], the instantaneous variance (may be < 0 under Euler: use max(v, 0)). */
typedef struct vr_sim_block {
    size_t path0, n, npad;
    const double *log_s;   /* ln S */
    const double *var;     /* = x[0] */
    int thread;            /* index of the calling thread, < the thread count */
    int nfactors;          /* variance factors of the model (1 or 2) */
    const double *x[VR_FACTORS_MAX]; /* the factors; NULL beyond nfactors */
    /* History and bootstrap paths: the path's own VIX (the day's close; the bootstrap's level,
     * moved by the drawn days' changes), which the factors reproduce except below the model's
     * floor, where they sit at it. NULL for model paths (their VIX is the state's). */
    const double *vix;
    /* Model paths, on a step where a shock acted: the VIX the shock asked of each lane where the
     * state cannot show it (below the model's floor, where the lane sits), NaN elsewhere; NULL on
     * every other step. */
    const double *shock_asked;
} vr_sim_block;

typedef struct vr_sim_observer {
    void *ctx;
    /* Called for steps 0..steps; NULL to skip (only the terminal state is then needed). */
    void (*on_step)(void *ctx, const vr_sim_block *b, size_t step);
    /* Called once per block after the last step. */
    void (*on_block_done)(void *ctx, const vr_sim_block *b);
} vr_sim_observer;

/* Constants of one time step of length dt under parameter set p (drift compensated for jumps). */
void vr_heston_coef_make(vr_model_type t, const vr_sv_params *p, double rate, double dividend,
                         double dt, vk_heston_coef *c);
/* Jump-step constants (Poisson CDF table etc.); returns 0 for heston (no jump step). */
int vr_jump_coef_make(vr_model_type t, const vr_sv_params *p, double dt, vk_jump_coef *c);

/* Validate the spec (sizes, block multiple, horizon) with messages naming the option. */
vr_status vr_sim_spec_check(const vr_sim_spec *s, vr_err *err);

/* The paths per block vr_sim_run uses for spec: `block` (default 1024), shrunk to the paths rounded
 * up to the lane multiple when fewer. Ranges of path_lo/path_hi are cut in these blocks. */
size_t vr_sim_block_paths(const vr_sim_spec *spec);

/* Run the simulation, calling the observer. Thread-safe observers required: on_step and
 * on_block_done run concurrently for different blocks. */
vr_status vr_sim_run(const vr_sim_spec *spec, const vr_sim_observer *obs, vr_err *err);

/* Convenience: terminal ln S and v of every path (arrays of spec->paths, caller-owned; var may be
 * NULL). */
vr_status vr_sim_terminal(const vr_sim_spec *spec, double *log_s, double *var, vr_err *err);
/* The same with every variance factor: x[j] (NULL to skip) receives factor j of every path. */
vr_status vr_sim_terminal_x(const vr_sim_spec *spec, double *log_s, double *const x[VR_FACTORS_MAX],
                            vr_err *err);

#endif
