/* vr_alloc.h: 64-byte aligned allocation for SoA buffers (kernel arrays must be aligned). */
#ifndef VIXRISK_VR_ALLOC_H
#define VIXRISK_VR_ALLOC_H

#include <stddef.h>

/* Zeroed, 64-byte aligned block of n bytes (rounded up to 64); NULL on failure. Free with vr_free. */
void *vr_aligned_alloc(size_t n);
void vr_free(void *p);

#endif
