// minicnn's matrix-product kernels for AVX2 + FMA (gemm_kernel.inc). This file alone is compiled
// with -mavx2 -mfma (CMakeLists.txt), and its kernels run only when the CPU has both.
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm.hpp"

namespace {
// mask_for(n) loads 8 lanes from kMaskTable + 8 - n: n all-ones lanes, then zeros.
alignas(64) const std::int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct V256 {
  using reg = __m256;
  using mask = __m256i;
  static constexpr int W = 8, NV_MAX = 2;
  // 16 registers: 6 x 2 accumulators (+ 2 for B, 1 for the broadcast), or 12 x 1.
  static constexpr int mr_max(int nv) { return nv == 2 ? 6 : 12; }
  static constexpr int DOT_MR = 4, DOT_NR = 3;  // 12 accumulators, 7 operand registers
  static reg zero() { return _mm256_setzero_ps(); }
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg bcast(float x) { return _mm256_set1_ps(x); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static void store(float* p, reg r) { _mm256_storeu_ps(p, r); }
  static mask mask_for(int n) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - n)); }
  // Masked-off lanes are neither read nor written (and cannot fault), so a partial register
  // never touches memory past the end of a row.
  static reg load_part(const float* p, mask m) { return _mm256_maskload_ps(p, m); }
  static void store_part(float* p, reg r, mask m) { _mm256_maskstore_ps(p, m, r); }
  static float sum(reg r) {
    const __m128 h = _mm_add_ps(_mm256_castps256_ps128(r), _mm256_extractf128_ps(r, 1));
    const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
  }
};
}  // namespace

#include "kernels/gemm_kernel.inc"

namespace minicnn {
extern const GemmKernels gemm_kernels_avx2;
const GemmKernels gemm_kernels_avx2 = {export_gemm<V256>, export_b_table<V256>, export_a_table_bt<V256>};
}  // namespace minicnn

#endif
