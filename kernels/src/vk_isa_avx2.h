/* vk_isa_avx2.h: the whole vector vocabulary of the kernel templates on AVX2 + FMA (4 doubles).
 *
 * A kernel template (kernels/src/NAME.inc) contains no intrinsic and no ISA test: it is written
 * against the names defined here and in vk_isa_avx512.h (the same names, the same semantics), and
 * CMake generates one file per (ISA, template) that includes this header and then the template
 * (cmake/vk_kernel_isa.c.in). Only those files are compiled with -mavx2 -mfma. ISA-free helpers
 * built from the vocabulary (PCG32 step, exp, normal CDF) follow in vk_vec.h, included at the end.
 *
 * Types: vd (doubles), vu (64-bit unsigned lanes), vm (a lane mask: all-ones lanes on AVX2,
 * k-registers on AVX-512), vidx (one int32 index per double lane, for gathers), vrec (one 64-bit
 * word per double lane: a record's words, vrecord_fpairs). vsel(m, a, b) takes a where m is set.
 * Min and max follow the instructions: when an operand is NaN they return the second one (the
 * templates rely on it to put NaN lanes on a clamp bound, as the references' fmax/fmin do).
 * Transcendentals are SLEEF's vector functions of the accuracy class of the references' scalar
 * calls (log and expm1 u10, sincos u35; sincospi u05 measured 2.8 ns per element against 0.7 ns
 * for sincos u35).
 *
 * The templates are compiled with -ffp-contract=off so that their arithmetic rounds like the
 * references'; the remaining differences come from SLEEF's vector and scalar code paths. */
#ifndef VIXRISK_VK_ISA_H
#define VIXRISK_VK_ISA_H

#include <immintrin.h>
#include <sleef.h>
#include <stdint.h>

#define VK_ISA_AVX2 1
#define VK_W 4
#define VK_SUFFIX(name) name##_d_avx2
typedef __m256d vd;
typedef __m256i vu;
typedef __m256d vm;
typedef __m128i vidx;

/* ---- doubles ------------------------------------------------------------------------------- */
static inline vd vload(const double *p) { return _mm256_load_pd(p); }
static inline void vstore(double *p, vd x) { _mm256_store_pd(p, x); }
static inline vd vset(double x) { return _mm256_set1_pd(x); }
static inline vd vadd(vd a, vd b) { return _mm256_add_pd(a, b); }
static inline vd vsub(vd a, vd b) { return _mm256_sub_pd(a, b); }
static inline vd vmul(vd a, vd b) { return _mm256_mul_pd(a, b); }
static inline vd vdiv(vd a, vd b) { return _mm256_div_pd(a, b); }
static inline vd vsqrt(vd a) { return _mm256_sqrt_pd(a); }
static inline vd vmax(vd a, vd b) { return _mm256_max_pd(a, b); }
static inline vd vmin(vd a, vd b) { return _mm256_min_pd(a, b); }
static inline vd vabs(vd a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
/* Flips the sign bit, as C's unary minus (0 - a would turn -0 into +0). */
static inline vd vneg(vd a) { return _mm256_xor_pd(a, _mm256_set1_pd(-0.0)); }
static inline vd vfloor(vd a) { return _mm256_floor_pd(a); }

/* ---- masks --------------------------------------------------------------------------------- */
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

/* ---- SLEEF --------------------------------------------------------------------------------- */
static inline vd vlog(vd x) { return Sleef_logd4_u10avx2(x); }
/* SLEEF's 3.5-ulp log, for the *_fast path kernels only (vk.h, "fast_log"): half the cost of
 * the 1-ulp one here; marks keep vlog. */
static inline vd vlog_fast(vd x) { return Sleef_logd4_u35avx2(x); }
static inline vd vexpm1(vd x) { return Sleef_expm1d4_u10avx2(x); }
static inline void vsincos(vd x, vd *s, vd *c)
{
    const Sleef___m256d_2 sc = Sleef_sincosd4_u35avx2(x);
    *s = sc.x;
    *c = sc.y;
}

/* ---- 64-bit integer lanes ------------------------------------------------------------------ */
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
/* The low 32 bits of each lane of x (high half zero) rotated right by r (< 32, high half zero),
 * with 64-bit variable shifts (AVX2 has no rotate). */
static inline vu vurotr32(vu x, vu r)
{
    const vu m32 = _mm256_set1_epi64x(0xffffffffLL);
    const vu left = _mm256_and_si256(
        _mm256_sllv_epi64(x, _mm256_and_si256(_mm256_sub_epi64(_mm256_set1_epi64x(32), r),
                                              _mm256_set1_epi64x(31))),
        m32);
    return _mm256_or_si256(_mm256_srlv_epi64(x, r), left);
}
static inline vu vusub(vu a, vu b) { return _mm256_sub_epi64(a, b); }
static inline vm vueq0(vu a) { return _mm256_castsi256_pd(_mm256_cmpeq_epi64(a, _mm256_setzero_si256())); }

/* ---- conversions --------------------------------------------------------------------------- */
static inline vu vd_bits(vd x) { return _mm256_castpd_si256(x); }
static inline vd vbits_d(vu x) { return _mm256_castsi256_pd(x); }
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
/* Truncation of integral doubles in int32 range to gather indices. */
static inline vidx vtoidx(vd a) { return _mm256_cvttpd_epi32(a); }
/* The lanes of i to p[0 .. VK_W) (p aligned as vidx). */
static inline void vstore_idx(int32_t *p, vidx i) { _mm_store_si128((__m128i *)p, i); }

/* ---- gathers and record loads -------------------------------------------------------------- */
/* 64-bit words of a record, one per lane (vrecord_fpairs). */
typedef __m256i vrec;
/* base[i] per lane. */
static inline vd vgather(const double *base, vidx i) { return _mm256_i32gather_pd(base, i, 8); }
/* The float pairs at base + 2 o[l] + 2 j, j = 0..7 (the 64-byte record of 16 floats that starts
 * at base + 2 o[l] in lane l), as g[j] (word j of every lane), by two 32-byte loads per lane
 * and two 4 x 4 transposes of 64-bit words instead of eight gathers (results/BENCHMARKS.md,
 * option marks). */
static inline void vrecord_fpairs(const float *base, const int32_t *o, vrec g[8])
{
    for (int h = 0; h < 2; h++) { /* words 4h .. 4h + 3 */
        __m256i r[4], t[4];
        for (int l = 0; l < 4; l++)
            r[l] = _mm256_loadu_si256(
                (const __m256i *)(const void *)(base + 2 * (ptrdiff_t)o[l] + 8 * h));
        for (int l = 0; l < 4; l += 2) { /* t[l]: words 0, 2 of lanes l, l+1; t[l+1]: 1, 3 */
            t[l] = _mm256_unpacklo_epi64(r[l], r[l + 1]);
            t[l + 1] = _mm256_unpackhi_epi64(r[l], r[l + 1]);
        }
        for (int e = 0; e < 2; e++) {
            g[4 * h + e] = _mm256_permute2x128_si256(t[e], t[2 + e], 0x20);
            g[4 * h + 2 + e] = _mm256_permute2x128_si256(t[e], t[2 + e], 0x31);
        }
    }
}
/* The four doubles at base + o[l] + j, j = 0..3, of each lane l, as g[j] (word j of every lane):
 * one 32-byte load per lane and a 4 x 4 transpose instead of four gathers. */
static inline void vrow4(const double *base, const int32_t *o, vd g[4])
{
    __m256d r[4], t[4];
    for (int l = 0; l < 4; l++)
        r[l] = _mm256_loadu_pd(base + o[l]);
    for (int l = 0; l < 4; l += 2) { /* t[l]: words 0, 2 of lanes l, l+1; t[l+1]: 1, 3 */
        t[l] = _mm256_unpacklo_pd(r[l], r[l + 1]);
        t[l + 1] = _mm256_unpackhi_pd(r[l], r[l + 1]);
    }
    for (int e = 0; e < 2; e++) {
        g[e] = _mm256_permute2f128_pd(t[e], t[2 + e], 0x20);
        g[2 + e] = _mm256_permute2f128_pd(t[e], t[2 + e], 0x31);
    }
}
/* The float pair in each 64-bit word of g, widened to doubles: the first float to lo, the second
 * to hi. */
static inline void vfpair_split(vrec g, vd *lo, vd *hi)
{
    const __m256 p = _mm256_castsi256_ps(
        _mm256_permutevar8x32_epi32(g, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7)));
    *lo = _mm256_cvtps_pd(_mm256_castps256_ps128(p));
    *hi = _mm256_cvtps_pd(_mm256_extractf128_ps(p, 1));
}

/* ---- floats (single precision: the *_single path kernels, vk.h "single precision") ---------- */
/* vf holds VK_WF = 2 VK_W floats: lanes 0 .. VK_W - 1 come from the first of two vd or vu, lanes
 * VK_W .. 2 VK_W - 1 from the second. */
#define VK_WF 8
typedef __m256 vf;
typedef __m256 vfm;
static inline vf vfset(float x) { return _mm256_set1_ps(x); }
static inline vf vfadd(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vfsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vfmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vfdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vfsqrt(vf a) { return _mm256_sqrt_ps(a); }
static inline vf vfmax(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vfm vfle(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline vfm vfgt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vfm vfge(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
static inline vfm vfeq(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
static inline int vfmall(vfm a) { return _mm256_movemask_ps(a) == 0xff; }
static inline vf vfsel(vfm m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
static inline vfm vfsel_m(vfm m, vfm a, vfm b) { return _mm256_blendv_ps(b, a, m); }
/* SLEEF's 3.5-ulp single-precision log and sincos */
static inline vf vflog(vf x) { return Sleef_logf8_u35avx2(x); }
static inline void vfsincos(vf x, vf *s, vf *c)
{
    const Sleef___m256_2 sc = Sleef_sincosf8_u35avx2(x);
    *s = sc.x;
    *c = sc.y;
}
/* Two vectors of doubles rounded to one of floats, and back (exact). */
static inline vf vf_from_vd2(vd lo, vd hi)
{
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
}
static inline vd vf_lo_vd(vf x) { return _mm256_cvtps_pd(_mm256_castps256_ps128(x)); }
static inline vd vf_hi_vd(vf x) { return _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)); }
/* The 32-bit values in the low halves of the 64-bit lanes of lo and hi (vpcg32's outputs) as
 * floats in (0, 1), as vk_f01_from_u32: k = x >> 8, k 2^-24, and 2^-25 for k = 0. */
static inline vf vf01_from_u32(vu lo, vu hi)
{
    /* dwords 0, 2, 4, 6 of each (the low halves), lo's first */
    const __m256 sh = _mm256_shuffle_ps(_mm256_castsi256_ps(lo), _mm256_castsi256_ps(hi),
                                        _MM_SHUFFLE(2, 0, 2, 0)); /* lo0 lo1 hi0 hi1 | lo2 lo3 hi2 hi3 */
    const __m256i x = _mm256_permute4x64_epi64(_mm256_castps_si256(sh), _MM_SHUFFLE(3, 1, 2, 0));
    const __m256i k = _mm256_srli_epi32(x, 8);
    const __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(k), _mm256_set1_ps(0x1p-24f));
    const __m256 z = _mm256_castsi256_ps(_mm256_cmpeq_epi32(k, _mm256_setzero_si256()));
    return _mm256_blendv_ps(u, _mm256_set1_ps(0x1p-25f), z);
}

/* ---- floats of the single-precision marks (surface_vol_sf, black_greeks_sf; vk.h) ---------- */
static inline vf vfload(const float *p) { return _mm256_load_ps(p); }
static inline void vfstore(float *p, vf x) { _mm256_store_ps(p, x); }
static inline vf vfmin(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf vfabs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
static inline vf vffloor(vf a) { return _mm256_floor_ps(a); }
/* SLEEF's single-precision functions of the marks' accuracy class: log, exp, expm1 u10 */
static inline vf vflog_m(vf x) { return Sleef_logf8_u10avx2(x); }
static inline vf vfexp_m(vf x) { return Sleef_expf8_u10avx2(x); }
static inline vf vfexpm1_m(vf x) { return Sleef_expm1f8_u10avx2(x); }
/* int32 lanes, one per float lane (the record index of a lane) */
typedef __m256i vfi;
static inline vfi vftoi(vf a) { return _mm256_cvttps_epi32(a); }
static inline vfi vfiset(int32_t x) { return _mm256_set1_epi32(x); }
static inline vfi vfiadd(vfi a, vfi b) { return _mm256_add_epi32(a, b); }
static inline vfi vfimul(vfi a, vfi b) { return _mm256_mullo_epi32(a, b); }
static inline void vfistore(int32_t *p, vfi x) { _mm256_store_si256((__m256i *)p, x); }
/* The float pairs of two vectors of record words (lanes 0 .. VK_W - 1 from a, VK_W .. from b):
 * the first float of each pair to *lo, the second to *hi. */
static inline void vfpair_split2(vrec a, vrec b, vf *lo, vf *hi)
{
    const __m256 fa = _mm256_castsi256_ps(a), fb = _mm256_castsi256_ps(b);
    /* a0 a2 b0 b2 | a4 a6 b4 b6 (floats), then the 64-bit blocks in the order 0 2 1 3 */
    const __m256 e = _mm256_shuffle_ps(fa, fb, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 o = _mm256_shuffle_ps(fa, fb, _MM_SHUFFLE(3, 1, 3, 1));
    *lo = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    *hi = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

#include "vk_vec.h"

#endif
