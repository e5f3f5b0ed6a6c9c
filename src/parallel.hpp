#pragma once
// Private: the one place layers go parallel. Not a public header because it needs OpenMP.
#include <algorithm>
#include <atomic>
#include <cstddef>

#include <omp.h>

#include "minicnn/threads.hpp"

namespace minicnn {

// With T > 1 threads, work is cut into up to 4*T chunks that threads take in turn, so a thread
// whose core is briefly busy with something else (the machines are shared) hands the rest of its
// share to the others instead of holding up the whole batch at the join.
constexpr int kChunksPerThread = 4;

// Number of chunks parallel_for splits n items into: 1 with one thread, else
// min(kChunksPerThread * num_threads(), n / grain), at least 1. grain is the fewest items worth a
// chunk: below it, waking a second thread costs more than the work (a few microseconds).
inline int chunk_count(std::size_t n, std::size_t grain = 1) {
  const std::size_t threads = static_cast<std::size_t>(num_threads());
  const std::size_t most = threads == 1 ? 1 : kChunksPerThread * threads;
  return static_cast<int>(std::max<std::size_t>(1, std::min(most, n / std::max<std::size_t>(grain, 1))));
}

// How many threads parallel_for(n, ..., grain) runs on; per-thread scratch buffers need this many.
inline int worker_count(std::size_t n, std::size_t grain = 1) { return std::min(chunk_count(n, grain), num_threads()); }

// Which of those threads the caller is (0 outside a parallel region): the index of its scratch.
inline int worker_index() { return omp_get_thread_num(); }

// Calls fn(begin, end, chunk) for each of chunk_count(n, grain) contiguous chunks of [0, n).
// Chunk boundaries depend only on n, grain and num_threads(), never on scheduling, so per-chunk
// partial sums added in chunk order give bit-identical results run to run, whichever thread
// happened to run which chunk. Scratch space that is not a result belongs to a thread
// (worker_index()), not to a chunk, so it stays in that thread's cache.
// fn must not throw: validate inputs before calling (an exception cannot leave an OpenMP region).
template <class F>
void parallel_for(std::size_t n, F&& fn, std::size_t grain = 1) {
  const int chunks = chunk_count(n, grain);
  auto run = [&](int c) { fn(n * c / chunks, n * (c + 1) / chunks, c); };
  if (chunks == 1) {
    run(0);
    return;
  }
  std::atomic<int> next{0};
#pragma omp parallel num_threads(worker_count(n, grain))
  for (int c = next++; c < chunks; c = next++) run(c);
}

}  // namespace minicnn
