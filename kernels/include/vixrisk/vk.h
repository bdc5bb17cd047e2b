/* vk.h: the numerical kernels of vixrisk and the table that dispatches them by ISA.
 *
 * Kernels are pure loops over blocks of paths held as structure-of-arrays: every array argument
 * holds one value per path ("lane"), is 64-byte aligned, and n is a multiple of VK_LANES_MAX
 * (the caller pads a block's tail). Kernels never allocate, log, read configuration or call back
 * into the engine; the engine validated every input before it precomputed the coefficient
 * structs below.
 *
 * The kernels are listed once, in vk_kernels.h. Each exists as a scalar reference (kernels/ref,
 * the specification, compiled without vector flags and with -ffp-contract=off) and, where a
 * template exists (kernels/src/NAME.inc, written against the vector vocabulary of
 * kernels/src/vk_isa_*.h), as AVX2 and AVX-512 versions generated from that one template.
 * vk_select() picks the widest set the CPU supports (or the one VIXRISK_ISA names); every slot
 * an ISA lacks holds the reference. */
#ifndef VIXRISK_VK_H
#define VIXRISK_VK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define VK_LANES_MAX 8  /* widest vector in doubles (AVX-512); block sizes are multiples of it */
#define VK_ALIGN 64
#define VK_TWO_PI 6.283185307179586476925286766559 /* Box-Muller angle scale */

/* ---- PCG32 (O'Neill 2014, XSH-RR output of a 64-bit LCG) ----------------------------------
 * Scalar generator for seeding, tests and golden outputs. The lane-parallel kernels below run
 * the same recurrence with one stream per path (state[i], inc[i]); inc must be odd. */
typedef struct vk_pcg32 {
    uint64_t state;
    uint64_t inc;
} vk_pcg32;

#define VK_PCG32_MULT 6364136223846793005ULL

/* Seed as in the reference implementation's pcg32_srandom_r(initstate, initseq). */
void vk_pcg32_seed(vk_pcg32 *r, uint64_t initstate, uint64_t initseq);
uint32_t vk_pcg32_next(vk_pcg32 *r);
/* Jump ahead (or back, with a negative delta as two's complement) by delta steps in O(log delta). */
void vk_pcg32_advance(vk_pcg32 *r, uint64_t delta);

/* The stream of path `path` in scenario `scenario` of a run with seed `seed`: state and
 * increment both come from a SplitMix64-style hash of (seed, scenario, path), so nearby paths get
 * unrelated streams and a path's numbers do not depend on the block or thread that runs it. */
void vk_pcg32_stream(vk_pcg32 *r, uint64_t seed, uint32_t scenario, uint64_t path);

/* Convert two successive 32-bit outputs (hi first) to a double in (0, 1) with 53 random bits:
 * k = hi * 2^21 + (lo >> 11), u = k * 2^-53, and k = 0 maps to 2^-54 so that u > 0 always. */
static inline double vk_u01_from_u32(uint32_t hi, uint32_t lo)
{
    const uint64_t k = ((uint64_t)hi << 21) | (lo >> 11);
    return k ? (double)k * 0x1p-53 : 0x1p-54;
}

/* ---- Kernels (signatures: the list in vk_kernels.h) ------------------------------------------ */

/* uniform: one uniform in (0,1) per lane (two PCG32 outputs each); advances every lane's stream
 * by 2.
 * normal2: two independent standard normals per lane by Box-Muller on two uniforms (four PCG32
 * outputs): r = sqrt(-2 ln u1), z1 = r cos(2 pi u2), z2 = r sin(2 pi u2) (SLEEF log u10,
 * sincos u35). Advances each stream by 4.
 * normal2_fast, heston_qe_fast, heston_qe_draw_fast, svcj2_step_fast, svcj2_step_draw_fast: the
 * same kernels with SLEEF's 3.5-ulp log
 * (u35) in place of the 1-ulp one, for simulation.fast_log (vk_fast_log below): within 8 ulp of
 * the reference per call (docs/numerics.md, "fast_log").
 *
 * Single precision (simulation.precision: single, docs/numerics.md "single precision"):
 * heston_qe_single is one QE step of heston_qe that draws its own numbers: three PCG32 outputs per
 * lane (the stream advances by 3), each a float uniform by vk_f01_from_u32: u1, u2 give
 * r = sqrt(-2 ln u1), zv = r cos(2 pi u2), zs = r sin(2 pi u2), and u3 is uv. The step is
 * heston_qe's in float, rearranged where float would lose a cancellation that double absorbs
 * (kernels/ref/heston_single_ref.c): the constants of vk_heston_single_coef, v read from var
 * (clamped to VK_SINGLE_VMAX) rounded to float, SLEEF's 3.5-ulp logf and sincosf; the increment
 * of ln S is added to log_s in double, and var receives the new float v exactly. A vector ISA runs twice as many float lanes as double
 * lanes. With 24-bit uniforms |z| <= sqrt(-2 ln 2^-25) = 5.89. */

/* Single-precision marks (simulation.mark_precision: single, docs/numerics.md "mark_precision:
 * single"): black_greeks_sf and surface_vol_sf take and return doubles like black_greeks and
 * surface_vol, round each input to float and compute in float on twice the lanes per vector
 * (SLEEF's logf, expf, expm1f u10); the outputs are the floats widened. N(x) is the double
 * kernel's construction in float, exp(-t^2/2) Q(t) with a degree-8 polynomial for Q and t clamped
 * to 12 (vk_simd_math.h), with one exponential: exp(-d2^2/2) = exp(-d1^2/2) F/K, and phi(d1) from
 * the same exp(-t1^2/2). The lookup's record index is formed in int32 (the builder keeps a table
 * below 2^31 floats). The references
 * (vk_black_greeks_sf_d_ref in bs_ref.c, vk_surface_vol_sf_d_ref in surface_ref.c) are the
 * specification of the order of the operations; a vector ISA agrees with them within a few float
 * ulps (SLEEF's vector and scalar code paths differ). moneyness, which those tables' users call for
 * the lookup's k in place of the C library's log, is k[i] = ln(strike[i]/fwd[i])/rt[i] where
 * tau[i] > 0, else 0, in double with SLEEF's u10 log (reference vk_moneyness_d_ref). */

/* A double rounded to float as the vector conversion rounds it (to nearest), with the values
 * beyond float's range going to +-infinity where the C conversion would be undefined. */
static inline float vk_to_float(double x)
{
    if (x >= 0x1.ffffffp+127)
        return INFINITY;
    if (x <= -0x1.ffffffp+127)
        return -INFINITY;
    return (float)x;
}

/* 1/sqrt(2 pi) in float, for the single-precision marks. */
#define VK_INV_SQRT_2PIF 0.39894228040143267794f

/* Convert one 32-bit output to a float in (0, 1) with 24 random bits: k = x >> 8, u = k 2^-24,
 * and k = 0 maps to 2^-25 so that u > 0 always (u <= 1 - 2^-24 < 1). */
static inline float vk_f01_from_u32(uint32_t x)
{
    const uint32_t k = x >> 8;
    return k ? (float)k * 0x1p-24f : 0x1p-25f;
}

/* Constants of one Heston time step of length dt under one parameter set (model.c fills it). */
typedef struct vk_heston_coef {
    double dt;
    double drift;      /* (r - q - lambda*kbar) dt: risk-neutral or physical log drift, compensated */
    double kappa, theta, sigma, rho;
    double ekdt;       /* e^{-kappa dt} */
    double c_v, c_t;   /* s^2 = c_v v + c_t with c_v = sigma^2 e (1-e)/kappa, c_t = theta sigma^2 (1-e)^2/(2 kappa) */
    double psi_c;      /* QE switching level (1.5) */
    double k0, k1, k2, k3, k4; /* Andersen's log-price coefficients, gamma1 = gamma2 = 1/2 */
    double a_mart;     /* A = K2 + K4/2 of the martingale correction */
    double sqrt_dt, rho_bar; /* Euler: sqrt(dt), sqrt(1 - rho^2) */
} vk_heston_coef;

/* log1p(x), x > -1, in single precision from SLEEF's 3.5-ulp logf: u = 1 + x, then
 * log(u) x / (u - 1) where u != 1 and x where u = 1 (Goldberg 1991, "What every computer
 * scientist should know about floating-point arithmetic", theorem 4: the quotient cancels the
 * rounding of u). By hand because SLEEF's log1pf (u10 only) costs about 1 ns per element on
 * AVX-512, a third of the whole single-precision step; this costs a division. The vector kernels
 * evaluate the same expression (vflog1p, kernels/src/vk_vec.h). */
float vk_log1pf(float x);

/* The single-precision step clamps v to this before it becomes a float. */
#define VK_SINGLE_VMAX 1e6

/* The constants of the single-precision step in float, derived once from vk_heston_coef (in
 * double, then rounded) for the reference and every vector variant alike. th1 = theta (1 -
 * e^{-kappa dt}), om = 1 - e^{-kappa dt}, ip_c = 2/psi_c, m2a = -2 A, h3 = K3/2, h4 = K4/2,
 * rs = rho/sigma = (K2 - K1)/2, kd = (K1 + K2)/2 (heston_single_ref.c has the formulas). */
typedef struct vk_heston_single_coef {
    float ekdt, th1, c_v, c_t, ip_c, A, m2a, k0, k2, k3, k4, h3, h4, rs, kd, theta, om, drift;
} vk_heston_single_coef;

static inline vk_heston_single_coef vk_heston_single_coef_make(const vk_heston_coef *c)
{
    const float A = (float)c->a_mart;
    const vk_heston_single_coef f = {
        .ekdt = (float)c->ekdt, .th1 = (float)(c->theta * (1.0 - c->ekdt)), .c_v = (float)c->c_v,
        .c_t = (float)c->c_t, .ip_c = (float)(2.0 / c->psi_c), .A = A, .m2a = -(2.0f * A),
        .k0 = (float)c->k0, .k2 = (float)c->k2, .k3 = (float)c->k3, .k4 = (float)c->k4,
        .h3 = (float)(0.5 * c->k3), .h4 = (float)(0.5 * c->k4),
        .rs = (float)(0.5 * (c->k2 - c->k1)), .kd = (float)(0.5 * (c->k1 + c->k2)),
        .theta = (float)c->theta, .om = (float)(1.0 - c->ekdt), .drift = (float)c->drift,
    };
    return f;
}

/* heston_qe: Andersen (2008) quadratic-exponential step of (log S, v) with the
 * martingale-corrected log-price step. zv: normal for the quadratic branch; uv: uniform for the
 * exponential branch; zs: normal for log S (independent of zv, uv: correlation enters through
 * K1, K2).
 * heston_qe_draw: normal2, uniform and heston_qe in one pass, the draws kept in registers: each
 * lane draws (zv, zs) as normal2 and then uv as uniform from its own stream (advanced by 6) and
 * takes heston_qe's step with them. A variant gives the same bits as those three kernels of its
 * own table called in turn (tests/test_kernels.c); heston_qe_draw_fast is that of the *_fast
 * kernels.
 * heston_euler: full-truncation Euler step: v+ = max(v,0), log S += drift - v+ dt/2 +
 * sqrt(v+ dt) z_s, v += kappa(theta - v+)dt + sigma sqrt(v+ dt)(rho z_s + rho_bar z_2). The
 * state v may go negative; consumers use max(v, 0). */

/* jump: compound-Poisson jumps over one step, added after the diffusion step. The count N comes from
 * uc by inverting the Poisson(lambda dt) CDF (cdf[k] = P(N <= k), capped at kmax where the tail
 * mass is below 2^-60). Only lanes with N >= 1 (probability ~ lambda dt) draw more numbers, from
 * their own stream, in a per-lane routine every variant shares (vk_jump_apply), so the streams
 * stay aligned across ISAs:
 *   bates: log S += N mu_j + sqrt(N) sigma_j Z                   (exact sum of N normal jumps)
 *   svcj:  Zv = -mu_v ln(U_1 ... U_N) ~ mu_v Gamma(N, 1);  v += Zv;
 *          log S += N mu_s + rho_j Zv + sqrt(N) sigma_s Z. */
#define VK_POISSON_KMAX 32
typedef struct vk_jump_coef {
    int model;        /* 1 = bates, 2 = svcj */
    int kmax;
    double cdf[VK_POISSON_KMAX];
    double mu, sigma; /* bates: mu_j, sigma_j; svcj: mu_s, sigma_s */
    double mu_v, rho_j;
} vk_jump_coef;

/* The per-lane part of the jump step for a lane with count >= 1 jumps (scalar, shared). */
void vk_jump_apply(const vk_jump_coef *c, uint64_t *state, uint64_t inc, int count,
                   double *log_s, double *var);

/* vix: VIX-style index from the state: out = 100 sqrt(max(a + b v, 0)). */

#include "vixrisk/vk_bs.h"      /* Black-76 and the normal CDF */
#include "vixrisk/vk_surface.h" /* implied-vol surface lookup */
#include "vixrisk/vk_vixtab.h"  /* VIX option table lookup */
#include "vixrisk/vk_svcj2.h"   /* svcj2 path step */
#include "vixrisk/vk_kernels.h" /* the list of kernels, their types and reference prototypes */

/* One kernel set: a slot per entry of VK_KERNELS, named like the kernel. Every slot of every
 * table is filled: an ISA without its own version of a kernel carries the reference's. */
typedef struct vk_table {
    const char *isa; /* "scalar", "avx2", "avx512" */
    int lanes;       /* doubles per vector */
    int single_marks; /* 1 in the tables of vk_single_marks: the pricing layer takes the SPX
                         options' moneyness from the moneyness kernel, not the C library's log */
#define VK_KERNEL_SLOT_(name, params) vk_##name##_fn name;
    VK_KERNELS(VK_KERNEL_SLOT_)
#undef VK_KERNEL_SLOT_
} vk_table;

/* The kernel table for `force`: "scalar", "avx2" or "avx512"; NULL or "" means the environment
 * variable VIXRISK_ISA if it is set and not empty, else the best set this CPU (and OS) supports.
 * Returns NULL if the name asked for (by force or by VIXRISK_ISA) is unknown or not supported
 * here; vk_select_error() then says which, in a sentence. The returned table is static and
 * immutable. Thread-safe: CPU detection and the tables are built once, on the first call. */
const vk_table *vk_select(const char *force);

/* Why vk_select(force) returns NULL, as one sentence naming the ISA, where the name came from
 * (argument or VIXRISK_ISA), the known ISAs and those this CPU runs, e.g.
 *   "VIXRISK_ISA=avx512: not supported by this CPU (available: scalar avx2)";
 * writes "" if vk_select(force) succeeds. Returns msg. */
char *vk_select_error(const char *force, char *msg, size_t cap);

/* The same ISA's table with the path kernels' fast variants in the slots the engine calls:
 * normal2, heston_qe, heston_qe_draw, svcj2_step and svcj2_step_draw hold their *_fast
 * variants (every other slot is t's). The fast variants use SLEEF's 3.5-ulp log instead of the 1-ulp one;
 * the results differ from the default in the last bits (docs/numerics.md, "fast_log"). For a
 * table of vk_select or vk_fast_log (or vk_table_ref) returns a static table; for any other
 * table, NULL. */
const vk_table *vk_fast_log(const vk_table *t);

/* The same ISA's table with the single-precision marks in the slots the pricing layer calls:
 * surface_vol and black_greeks hold surface_vol_sf and black_greeks_sf; every other slot is that
 * of the ISA's default table (vk_select's): the VIX options' table, and the default path kernels
 * even for a table of vk_fast_log (the evaluator calls this table for the daily marks only, its
 * paths keep their own). For simulation.mark_precision: single (the daily marks of the positions;
 * docs/numerics.md, "single-precision marks"). For a table of vk_select,
 * vk_fast_log or vk_single_marks (or vk_table_ref) returns a static table; for any other, NULL. */
const vk_table *vk_single_marks(const vk_table *t);

/* Names of the ISAs this CPU can run, best last: fills up to max pointers, returns the count. */
int vk_available(const char **names, int max);

/* Names of every ISA compiled into the library (whether or not this CPU runs it), in the order
 * of vk_available: fills up to max pointers, returns the count (3 today). */
int vk_isa_names(const char **names, int max);

/* Loaded objects, as dl_iterate_phdr describes them (<link.h>). */
struct dl_phdr_info;

/* 1 if one of the PT_LOAD segments of the object `info` describes holds address addr. */
int vk_object_holds(const struct dl_phdr_info *info, uintptr_t addr);

/* 1 if the object `info` describes is SLEEF's: with by_name, its shared library (a name with
 * "/libsleef.so" in it); without, the object holding Sleef_log_u10 (the executable when SLEEF is
 * linked in statically). The first vk_select maps that object's read-only pages (vk_dispatch.c,
 * prefault). */
int vk_is_sleef_object(const struct dl_phdr_info *info, int by_name);

/* The reference kernels as a table (tests compare every table entry against these). */
extern const vk_table vk_table_ref;

#endif
