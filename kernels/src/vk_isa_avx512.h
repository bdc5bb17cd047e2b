/* vk_isa_avx512.h: the whole vector vocabulary of the kernel templates on AVX-512 F + DQ + VL
 * (8 doubles). Same names and semantics as vk_isa_avx2.h, whose opening comment describes the
 * contract; only the generated files of this ISA include it (flags -mavx512f -mavx512dq
 * -mavx512vl). DQ provides the 64-bit multiply and the unsigned 64-bit to double conversion. */
#ifndef VIXRISK_VK_ISA_H
#define VIXRISK_VK_ISA_H

#include <immintrin.h>
#include <sleef.h>
#include <stdint.h>

#define VK_ISA_AVX512 1
#define VK_W 8
#define VK_SUFFIX(name) name##_d_avx512
typedef __m512d vd;
typedef __m512i vu;
typedef __mmask8 vm;
typedef __m256i vidx;

/* ---- doubles ------------------------------------------------------------------------------- */
static inline vd vload(const double *p) { return _mm512_load_pd(p); }
static inline void vstore(double *p, vd x) { _mm512_store_pd(p, x); }
static inline vd vset(double x) { return _mm512_set1_pd(x); }
static inline vd vadd(vd a, vd b) { return _mm512_add_pd(a, b); }
static inline vd vsub(vd a, vd b) { return _mm512_sub_pd(a, b); }
static inline vd vmul(vd a, vd b) { return _mm512_mul_pd(a, b); }
static inline vd vdiv(vd a, vd b) { return _mm512_div_pd(a, b); }
static inline vd vsqrt(vd a) { return _mm512_sqrt_pd(a); }
static inline vd vmax(vd a, vd b) { return _mm512_max_pd(a, b); }
static inline vd vmin(vd a, vd b) { return _mm512_min_pd(a, b); }
static inline vd vabs(vd a) { return _mm512_abs_pd(a); }
/* Flips the sign bit, as C's unary minus (0 - a would turn -0 into +0). */
static inline vd vneg(vd a)
{
    const __m512i sign = _mm512_set1_epi64((long long)0x8000000000000000ULL);
    return _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(a), sign));
}
static inline vd vfloor(vd a) { return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }

/* ---- masks --------------------------------------------------------------------------------- */
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

/* ---- SLEEF --------------------------------------------------------------------------------- */
static inline vd vlog(vd x) { return Sleef_logd8_u10avx512f(x); }
/* SLEEF's 3.5-ulp log, for the *_fast path kernels only (vk.h, "fast_log"): half the cost of
 * the 1-ulp one here; marks keep vlog. */
static inline vd vlog_fast(vd x) { return Sleef_logd8_u35avx512f(x); }
static inline vd vexpm1(vd x) { return Sleef_expm1d8_u10avx512f(x); }
static inline void vsincos(vd x, vd *s, vd *c)
{
    const Sleef___m512d_2 sc = Sleef_sincosd8_u35avx512f(x);
    *s = sc.x;
    *c = sc.y;
}

/* ---- 64-bit integer lanes ------------------------------------------------------------------ */
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
/* The low 32 bits of each lane of x (high half zero) rotated right by r (< 32, high half zero):
 * one 32-bit rotate, which leaves the zero high half zero. */
static inline vu vurotr32(vu x, vu r) { return _mm512_rorv_epi32(x, r); }
static inline vu vusub(vu a, vu b) { return _mm512_sub_epi64(a, b); }
static inline vm vueq0(vu a) { return _mm512_cmpeq_epi64_mask(a, _mm512_setzero_si512()); }

/* ---- conversions --------------------------------------------------------------------------- */
static inline vu vd_bits(vd x) { return _mm512_castpd_si512(x); }
static inline vd vbits_d(vu x) { return _mm512_castsi512_pd(x); }
/* Exact for integers below 2^53 (AVX-512DQ converts 64-bit integers directly). */
static inline vd vu53_to_d(vu k) { return _mm512_cvtepu64_pd(k); }
/* Truncation of integral doubles in int32 range to gather indices. */
static inline vidx vtoidx(vd a) { return _mm512_cvttpd_epi32(a); }
/* The lanes of i to p[0 .. VK_W) (p aligned as vidx). */
static inline void vstore_idx(int32_t *p, vidx i) { _mm256_store_si256((__m256i *)p, i); }

/* ---- gathers and record loads -------------------------------------------------------------- */
/* 64-bit words of a record, one per lane (vrecord_fpairs). */
typedef __m512i vrec;
/* base[i] per lane. */
static inline vd vgather(const double *base, vidx i) { return _mm512_i32gather_pd(i, base, 8); }
/* The float pairs at base + 2 o[l] + 2 j, j = 0..7 (the 64-byte record of 16 floats that starts
 * at base + 2 o[l] in lane l), as g[j] (word j of every lane), by one 64-byte load per lane
 * and an 8 x 8 transpose of 64-bit words (24 shuffles) instead of eight gathers of eight words
 * each, which cost more on the machines measured (results/BENCHMARKS.md, option marks). */
static inline void vrecord_fpairs(const float *base, const int32_t *o, vrec g[8])
{
    __m512i r[8], t[8];
    for (int l = 0; l < 8; l++)
        r[l] = _mm512_loadu_si512((const void *)(base + 2 * (ptrdiff_t)o[l]));
    for (int l = 0; l < 8; l += 2) { /* t[l]: words 0,2,4,6 of lanes l, l+1; t[l+1]: 1,3,5,7 */
        t[l] = _mm512_unpacklo_epi64(r[l], r[l + 1]);
        t[l + 1] = _mm512_unpackhi_epi64(r[l], r[l + 1]);
    }
    for (int h = 0; h < 2; h++) /* 128-bit blocks: words (0|1, 4|5) and (2|3, 6|7) of 4 lanes */
        for (int e = 0; e < 2; e++) {
            r[4 * h + e] = _mm512_shuffle_i64x2(t[4 * h + e], t[4 * h + 2 + e], 0x88);
            r[4 * h + 2 + e] = _mm512_shuffle_i64x2(t[4 * h + e], t[4 * h + 2 + e], 0xDD);
        }
    /* r[e] (e = 0, 1): words e and 4 + e of lanes 0-3; r[2 + e]: words 2 + e and 6 + e; r[4..7]
     * the same for lanes 4-7 */
    for (int q = 0; q < 4; q++) {
        g[q] = _mm512_shuffle_i64x2(r[q], r[4 + q], 0x88);     /* word q */
        g[q + 4] = _mm512_shuffle_i64x2(r[q], r[4 + q], 0xDD); /* word q + 4 */
    }
}
/* The four doubles at base + o[l] + j, j = 0..3, of each lane l, as g[j] (word j of every lane):
 * one 32-byte load per lane and a 4 x 8 transpose (4 inserts, 8 shuffles) instead of four
 * gathers. */
static inline void vrow4(const double *base, const int32_t *o, vd g[4])
{
    __m512d z[4], t[4];
    for (int l = 0; l < 4; l++) /* lanes l and l + 4: [x0 x1 x2 x3 | y0 y1 y2 y3] */
        z[l] = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(base + o[l])),
                                  _mm256_loadu_pd(base + o[l + 4]), 1);
    for (int l = 0; l < 4; l += 2) { /* t[l]: words 0, 2 of lanes l, l+1 (and 4+l, 5+l); t[l+1]: 1, 3 */
        t[l] = _mm512_unpacklo_pd(z[l], z[l + 1]);
        t[l + 1] = _mm512_unpackhi_pd(z[l], z[l + 1]);
    }
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    for (int e = 0; e < 2; e++) {
        g[e] = _mm512_permutex2var_pd(t[e], lo, t[2 + e]);
        g[2 + e] = _mm512_permutex2var_pd(t[e], hi, t[2 + e]);
    }
}
/* The float pair in each 64-bit word of g, widened to doubles: the first float to lo, the second
 * to hi. */
static inline void vfpair_split(vrec g, vd *lo, vd *hi)
{
    *lo = _mm512_cvtps_pd(_mm256_castsi256_ps(_mm512_cvtepi64_epi32(g)));
    *hi = _mm512_cvtps_pd(_mm256_castsi256_ps(_mm512_cvtepi64_epi32(_mm512_srli_epi64(g, 32))));
}

/* ---- floats (single precision: the *_single path kernels, vk.h "single precision") ---------- */
/* vf holds VK_WF = 2 VK_W floats: lanes 0 .. VK_W - 1 come from the first of two vd or vu, lanes
 * VK_W .. 2 VK_W - 1 from the second. */
#define VK_WF 16
typedef __m512 vf;
typedef __mmask16 vfm;
static inline vf vfset(float x) { return _mm512_set1_ps(x); }
static inline vf vfadd(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vfsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vfmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vfdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vfsqrt(vf a) { return _mm512_sqrt_ps(a); }
static inline vf vfmax(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vfm vfle(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
static inline vfm vfgt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vfm vfge(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
static inline vfm vfeq(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
static inline int vfmall(vfm a) { return a == (vfm)0xffff; }
static inline vf vfsel(vfm m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }
static inline vfm vfsel_m(vfm m, vfm a, vfm b) { return (vfm)((m & a) | (~m & b)); }
/* SLEEF's 3.5-ulp single-precision log and sincos */
static inline vf vflog(vf x) { return Sleef_logf16_u35avx512f(x); }
static inline void vfsincos(vf x, vf *s, vf *c)
{
    const Sleef___m512_2 sc = Sleef_sincosf16_u35avx512f(x);
    *s = sc.x;
    *c = sc.y;
}
/* Two vectors of doubles rounded to one of floats, and back (exact). */
static inline vf vf_from_vd2(vd lo, vd hi)
{
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
}
static inline vd vf_lo_vd(vf x) { return _mm512_cvtps_pd(_mm512_castps512_ps256(x)); }
static inline vd vf_hi_vd(vf x) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)); }
/* The 32-bit values in the low halves of the 64-bit lanes of lo and hi (vpcg32's outputs) as
 * floats in (0, 1), as vk_f01_from_u32: k = x >> 8, k 2^-24, and 2^-25 for k = 0. */
static inline vf vf01_from_u32(vu lo, vu hi)
{
    const __m512i x = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)),
                                         _mm512_cvtepi64_epi32(hi), 1);
    const __m512i k = _mm512_srli_epi32(x, 8);
    const __m512 u = _mm512_mul_ps(_mm512_cvtepi32_ps(k), _mm512_set1_ps(0x1p-24f));
    return _mm512_mask_blend_ps(_mm512_cmpeq_epi32_mask(k, _mm512_setzero_si512()), u,
                                _mm512_set1_ps(0x1p-25f));
}

/* ---- floats of the single-precision marks (surface_vol_sf, black_greeks_sf; vk.h) ---------- */
static inline vf vfload(const float *p) { return _mm512_load_ps(p); }
static inline void vfstore(float *p, vf x) { _mm512_store_ps(p, x); }
static inline vf vfmin(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf vfabs(vf a) { return _mm512_abs_ps(a); }
static inline vf vffloor(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
/* SLEEF's single-precision functions of the marks' accuracy class: log, exp, expm1 u10 */
static inline vf vflog_m(vf x) { return Sleef_logf16_u10avx512f(x); }
static inline vf vfexp_m(vf x) { return Sleef_expf16_u10avx512f(x); }
static inline vf vfexpm1_m(vf x) { return Sleef_expm1f16_u10avx512f(x); }
/* int32 lanes, one per float lane (the record index of a lane) */
typedef __m512i vfi;
static inline vfi vftoi(vf a) { return _mm512_cvttps_epi32(a); }
static inline vfi vfiset(int32_t x) { return _mm512_set1_epi32(x); }
static inline vfi vfiadd(vfi a, vfi b) { return _mm512_add_epi32(a, b); }
static inline vfi vfimul(vfi a, vfi b) { return _mm512_mullo_epi32(a, b); }
static inline void vfistore(int32_t *p, vfi x) { _mm512_store_si512((void *)p, x); }
/* The float pairs of two vectors of record words (lanes 0 .. VK_W - 1 from a, VK_W .. from b):
 * the first float of each pair to *lo, the second to *hi. */
static inline void vfpair_split2(vrec a, vrec b, vf *lo, vf *hi)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    *lo = _mm512_permutex2var_ps(_mm512_castsi512_ps(a), even, _mm512_castsi512_ps(b));
    *hi = _mm512_permutex2var_ps(_mm512_castsi512_ps(a), odd, _mm512_castsi512_ps(b));
}

#include "vk_vec.h"

#endif
