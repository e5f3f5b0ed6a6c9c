#include "kernels/gemm.hpp"

#include <xtensor-blas/xblas.hpp>

#include "minicnn/core/kernel_path.hpp"

namespace minicnn {

extern const GemmKernels gemm_kernels_portable;  // gemm_portable.cpp
#if defined(__x86_64__) || defined(__i386__)
extern const GemmKernels gemm_kernels_avx2, gemm_kernels_avx512;  // gemm_avx2.cpp, gemm_avx512.cpp
#endif

const GemmKernels* own_gemm_kernels(KernelPath path) {
  switch (path) {
    case KernelPath::portable: return &gemm_kernels_portable;
#if defined(__x86_64__) || defined(__i386__)
    case KernelPath::avx2: return &gemm_kernels_avx2;
    case KernelPath::avx512: return &gemm_kernels_avx512;
#endif
    default: return nullptr;
  }
}

void gemm_reference(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc) {
  for (long i = 0; i < M; ++i)
    for (long j = 0; j < N; ++j) {
      double s = 0;
      for (long k = 0; k < K; ++k)
        s += double(trans_a ? A[k * lda + i] : A[i * lda + k]) * double(trans_b ? B[j * ldb + k] : B[k * ldb + j]);
      float& c = C[i * ldc + j];
      c = static_cast<float>(alpha * s + (beta == 0.f ? 0.0 : double(beta) * c));
    }
}

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc) {
  const KernelPath path = kernel_path();
  if (const GemmKernels* k = own_gemm_kernels(path))
    return k->gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  if (path == KernelPath::reference) return gemm_reference(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  using cxxblas::Transpose;
  cxxblas::gemm<int>(cxxblas::RowMajor, trans_a ? Transpose::Trans : Transpose::NoTrans,
                     trans_b ? Transpose::Trans : Transpose::NoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace minicnn
