/* special.c: special functions shared by the model code (one implementation each). */
#include <math.h>

#include "special.h"

/* Regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 - P, each computed directly
 * (series for x < a + 1, Lentz continued fraction otherwise) so that small tails keep their
 * relative accuracy. Both need O(sqrt(a)) iterations near x = a; the 5000-iteration cap covers
 * a up to ~2e5, the largest shape we pass. lgamma_r: lgamma writes the global signgam, a data
 * race under threads. */
void vr_inc_gamma(double a, double x, double *P, double *Q)
{
    if (!(x > 0)) {
        *P = 0.0;
        *Q = 1.0;
        return;
    }
    int sg;
    const double lpre = a * log(x) - x - lgamma_r(a, &sg);
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int n = 1; n < 5000; n++) {
            term *= x / (a + n);
            sum += term;
            if (term < 1e-17 * sum)
                break;
        }
        *P = fmin(sum * exp(lpre), 1.0);
        *Q = 1.0 - *P;
        return;
    }
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 5000; i++) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16)
            break;
    }
    *Q = fmin(exp(lpre) * h, 1.0);
    *P = 1.0 - *Q;
}
