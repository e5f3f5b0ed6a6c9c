// One core's peak arithmetic rate: a loop of fused multiply-adds on registers only (no memory
// traffic), on the vector width minicnn's kernels use on this CPU (the same choice of path as the
// library: kernel_path(), so MINICNN_KERNELS=avx2 measures the AVX2 peak). Twelve independent
// accumulators keep both FMA units busy through their latency (4 cycles x 2 units = 8 in flight).
// Prints "key value" lines that scripts/bench.sh reads:
//   fma_path avx512
//   fma_peak_gflops 115.2      (median of 7 runs of about 0.2 s; one FMA = 2 floating-point operations)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "minicnn/core/kernel_path.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace {
constexpr int kAcc = 12;

// Each returns a value that depends on every accumulator, so the compiler keeps the whole loop;
// `iters` rounds of kAcc FMAs of `lanes` floats.
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx512f,fma"))) float run_avx512(long iters) {
  __m512 acc[kAcc];
  for (int k = 0; k < kAcc; ++k) acc[k] = _mm512_set1_ps(0.001f * k);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kAcc; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  __m512 s = acc[0];
#pragma GCC unroll 16
  for (int k = 1; k < kAcc; ++k) s = _mm512_add_ps(s, acc[k]);
  float out[16];
  _mm512_storeu_ps(out, s);
  float sum = 0;
  for (float v : out) sum += v;
  return sum;
}

__attribute__((target("avx2,fma"))) float run_avx2(long iters) {
  __m256 acc[kAcc];
  for (int k = 0; k < kAcc; ++k) acc[k] = _mm256_set1_ps(0.001f * k);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kAcc; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  __m256 s = acc[0];
#pragma GCC unroll 16
  for (int k = 1; k < kAcc; ++k) s = _mm256_add_ps(s, acc[k]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}
#endif

// Plain C++: what the compiler makes of a multiply-add without target flags (no FMA unit
// guaranteed; counted as two operations all the same).
float run_portable(long iters) {
  float acc[kAcc][4];
  for (int k = 0; k < kAcc; ++k)
    for (int l = 0; l < 4; ++l) acc[k][l] = 0.001f * k;
  for (long i = 0; i < iters; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kAcc; ++k)
      for (int l = 0; l < 4; ++l) acc[k][l] = acc[k][l] * 0.999999f + 1e-7f;
  float s = 0;
  for (int k = 0; k < kAcc; ++k)
    for (int l = 0; l < 4; ++l) s += acc[k][l];
  return s;
}
}  // namespace

int main() {
  using minicnn::KernelPath;
  KernelPath path = minicnn::kernel_path();
  if (path == KernelPath::reference || path == KernelPath::blas) path = minicnn::best_kernel_path();
  int lanes = 4;
  float (*run)(long) = run_portable;
#if defined(__x86_64__) || defined(__i386__)
  if (path == KernelPath::avx512) lanes = 16, run = run_avx512;
  if (path == KernelPath::avx2) lanes = 8, run = run_avx2;
#endif
  using clock_type = std::chrono::steady_clock;
  auto seconds = [&](long iters) {
    const auto t0 = clock_type::now();
    volatile float sink = run(iters);
    (void)sink;
    return std::chrono::duration<double>(clock_type::now() - t0).count();
  };
  long iters = 1 << 16;
  while (seconds(iters) < 0.05) iters *= 2;  // about 0.2 s per run below
  iters *= 4;
  std::vector<double> g;
  for (int r = 0; r < 7; ++r) g.push_back(2.0 * kAcc * lanes * iters / seconds(iters) / 1e9);
  std::sort(g.begin(), g.end());
  std::printf("fma_path %s\nfma_peak_gflops %.1f\n", minicnn::kernel_path_name(path), g[g.size() / 2]);
  return 0;
}
