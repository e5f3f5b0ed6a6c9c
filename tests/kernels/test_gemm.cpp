// The matrix-product kernels (src/kernels/gemm.*) against the triple loop that defines them, on
// every kernel path this CPU runs, over random sizes chosen to hit every tail: rows that do not
// fill a tile, columns that do not fill a register, K past one cache block, padded strides.
#include <random>

#include "helpers.hpp"
#include "kernels/gemm.hpp"

using namespace minicnn;
using test::fast_paths;
using test::UsePath;

namespace {
// Sizes around the kernels' edges: register widths 8 and 16, tiles of 6, 12 and 16 rows, 32-column
// panels, and K blocks of 256.
const int kSizes[] = {1, 2, 3, 5, 6, 7, 8, 9, 12, 13, 15, 16, 17, 23, 25, 31, 32, 33, 47, 64, 100};

struct Random {
  std::mt19937 gen;
  explicit Random(unsigned seed) : gen(seed) {}
  int size() { return kSizes[std::uniform_int_distribution<int>(0, std::size(kSizes) - 1)(gen)]; }
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(gen); }
  std::vector<float> floats(std::size_t n) {
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> v(n);
    for (float& f : v) f = u(gen);
    return v;
  }
};

// c matches the reference value ref to float rounding: the error of a K-term sum grows with the
// sum of the magnitudes of its terms, which the caller passes as scale.
bool close(float c, float ref, double scale) { return std::abs(double(c) - ref) <= 1e-5 * (1.0 + scale); }

}  // namespace

TEST_CASE("gemm on every kernel path matches the triple-loop reference: transposes, tails, strides, alpha, beta") {
  Random rnd(1);
  for (int t = 0; t < 400; ++t) {
    const int M = rnd.size(), N = rnd.size(), K = t % 25 == 0 ? 300 + rnd.below(40) : rnd.size();
    const bool ta = t & 1, tb = t & 2;
    const int pad = rnd.below(3);  // leading dimensions larger than the rows they hold
    const int lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    const float alpha = t % 7 == 0 ? 0.5f : 1.f, beta = t % 3 == 0 ? 0.f : t % 3 == 1 ? 1.f : -0.75f;
    const std::vector<float> A = rnd.floats(std::size_t((ta ? K : M)) * lda), B = rnd.floats(std::size_t(tb ? N : K) * ldb);
    const std::vector<float> C0 = rnd.floats(std::size_t(M) * ldc);
    std::vector<float> ref = C0, scale(C0.size(), 0.f);
    gemm_reference(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, ref.data(), ldc);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j)
        for (int k = 0; k < K; ++k)
          scale[i * ldc + j] += std::abs((ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]));
    for (const KernelPath path : fast_paths()) {
      const std::string path_name = kernel_path_name(path);
      CAPTURE(path_name);
      INFO("M " << M << " N " << N << " K " << K << " ta " << ta << " tb " << tb << " pad " << pad << " alpha " << alpha << " beta " << beta);
      std::vector<float> C = C0;
      if (beta == 0.f)  // beta == 0 must not read C: a NaN there must not reach the result
        for (int i = 0; i < M; ++i) std::fill(C.begin() + i * ldc, C.begin() + i * ldc + N, NAN);
      {
        UsePath use(path);
        gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
      }
      int bad = 0;
      for (std::size_t i = 0; i < C.size(); ++i)  // the padding columns of C must be untouched too
        bad += !close(C[i], ref[i], scale[i]);
      REQUIRE(bad == 0);
    }
  }
}

TEST_CASE("The own kernels' row-table products match the reference on the matrices the tables describe") {
  Random rnd(2);
  for (int t = 0; t < 300; ++t) {
    const int M = rnd.size(), N = rnd.size(), K = t % 25 == 0 ? 260 + rnd.below(40) : rnd.size();
    const int row_len = std::max(N, K);
    const std::vector<float> pool = rnd.floats(std::size_t(4 * row_len + 64));  // rows are runs inside it, overlapping
    std::vector<long> rows(std::size_t(std::max(M, K)));
    for (long& r : rows) r = rnd.below(3 * row_len + 64);
    const std::vector<float> A = rnd.floats(std::size_t(M) * K), Bt = rnd.floats(std::size_t(N) * K);
    const float beta = t % 2 ? 0.f : 1.f;
    const std::vector<float> C0 = rnd.floats(std::size_t(M) * N);

    // gemm_b_table: C = A * B~, row k of B~ = pool + rows[k].
    std::vector<float> Bm(std::size_t(K) * N);
    for (int k = 0; k < K; ++k) std::copy_n(pool.begin() + rows[k], N, Bm.begin() + k * N);
    std::vector<float> ref_b = C0;
    gemm_reference(false, false, M, N, K, 1.f, A.data(), K, Bm.data(), N, beta, ref_b.data(), N);
    // gemm_a_table_bt: C = A~ * Bt^T, row i of A~ = pool + rows[i].
    std::vector<float> Am(std::size_t(M) * K);
    for (int i = 0; i < M; ++i) std::copy_n(pool.begin() + rows[i], K, Am.begin() + i * K);
    std::vector<float> ref_a = C0;
    gemm_reference(false, true, M, N, K, 1.f, Am.data(), K, Bt.data(), K, beta, ref_a.data(), N);

    for (const KernelPath path : fast_paths()) {
      const GemmKernels* kernels = own_gemm_kernels(path);
      if (!kernels) continue;  // blas has no row-table forms
      const std::string path_name = kernel_path_name(path);
      CAPTURE(path_name);
      INFO("M " << M << " N " << N << " K " << K << " beta " << beta);
      std::vector<float> C = C0;
      kernels->gemm_b_table(M, N, K, A.data(), K, pool.data(), rows.data(), beta, C.data(), N);
      for (std::size_t i = 0; i < C.size(); ++i) REQUIRE(close(C[i], ref_b[i], K));
      C = C0;
      kernels->gemm_a_table_bt(M, N, K, pool.data(), rows.data(), Bt.data(), K, beta, C.data(), N);
      for (std::size_t i = 0; i < C.size(); ++i) REQUIRE(close(C[i], ref_a[i], K));
    }
  }
}

TEST_CASE("Kernel paths: names, the default, and refusing a path the CPU cannot run") {
  CHECK(parse_kernel_path("avx2") == KernelPath::avx2);
  CHECK(std::string(kernel_path_name(KernelPath::portable)) == "portable");
  CHECK_THROWS_WITH_AS(parse_kernel_path("fast"),
                       "unknown kernel path 'fast' (expected reference, portable, avx2, avx512 or blas)",
                       std::invalid_argument);
  const KernelPath best = best_kernel_path();
  CHECK(kernel_path_supported(best));
  CHECK(own_gemm_kernels(best) != nullptr);  // the default is one of minicnn's own paths
  CHECK(own_gemm_kernels(KernelPath::blas) == nullptr);
  for (const KernelPath p : {KernelPath::reference, KernelPath::portable, KernelPath::blas}) CHECK(kernel_path_supported(p));
  if (!kernel_path_supported(KernelPath::avx512)) {
    CHECK_THROWS_WITH_AS(set_kernel_path(KernelPath::avx512), doctest::Contains("this CPU cannot run the avx512 kernels"),
                         std::invalid_argument);
  }
}
