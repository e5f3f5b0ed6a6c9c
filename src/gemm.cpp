#include "gemm.hpp"

#include <stdexcept>

#include <xtensor-blas/xblas.hpp>

namespace minicnn {

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
  using cxxblas::Transpose;
  cxxblas::gemm<int>(cxxblas::RowMajor, trans_a ? Transpose::Trans : Transpose::NoTrans,
                     trans_b ? Transpose::Trans : Transpose::NoTrans, M, N, K, alpha, A, lda, B, ldb,
                     beta, C, ldc);
}

void matmul(const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, Tensor& c) {
  if (a.dimension() != 2 || b.dimension() != 2)
    throw std::invalid_argument("matmul: expected 2-D operands, got " + shape_str(a.shape()) + " and " +
                                shape_str(b.shape()));
  const std::size_t M = trans_a ? a.shape(1) : a.shape(0), K = trans_a ? a.shape(0) : a.shape(1);
  const std::size_t Kb = trans_b ? b.shape(1) : b.shape(0), N = trans_b ? b.shape(0) : b.shape(1);
  if (K != Kb)
    throw std::invalid_argument("matmul: inner dimensions differ: " + shape_str(a.shape()) +
                                (trans_a ? "^T" : "") + " x " + shape_str(b.shape()) + (trans_b ? "^T" : ""));
  ensure_shape(c, {M, N});
  if (M == 0 || N == 0) return;
  if (K == 0) {  // an empty sum; BLAS would reject the zero leading dimension
    c.fill(0.f);
    return;
  }
  gemm(trans_a, trans_b, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), 1.f, a.data(),
       static_cast<int>(a.shape(1)), b.data(), static_cast<int>(b.shape(1)), 0.f, c.data(),
       static_cast<int>(N));
}

}  // namespace minicnn
