/* surface_internal.h: the implied-vol surface builder of surface.c opened to a model whose law is
 * not one of the built-in one-factor ones (svcj2 builds one surface per level of its second
 * factor, svcj2_tables.c). Internal to the model layer.
 *
 * A source gives the characteristic function of X = ln(S_tau/F) at the node's variance v and
 * expiry node `it` (tau = vr_surface_tau_node(spec, it)), the scales that size the COS range
 * (total variance of X over tau, the reach of the jumps on each side), the normaliser of vk_surface.h
 * (vbar = max(vm + (v - th) (1 - e^{-kappa tau})/(kappa tau), 1e-6 vm)), the variance axis offset
 * and the default top of the variance axis. The one-factor build is this builder with the closed
 * forms (same arithmetic, same bits). */
#ifndef VIXRISK_SURFACE_INTERNAL_H
#define VIXRISK_SURFACE_INTERNAL_H

#include <complex.h>

#include "vixrisk/vr_surface.h"

typedef struct vr_surface_src {
    double complex (*cf)(const void *ctx, int it, double v, double tau, double u);
    /* total variance of X over tau, and how far the jumps reach below and above it (the COS
     * range is [-w/2 - h - reach_lo, -w/2 + h + reach_hi], h from w and the strikes) */
    void (*scales)(const void *ctx, double v, double tau, double *w_total, double *reach_lo,
                   double *reach_hi);
    const void *ctx;
    double kappa, th, vm;    /* normaliser */
    double v_eps;            /* variance axis: ln(v + v_eps) */
    double v_max_default;    /* v_max when the spec leaves v_min = v_max = 0 (capped at 16) */
    const char *name;        /* model name for messages */
} vr_surface_src;

/* The spec with its defaults filled in (and checked), as the builder will use it. */
vr_status vr_surface_spec_fill(const vr_surface_spec *in, const vr_surface_src *src,
                               vr_surface_spec *out, vr_err *err);

/* Expiry of node it (0 <= it < n_tau) of a filled spec: uniform in ln tau, ends exact. */
double vr_surface_tau_node(const vr_surface_spec *g, int it);

/* Build from a source (parallel over the (v, tau) nodes: src->cf must be thread-safe). */
vr_status vr_surface_build_src(const vr_surface_src *src, const vr_surface_spec *spec,
                               vr_surface **out, vr_err *err);

#endif
