/* term.c: the variance state behind the day's VIX and VIX3M (see vr_term.h).
 *
 * One factor: the model's own state_from_vix. Two factors: Cramer's rule on the two linear
 * equations of the 30-day and 93-day indices; a solution with a negative factor means the pair
 * (VIX, VIX3M) lies outside what the model can produce (e.g. a term structure steeper than its
 * mean reversion allows), and then that factor is set to 0 and the VIX alone is matched. A replay
 * day with the VIX alone lowers m where the kept m would hold the VIX above the day's
 * (vr_state_from_term_replay). */
#include "vixrisk/vr_term.h"

#include <math.h>

vr_term_fit vr_state_from_term_c(const vr_model_ops *ops, const vr_vix_coef *c30,
                                 const vr_vix_coef *c93, double vix, double vix3m, double *x)
{
    if (ops->nfactors < 2 || !(vix3m > 0) || !isfinite(vix3m)) {
        ops->state_from_vix(c30, vix, x);
        return VR_TERM_VIX_ONLY;
    }
    const double y1 = (vix / 100.0) * (vix / 100.0) - c30->a;
    const double y2 = (vix3m / 100.0) * (vix3m / 100.0) - c93->a;
    const double det = c30->bx[0] * c93->bx[1] - c30->bx[1] * c93->bx[0];
    if (!(fabs(det) > 1e-14)) {
        ops->state_from_vix(c30, vix, x);
        return VR_TERM_VIX_ONLY;
    }
    const double x0 = (y1 * c93->bx[1] - c30->bx[1] * y2) / det;
    const double x1 = (c30->bx[0] * y2 - y1 * c93->bx[0]) / det;
    if (x0 >= 0 && x1 >= 0) {
        x[0] = x0;
        x[1] = x1;
        return VR_TERM_EXACT;
    }
    if (x1 < 0) {
        x[1] = 0;
        const double v = y1 / c30->bx[0];
        x[0] = v > 0 ? v : 0;
    } else {
        x[0] = 0;
        const double m = y1 / c30->bx[1];
        x[1] = m > 0 ? m : 0;
    }
    return VR_TERM_CLAMPED;
}

vr_term_fit vr_state_from_term(const vr_model_ops *ops, const vr_sv_params *p, double vix,
                               double vix3m, double *x)
{
    const vr_vix_coef c30 = ops->vix_coef(p, VR_VIX_TAU_30D);
    const vr_vix_coef c93 = ops->vix_coef(p, VR_VIX_TAU_93D);
    return vr_state_from_term_c(ops, &c30, &c93, vix, vix3m, x);
}

vr_term_fit vr_state_from_term_replay(const vr_model_ops *ops, const vr_vix_coef *c30,
                                      const vr_vix_coef *c93, double vix, double vix3m, double *x)
{
    const vr_term_fit f = vr_state_from_term_c(ops, c30, c93, vix, vix3m, x);
    if (f != VR_TERM_VIX_ONLY || ops->nfactors < 2 || x[0] > 0 || !(c30->bx[1] > 0))
        return f;
    /* v is at 0: the kept m alone gives more than the VIX; m takes what the VIX needs */
    const double m = ((vix / 100.0) * (vix / 100.0) - c30->a) / c30->bx[1];
    if (m < x[1])
        x[1] = m > 0 ? m : 0;
    return f;
}
