/* special.h: special functions shared by the model code (internal). */
#ifndef VIXRISK_SPECIAL_H
#define VIXRISK_SPECIAL_H

/* Regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 - P, each computed directly
 * (series for x < a + 1, Lentz continued fraction otherwise) so that small tails keep their
 * relative accuracy. Thread-safe (lgamma_r). */
void vr_inc_gamma(double a, double x, double *P, double *Q);

#endif
