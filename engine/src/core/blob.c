/* blob.c: byte buffers for the table store (see blob.h). */
#include "core/blob.h"

#include <stdlib.h>
#include <string.h>

void vr_blob_put(vr_blob *b, const void *src, size_t n)
{
    if (b->bad || n == 0)
        return;
    if (n > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->n < n) {
            if (cap > SIZE_MAX / 2) {
                b->bad = 1;
                return;
            }
            cap *= 2;
        }
        unsigned char *q = realloc(b->p, cap);
        if (q == NULL) {
            b->bad = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

void vr_blob_free(vr_blob *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    b->bad = 0;
}

int vr_blob_get(vr_blob_in *r, void *dst, size_t n)
{
    const void *s = vr_blob_take(r, n, 1);
    if (s == NULL)
        return 0;
    memcpy(dst, s, n);
    return 1;
}

const void *vr_blob_take(vr_blob_in *r, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    const size_t n = count * size;
    if (n > r->n - r->off)
        return NULL;
    const void *s = r->p + r->off;
    r->off += n;
    return s;
}

uint64_t vr_hash64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, c + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ c[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}
