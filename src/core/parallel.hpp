#pragma once
// Private: the one place layers go parallel. Not a public header because it needs OpenMP.
#include <algorithm>
#include <cstddef>

#include <omp.h>

#include "minicnn/core/threads.hpp"

namespace minicnn {

// Number of chunks parallel_for splits n items into: min(num_threads(), n / grain), at least 1.
// grain is the fewest items worth a thread: below it, waking a second thread costs more than
// the work (a few microseconds per parallel region).
inline int chunk_count(std::size_t n, std::size_t grain = 1) {
  const std::size_t threads = static_cast<std::size_t>(num_threads());
  return static_cast<int>(std::max<std::size_t>(1, std::min(threads, n / std::max<std::size_t>(grain, 1))));
}

// Calls fn(begin, end, chunk) for each of chunk_count(n, grain) contiguous chunks of [0, n).
// Chunk boundaries depend only on n, grain and num_threads(), never on scheduling, so per-chunk
// partial sums added in chunk order give bit-identical results run to run.
// Chunk c runs on thread c, so every layer hands the same images to the same thread and each
// thread finds its activations (and a layer's per-chunk scratch) in its own core's cache.
// (A dynamic hand-out of smaller chunks was slower whenever two cores do not share a cache:
// bench/RESULTS.md.)
// fn must not throw: validate inputs before calling (an exception cannot leave an OpenMP region).
template <class F>
void parallel_for(std::size_t n, F&& fn, std::size_t grain = 1) {
  const int chunks = chunk_count(n, grain);
  auto run = [&](int c) { fn(n * c / chunks, n * (c + 1) / chunks, c); };
  if (chunks == 1) {
    run(0);
    return;
  }
#pragma omp parallel num_threads(chunks)
  {
    // Striding covers every chunk even if the runtime gives us fewer threads than asked.
    for (int c = omp_get_thread_num(); c < chunks; c += omp_get_num_threads()) run(c);
  }
}

}  // namespace minicnn
