// minicnn's matrix-product kernels for AVX-512F (gemm_kernel.inc). This file alone is compiled
// with -mavx512f -mfma (CMakeLists.txt), and its kernels run only when the CPU has AVX-512F.
#if defined(__x86_64__) || defined(__i386__)

// GCC 12's AVX-512 headers initialise their "undefined" registers from themselves, which
// -Wuninitialized reports at every inlined lane extract; the code is fine (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>

#include "kernels/gemm.hpp"

namespace {
struct V512 {
  using reg = __m512;
  using mask = __mmask16;
  static constexpr int W = 16, NV_MAX = 2;
  // 32 registers: 12 x 2 accumulators (+ 2 for B, 1 for the broadcast), or 16 x 1.
  static constexpr int mr_max(int nv) { return nv == 2 ? 12 : 16; }
  static constexpr int DOT_MR = 4, DOT_NR = 6;  // 24 accumulators, 10 operand registers
  static reg zero() { return _mm512_setzero_ps(); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static reg bcast(float x) { return _mm512_set1_ps(x); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  static void store(float* p, reg r) { _mm512_storeu_ps(p, r); }
  static mask mask_for(int n) { return static_cast<mask>((1u << n) - 1u); }
  // Masked-off lanes are neither read nor written, so a partial register never touches memory
  // past the end of a row.
  static reg load_part(const float* p, mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store_part(float* p, reg r, mask m) { _mm512_mask_storeu_ps(p, m, r); }
  static float sum(reg r) {
    const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(r), _mm512_castps512_ps256(_mm512_shuffle_f32x4(r, r, 0x4E)));
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
  }
};
}  // namespace

#include "kernels/gemm_kernel.inc"

namespace minicnn {
extern const GemmKernels gemm_kernels_avx512;
const GemmKernels gemm_kernels_avx512 = {export_gemm<V512>, export_b_table<V512>, export_a_table_bt<V512>};
}  // namespace minicnn

#endif
