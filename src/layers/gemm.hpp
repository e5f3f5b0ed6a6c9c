#pragma once
// Private: every matrix product in minicnn goes through this function, which calls
// OpenBLAS's sgemm through xtensor-blas. Transposes are flags, so no transposed copy is made.

namespace minicnn {

// C (M, N) = alpha * op(A) * op(B) + beta * C; row-major; op(A) is (M, K), op(B) is (K, N).
// lda/ldb/ldc are the row strides of A, B, C as stored.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace minicnn
