/* vr_alloc.h: 64-byte aligned allocation for SoA buffers (kernel arrays must be aligned). */
#ifndef VIXRISK_VR_ALLOC_H
#define VIXRISK_VR_ALLOC_H

#include <stddef.h>

/* Zeroed, 64-byte aligned block of n bytes (rounded up to 64); NULL on failure. Free with vr_free. */
void *vr_aligned_alloc(size_t n);
/* The same block, not zeroed: for one filled at once (zeroing a fresh block touches its pages
 * twice, and first touches are what a large table's load costs). */
void *vr_aligned_alloc_raw(size_t n);
void vr_free(void *p);

#endif
