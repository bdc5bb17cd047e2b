/* vr_price.h: Monte Carlo prices of single European options under a model, next to the
 * model's direct (semi-analytic) price: the `vixrisk price` command and the end-to-end check of
 * the path generator. */
#ifndef VIXRISK_VR_PRICE_H
#define VIXRISK_VR_PRICE_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_sim.h"

typedef enum vr_underlying { VR_UNDERLYING_SPX = 0, VR_UNDERLYING_VIX = 1 } vr_underlying;
typedef enum vr_option_kind { VR_OPTION_CALL = 0, VR_OPTION_PUT = 1, VR_OPTION_FUTURE = 2 } vr_option_kind;

/* The shortest expiry priced, years (about a third of a second): no option a trader holds is
 * shorter, and the path step's coefficients (1 - e^{-kappa dt} and its kin) lose their digits as dt
 * goes to 0 (the single-precision step broke down by 1e-20 years, the double one by 1e-160, with
 * a state that was not finite). */
#define VR_PRICE_EXPIRY_MIN 1e-8

typedef struct vr_price_req {
    vr_model model;          /* paths run under model.pricing (risk-neutral) */
    vr_underlying underlying;
    vr_option_kind option;   /* FUTURE only for VIX */
    double strike;           /* > 0 (ignored for futures) */
    double expiry;           /* years, [VR_PRICE_EXPIRY_MIN, 50] */
    size_t paths;            /* >= 1 */
    size_t steps_per_year;   /* time steps per year; steps = ceil(expiry * steps_per_year) */
    uint64_t seed;
    vr_scheme scheme;
    int fast_log;          /* --fast-log: path kernels with SLEEF's 3.5-ulp log (vr_sim.h) */
    int single;            /* --precision single: the QE step in float (vr_sim.h) */
    int threads;             /* 0 = OpenMP default */
    const vk_table *kt;      /* NULL = best ISA */
    int no_surface;          /* 1: skip the pricing tables (surface stays NAN); they take seconds
                              * to build and a Monte Carlo check against the direct pricer
                              * does not need them */
} vr_price_req;

typedef struct vr_price_result {
    double mc, se;           /* discounted MC price and its standard error */
    double analytic;         /* direct pricer: always finite when vr_price returns VR_OK */
    double surface;          /* tabulated price used along paths (NAN when there is none) */
    double surface_k;        /* SPX: k = ln(K/F)/sqrt(T) when |k| > VR_SURFACE_DEFAULT_KMAX, where
                                the tables' lookup is flat in vol (so `surface` misses the model's
                                tail there: exact for a deep in-the-money option whose
                                out-of-the-money part is negligible, 9% low for a 1-day put at 2 x
                                spot under svcj2's extreme edge); NAN otherwise */
    char surface_none[600];  /* why `surface` is absent although the tables were asked for (they
                                did not build, e.g. a set outside their checked domain, or their
                                price is not finite; room for a whole vr_err message); empty
                                otherwise */
    double surface_days;     /* when the tables to a year were refused and `surface` comes from
                                tables to the option's expiry (what a run whose longest trade is
                                this option builds): their extent in calendar days; NAN otherwise */
    char surface_year[600];  /* with surface_days: why the tables to a year were refused */
    double z;                /* (mc - analytic) / se; NAN when se = 0 (one path) */
    size_t steps;
    double seconds;          /* wall time of the simulation */
} vr_price_result;

/* Runs the Monte Carlo and the direct pricer (vr_analytic_european for SPX, vr_vix_future /
 * vr_vix_option for VIX). If the direct pricer fails, returns its status (VR_ENUM: it did not
 * reach its tolerance, with a message naming the model, parameters, strike and expiry) and its
 * message in err: the command then reports the reason instead of printing a non-finite price. */
vr_status vr_price(const vr_price_req *req, vr_price_result *res, vr_err *err);

#endif
