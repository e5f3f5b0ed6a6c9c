#pragma once
// Private: every matrix product in minicnn goes through this file. gemm() runs on the kernel path
// of core/kernel_path.hpp: the triple loop that defines a product (reference), minicnn's own
// register-blocked kernels (portable, avx2, avx512; gemm_kernel.inc), or OpenBLAS (blas).
// Transposes are flags, so no transposed copy is made by accident.
// It includes nothing, so that the instruction-set units (gemm_avx512.cpp, ...) can include it
// without compiling any library code with their -m flags (see gemm_kernel.inc).

namespace minicnn {

enum class KernelPath;  // core/kernel_path.hpp

// C (M, N) = alpha * op(A) * op(B) + beta * C; row-major; op(A) is (M, K), op(B) is (K, N).
// lda/ldb/ldc are the row strides of A, B, C as stored. beta == 0 never reads C.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

// The definition, as three loops with sums in double: what every kernel is tested against, and
// the product on the reference path.
void gemm_reference(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc);

// minicnn's own kernels for one instruction set. Besides gemm they take operands given by a
// table of row starts: row r of such a matrix is the floats at base + rows[r]. The implicit
// convolution (conv_kernels.cpp) reads the im2col matrix of an image this way without building it.
struct GemmKernels {
  // As gemm() above.
  void (*gemm)(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
               const float* B, int ldb, float beta, float* C, int ldc);
  // C (M, N) = A (M, K) * B~ + beta * C, where row k of B~ (K, N) is the N floats at B + b_rows[k].
  void (*gemm_b_table)(int M, int N, int K, const float* A, int lda, const float* B, const long* b_rows, float beta,
                       float* C, int ldc);
  // C (M, N) = A~ * B^T + beta * C, where row i of A~ (M, K) is the K floats at A + a_rows[i] and B is (N, K).
  void (*gemm_a_table_bt)(int M, int N, int K, const float* A, const long* a_rows, const float* B, int ldb,
                          float beta, float* C, int ldc);
};

// The kernels of an own path (portable, avx2, avx512), or null for reference and blas. The
// caller must have checked that this CPU runs the path (set_kernel_path does).
const GemmKernels* own_gemm_kernels(KernelPath path);

}  // namespace minicnn
