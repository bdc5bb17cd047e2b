/* blob.h: a growable byte buffer and a bounded reader over one: how the pricing tables become the
 * bytes of a table-store file and back (pricing/table_store.c, the models' tables_save and
 * tables_load). The bytes are the structures as this build of the library lays them out; only the
 * same build reads them back (the store's key carries the build's identity). */
#ifndef VIXRISK_BLOB_H
#define VIXRISK_BLOB_H

#include <stddef.h>
#include <stdint.h>

typedef struct vr_blob {
    unsigned char *p;
    size_t n, cap;
    int bad; /* an allocation failed: the contents are incomplete */
} vr_blob;

/* Append n bytes (nothing when b->bad). */
void vr_blob_put(vr_blob *b, const void *src, size_t n);
void vr_blob_free(vr_blob *b);

typedef struct vr_blob_in {
    const unsigned char *p;
    size_t n, off;
} vr_blob_in;

/* Copy the next n bytes into dst: 1, or 0 (dst untouched, nothing consumed) when fewer remain. */
int vr_blob_get(vr_blob_in *r, void *dst, size_t n);
/* The next count items of size bytes each: a pointer to them in r (no copy), NULL when fewer
 * remain or count * size overflows. */
const void *vr_blob_take(vr_blob_in *r, size_t count, size_t size);

/* A 64-bit hash of n bytes continuing from h (start with VR_FNV_OFFSET): FNV-1a over 8-byte
 * words (the tail bytes one by one), then a final mix. Names files and catches damaged ones; not
 * a defence against a crafted file. */
#define VR_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t vr_hash64(uint64_t h, const void *p, size_t n);

#endif
