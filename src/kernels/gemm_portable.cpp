// minicnn's matrix-product kernels in plain C++, for any CPU: loop nests whose innermost loop
// runs along a row of C and a row of B, which the compiler vectorises for whatever instruction
// set the build targets. Slower than the register-blocked kernels of gemm_kernel.inc, but with
// the same entry points, so every layer runs on any machine.
#include <algorithm>

#include "kernels/gemm.hpp"

namespace minicnn {

namespace {
// C (M, N) = alpha * A' * B' + beta * C, where A'(i, k) = a(i, k) and row k of B' is brow(k).
template <class AF, class BF>
void ikj(int M, int N, int K, float alpha, AF a, BF brow, float beta, float* C, long ldc) {
  for (int i = 0; i < M; ++i) {
    float* __restrict c = C + i * ldc;
    if (beta == 0.f) std::fill(c, c + N, 0.f);
    else if (beta != 1.f)
      for (int j = 0; j < N; ++j) c[j] *= beta;
    for (int k = 0; k < K; ++k) {
      const float s = alpha * a(i, k);
      const float* __restrict b = brow(k);
      for (int j = 0; j < N; ++j) c[j] += s * b[j];
    }
  }
}

// The same with B given transposed (Bt: N rows of K): B' is copied out of Bt one block at a time
// into a buffer on the stack, so no row of B' is read with a stride.
template <class AF>
void ikj_bt(int M, int N, int K, float alpha, AF a, const float* Bt, long ldb, float beta, float* C, long ldc) {
  constexpr int KB = 64, NB = 64;
  float block[KB * NB];  // B'(k0 + k, j0 + j) at block[k * NB + j]
  for (int j0 = 0; j0 < N; j0 += NB) {
    const int nb = std::min(NB, N - j0);
    for (int k0 = 0; k0 < K; k0 += KB) {
      const int kb = std::min(KB, K - k0);
      for (int j = 0; j < nb; ++j)
        for (int k = 0; k < kb; ++k) block[k * NB + j] = Bt[(j0 + j) * ldb + k0 + k];
      ikj(M, nb, kb, alpha, [&](int i, int k) { return a(i, k0 + k); }, [&](int k) { return block + k * NB; },
          k0 == 0 ? beta : 1.f, C + j0, ldc);
    }
  }
}

void scale(int M, int N, float beta, float* C, long ldc) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.f ? 0.f : beta * C[i * ldc + j];
}

void product(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
          float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.f) return scale(M, N, beta, C, ldc);
  auto rows = [&](int i, int k) { return A[static_cast<long>(i) * lda + k]; };
  auto cols = [&](int i, int k) { return A[static_cast<long>(k) * lda + i]; };
  auto brow = [&](int k) { return B + static_cast<long>(k) * ldb; };
  if (tb) return ta ? ikj_bt(M, N, K, alpha, cols, B, ldb, beta, C, ldc) : ikj_bt(M, N, K, alpha, rows, B, ldb, beta, C, ldc);
  if (ta) return ikj(M, N, K, alpha, cols, brow, beta, C, ldc);
  ikj(M, N, K, alpha, rows, brow, beta, C, ldc);
}

void product_b_table(int M, int N, int K, const float* A, int lda, const float* B, const long* b_rows, float beta,
                  float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  ikj(M, N, K, 1.f, [&](int i, int k) { return A[static_cast<long>(i) * lda + k]; },
      [&](int k) { return B + b_rows[k]; }, beta, C, ldc);
}

void product_a_table_bt(int M, int N, int K, const float* A, const long* a_rows, const float* B, int ldb, float beta,
                     float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return scale(M, N, beta, C, ldc);
  ikj_bt(M, N, K, 1.f, [&](int i, int k) { return A[a_rows[i] + k]; }, B, ldb, beta, C, ldc);
}
}  // namespace

extern const GemmKernels gemm_kernels_portable;
const GemmKernels gemm_kernels_portable = {product, product_b_table, product_a_table_bt};

}  // namespace minicnn
