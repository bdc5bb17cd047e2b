/* alloc.c: aligned allocation (see vr_alloc.h). */
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"

void *vr_aligned_alloc_raw(size_t n)
{
    const size_t sz = (n + 63u) & ~(size_t)63u;
    return aligned_alloc(64, sz ? sz : 64);
}

void *vr_aligned_alloc(size_t n)
{
    const size_t sz = (n + 63u) & ~(size_t)63u;
    void *p = vr_aligned_alloc_raw(n);
    if (p != NULL)
        memset(p, 0, sz ? sz : 64);
    return p;
}

void vr_free(void *p)
{
    free(p);
}
