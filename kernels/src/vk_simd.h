/* vk_simd.h: the thin vector layer the kernel templates are written against.
 *
 * A kernel template (kernels/src/NAME.inc) is compiled once per ISA: the per-ISA file defines
 * VK_ISA_AVX512 or VK_ISA_AVX2 and includes it. This header maps the few operations the kernels
 * need onto that ISA's intrinsics and SLEEF's vector functions of the same accuracy class as the
 * reference (log u10, sincos u35: measured here, sincospi u05 costs 2.8 ns
 * per element against 0.7 ns for sincos u35). Masks are whatever the ISA compares into (k-registers on
 * AVX-512, all-ones lanes on AVX2); vsel(m, a, b) takes a where m is set.
 *
 * The kernels use no FMA contraction (-ffp-contract=off) so that their arithmetic rounds like
 * the reference's; the remaining differences come from SLEEF's vector and scalar code paths. */
#ifndef VIXRISK_VK_SIMD_H
#define VIXRISK_VK_SIMD_H

#include <immintrin.h>
#include <sleef.h>
#include <stdint.h>

#if defined(VK_ISA_AVX512)

#define VK_W 8
#define VK_SUFFIX(name) name##_d_avx512
typedef __m512d vd;
typedef __m512i vu;
typedef __mmask8 vm;

static inline vd vload(const double *p) { return _mm512_load_pd(p); }
static inline void vstore(double *p, vd x) { _mm512_store_pd(p, x); }
static inline vd vset(double x) { return _mm512_set1_pd(x); }
static inline vd vadd(vd a, vd b) { return _mm512_add_pd(a, b); }
static inline vd vsub(vd a, vd b) { return _mm512_sub_pd(a, b); }
static inline vd vmul(vd a, vd b) { return _mm512_mul_pd(a, b); }
static inline vd vdiv(vd a, vd b) { return _mm512_div_pd(a, b); }
static inline vd vsqrt(vd a) { return _mm512_sqrt_pd(a); }
static inline vd vmax(vd a, vd b) { return _mm512_max_pd(a, b); }
static inline vm vle(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
static inline vm vgt(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
static inline vm vge(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
static inline vm vnot(vm a) { return (vm)~a; }
static inline vm vsel_m(vm m, vm a, vm b) { return (vm)((m & a) | (~m & b)); }
static inline vm vmand(vm a, vm b) { return (vm)(a & b); }
static inline vm vmor(vm a, vm b) { return (vm)(a | b); }
static inline int vmany(vm a) { return a != 0; }
static inline int vmlane(vm a, int i) { return (a >> i) & 1; }
static inline vd vsel(vm m, vd a, vd b) { return _mm512_mask_blend_pd(m, b, a); }
static inline vd vlog(vd x) { return Sleef_logd8_u10avx512f(x); }
static inline Sleef___m512d_2 vsincos(vd x) { return Sleef_sincosd8_u35avx512f(x); }
#define VSC_SIN(sc) ((sc).x)
#define VSC_COS(sc) ((sc).y)

static inline vu vuload(const uint64_t *p) { return _mm512_load_si512((const void *)p); }
static inline void vustore(uint64_t *p, vu x) { _mm512_store_si512((void *)p, x); }
static inline vu vuset(uint64_t x) { return _mm512_set1_epi64((long long)x); }
static inline vu vumul(vu a, vu b) { return _mm512_mullo_epi64(a, b); } /* AVX-512DQ */
static inline vu vuadd(vu a, vu b) { return _mm512_add_epi64(a, b); }
static inline vu vuxor(vu a, vu b) { return _mm512_xor_si512(a, b); }
static inline vu vuand(vu a, vu b) { return _mm512_and_si512(a, b); }
static inline vu vuor(vu a, vu b) { return _mm512_or_si512(a, b); }
static inline vu vusrl(vu a, int s) { return _mm512_srli_epi64(a, (unsigned)s); }
static inline vu vusll(vu a, int s) { return _mm512_slli_epi64(a, (unsigned)s); }
static inline vu vusrlv(vu a, vu s) { return _mm512_srlv_epi64(a, s); }
static inline vu vusllv(vu a, vu s) { return _mm512_sllv_epi64(a, s); }
static inline vu vusub(vu a, vu b) { return _mm512_sub_epi64(a, b); }
/* Exact for integers below 2^53 (AVX-512DQ converts 64-bit integers directly). */
static inline vd vu53_to_d(vu k) { return _mm512_cvtepu64_pd(k); }
static inline vm vueq0(vu a) { return _mm512_cmpeq_epi64_mask(a, _mm512_setzero_si512()); }

#elif defined(VK_ISA_AVX2)

#define VK_W 4
#define VK_SUFFIX(name) name##_d_avx2
typedef __m256d vd;
typedef __m256i vu;
typedef __m256d vm;

static inline vd vload(const double *p) { return _mm256_load_pd(p); }
static inline void vstore(double *p, vd x) { _mm256_store_pd(p, x); }
static inline vd vset(double x) { return _mm256_set1_pd(x); }
static inline vd vadd(vd a, vd b) { return _mm256_add_pd(a, b); }
static inline vd vsub(vd a, vd b) { return _mm256_sub_pd(a, b); }
static inline vd vmul(vd a, vd b) { return _mm256_mul_pd(a, b); }
static inline vd vdiv(vd a, vd b) { return _mm256_div_pd(a, b); }
static inline vd vsqrt(vd a) { return _mm256_sqrt_pd(a); }
static inline vd vmax(vd a, vd b) { return _mm256_max_pd(a, b); }
static inline vm vle(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
static inline vm vgt(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
static inline vm vge(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
static inline vm vnot(vm a) { return _mm256_xor_pd(a, _mm256_castsi256_pd(_mm256_set1_epi64x(-1))); }
static inline vm vsel_m(vm m, vm a, vm b) { return _mm256_blendv_pd(b, a, m); }
static inline vm vmand(vm a, vm b) { return _mm256_and_pd(a, b); }
static inline vm vmor(vm a, vm b) { return _mm256_or_pd(a, b); }
static inline int vmany(vm a) { return _mm256_movemask_pd(a) != 0; }
static inline int vmlane(vm a, int i) { return (_mm256_movemask_pd(a) >> i) & 1; }
static inline vd vsel(vm m, vd a, vd b) { return _mm256_blendv_pd(b, a, m); }
static inline vd vlog(vd x) { return Sleef_logd4_u10avx2(x); }
static inline Sleef___m256d_2 vsincos(vd x) { return Sleef_sincosd4_u35avx2(x); }
#define VSC_SIN(sc) ((sc).x)
#define VSC_COS(sc) ((sc).y)

static inline vu vuload(const uint64_t *p) { return _mm256_load_si256((const __m256i *)p); }
static inline void vustore(uint64_t *p, vu x) { _mm256_store_si256((__m256i *)p, x); }
static inline vu vuset(uint64_t x) { return _mm256_set1_epi64x((long long)x); }
/* AVX2 has no 64-bit multiply: build the low 64 bits of a*b from 32x32->64 products,
 * lo(a)lo(b) + ((hi(a)lo(b) + lo(a)hi(b)) << 32). */
static inline vu vumul(vu a, vu b)
{
    const __m256i lo = _mm256_mul_epu32(a, b);
    const __m256i ahi = _mm256_srli_epi64(a, 32), bhi = _mm256_srli_epi64(b, 32);
    const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(ahi, b), _mm256_mul_epu32(a, bhi));
    return _mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32));
}
static inline vu vuadd(vu a, vu b) { return _mm256_add_epi64(a, b); }
static inline vu vuxor(vu a, vu b) { return _mm256_xor_si256(a, b); }
static inline vu vuand(vu a, vu b) { return _mm256_and_si256(a, b); }
static inline vu vuor(vu a, vu b) { return _mm256_or_si256(a, b); }
static inline vu vusrl(vu a, int s) { return _mm256_srli_epi64(a, s); }
static inline vu vusll(vu a, int s) { return _mm256_slli_epi64(a, s); }
static inline vu vusrlv(vu a, vu s) { return _mm256_srlv_epi64(a, s); }
static inline vu vusllv(vu a, vu s) { return _mm256_sllv_epi64(a, s); }
static inline vu vusub(vu a, vu b) { return _mm256_sub_epi64(a, b); }
/* k < 2^53 to double without AVX-512DQ: split k = hi 2^32 + lo and convert each half with the
 * 2^52 magic-number trick (exact for halves below 2^52); the sum is exact because k < 2^53. */
static inline vd vu53_to_d(vu k)
{
    const __m256i magic = _mm256_set1_epi64x(0x4330000000000000LL); /* bits of 2^52 */
    const __m256d two52 = _mm256_set1_pd(0x1p52);
    const __m256i lo = _mm256_and_si256(k, _mm256_set1_epi64x(0xffffffffLL));
    const __m256i hi = _mm256_srli_epi64(k, 32);
    const __m256d dlo = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(lo, magic)), two52);
    const __m256d dhi = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(hi, magic)), two52);
    return _mm256_add_pd(_mm256_mul_pd(dhi, _mm256_set1_pd(0x1p32)), dlo);
}
static inline vm vueq0(vu a)
{
    return _mm256_castsi256_pd(_mm256_cmpeq_epi64(a, _mm256_setzero_si256()));
}

#else
#error "define VK_ISA_AVX512 or VK_ISA_AVX2 before including vk_simd.h"
#endif

/* One PCG32 step per lane: returns the 32-bit XSH-RR output in the low half of each 64-bit lane
 * (high half zero) and advances the state. The 32-bit rotate is done with 64-bit variable
 * shifts, which both ISAs have. */
static inline vu vpcg32(vu *state, vu inc)
{
    const vu old = *state;
    *state = vuadd(vumul(old, vuset(VK_PCG32_MULT)), inc);
    const vu xs = vuand(vusrl(vuxor(vusrl(old, 18), old), 27), vuset(0xffffffffULL));
    const vu rot = vusrl(old, 59);
    const vu left = vuand(vusllv(xs, vuand(vusub(vuset(32), rot), vuset(31))), vuset(0xffffffffULL));
    return vuor(vusrlv(xs, rot), left);
}

/* Uniform in (0,1) from two outputs, exactly as vk_u01_from_u32. */
static inline vd vpcg_u01(vu *state, vu inc)
{
    const vu hi = vpcg32(state, inc);
    const vu lo = vpcg32(state, inc);
    const vu k = vuor(vusll(hi, 21), vusrl(lo, 11));
    return vsel(vueq0(k), vset(0x1p-54), vmul(vu53_to_d(k), vset(0x1p-53)));
}

#endif
