/* pcg.c: the scalar PCG32 generator (XSH-RR output on a 64-bit LCG), written from the published
 * description of the algorithm (M. E. O'Neill, "PCG: A Family of Simple Fast Space-Efficient
 * Statistically Good Algorithms for Random Number Generation", 2014). Tests check it against the
 * reference demo's outputs for seed 42, sequence 54.
 *
 * A hand-written generator rather than a library: Debian ships no PCG library, and the kernels
 * need the recurrence inline in their vector loops anyway. */
#include "vixrisk/vk.h"

static inline uint32_t rotr32(uint32_t x, unsigned r)
{
    return (x >> r) | (x << ((32u - r) & 31u));
}

uint32_t vk_pcg32_next(vk_pcg32 *r)
{
    const uint64_t old = r->state;
    r->state = old * VK_PCG32_MULT + r->inc;
    const uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    return rotr32(xorshifted, (unsigned)(old >> 59u));
}

void vk_pcg32_seed(vk_pcg32 *r, uint64_t initstate, uint64_t initseq)
{
    r->state = 0u;
    r->inc = (initseq << 1u) | 1u;
    (void)vk_pcg32_next(r);
    r->state += initstate;
    (void)vk_pcg32_next(r);
}

/* Brown's (1994) jump-ahead for LCGs: composes the affine map x -> a x + c with itself by
 * repeated squaring, so advancing costs O(log delta) multiplications. */
void vk_pcg32_advance(vk_pcg32 *r, uint64_t delta)
{
    uint64_t acc_mult = 1u, acc_plus = 0u;
    uint64_t cur_mult = VK_PCG32_MULT, cur_plus = r->inc;
    while (delta > 0) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1u) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1u;
    }
    r->state = acc_mult * r->state + acc_plus;
}

/* SplitMix64 finaliser (Steele, Lea and Flood 2014): a bijective 64-bit mixer. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void vk_pcg32_stream(vk_pcg32 *r, uint64_t seed, uint32_t scenario, uint64_t path)
{
    /* Hash (seed, scenario, path) twice with different salts: one value for the state, one for
     * the increment. Equal increments with different states would give shifted copies of one
     * sequence; distinct hashed increments make the streams unrelated. */
    const uint64_t key = mix64(seed ^ mix64(((uint64_t)scenario << 40) ^ 0x5eed5eed5eedULL)) ^ path;
    const uint64_t h1 = mix64(key + 0x9e3779b97f4a7c15ULL);
    const uint64_t h2 = mix64(key + 2 * 0x9e3779b97f4a7c15ULL);
    vk_pcg32_seed(r, h1, h2);
}
