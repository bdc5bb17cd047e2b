/* uninstrumented.h: the table builders' innermost loops, left out of the sanitizer build's
 * instrumentation.
 *
 * The sanitizer build (clang, ASan + UBSan, docs/testing.md) checks every load and store. In the
 * three loops that sum the pricing tables' series (surface.c cos_terms, vix_pricer.c
 * cos_sine_sum_n, svcj2_tables.c vix_part) they were the largest cost of the table builds, which
 * most tests make: without them test_svcj2_tables ran 66 s instead of 79 s, test_bench_runs 29 s
 * instead of 42 s (AMD EPYC, 2 threads, one test at a time; docs/testing.md). The same holds for
 * svcj2's Riccati solver (svcj2_cf.c riccati and its right-hand side: three-element locals and the
 * caller's out[3]) and the svcj2 VIX pricer's sine sums (svcj2_vix.c sine_sums). What
 * ASan could see there is little: each loop works on arrays its caller sized from the same
 * constants, most of them slices of one allocation (a run past a slice lands in the next one,
 * which ASan does not report). So these loops carry VR_UNINSTRUMENTED and check their bounds
 * against those sizes once on entry instead (VR_LEAF_REQUIRE: a failure aborts with the file,
 * line and condition, in every build). Their callees (the FFT, the transform's cache, libm) stay
 * instrumented: clang does not inline code across different sanitizer attributes. */
#ifndef VR_UNINSTRUMENTED_H
#define VR_UNINSTRUMENTED_H

#include <stdio.h>
#include <stdlib.h>

#if defined(__clang__) && defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VR_UNINSTRUMENTED __attribute__((no_sanitize("address", "undefined")))
#endif
#endif
#ifndef VR_UNINSTRUMENTED
#define VR_UNINSTRUMENTED
#endif

/* A loop's bounds against its buffers: a violation is a bug in the caller, never an input. */
#define VR_LEAF_REQUIRE(cond)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "vixrisk: internal error: %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
