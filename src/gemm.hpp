#pragma once
// Private: every matrix product in minicnn goes through these two functions, which call
// OpenBLAS's sgemm through xtensor-blas. Transposes are flags, so no transposed copy is made.
#include "minicnn/tensor.hpp"

namespace minicnn {

// C (M, N) = alpha * op(A) * op(B) + beta * C; row-major; op(A) is (M, K), op(B) is (K, N).
// lda/ldb/ldc are the row strides of A, B, C as stored.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

// c = op(a) * op(b) for 2-D tensors; c is resized only if its shape differs.
void matmul(const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, Tensor& c);

}  // namespace minicnn
