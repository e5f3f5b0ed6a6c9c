#pragma once
// Private: the one place layers go parallel.
#include <algorithm>
#include <cstddef>

#include "core/thread_pool.hpp"
#include "minicnn/core/threads.hpp"

namespace minicnn {

// Number of chunks parallel_for splits n items into: min(num_threads(), n / grain), at least 1
// (and at most ThreadPool::kMaxChunks). grain is the fewest items worth a thread: below it,
// waking a second thread costs more than the work (a few microseconds per parallel region).
inline int chunk_count(std::size_t n, std::size_t grain = 1) {
  const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(num_threads()), ThreadPool::kMaxChunks);
  return static_cast<int>(std::max<std::size_t>(1, std::min(threads, n / std::max<std::size_t>(grain, 1))));
}

// Calls fn(begin, end, chunk) for each of chunk_count(n, grain) contiguous chunks of [0, n).
// Chunk boundaries depend only on n, grain and num_threads(), never on scheduling, so per-chunk
// partial sums added in chunk order give bit-identical results run to run.
// Thread c prefers chunk c, so every layer hands the same images to the same thread and each
// thread finds its activations (and a layer's per-chunk scratch) in its own core's cache; but a
// chunk whose thread has not started yet is run by whichever thread is free (core/thread_pool.hpp),
// so a descheduled thread never holds the others up. Index scratch by chunk, never by thread.
// fn must not throw: validate inputs before calling.
template <class F>
void parallel_for(std::size_t n, F&& fn, std::size_t grain = 1) {
  const int chunks = chunk_count(n, grain);
  struct Job {
    F& fn;
    std::size_t n;
    int chunks;
  } job{fn, n, chunks};
  auto run = [](void* ctx, int c) {
    const Job& j = *static_cast<Job*>(ctx);
    j.fn(j.n * c / j.chunks, j.n * (c + 1) / j.chunks, c);
  };
  if (chunks == 1) return run(&job, 0);
  ThreadPool::instance().run(chunks, num_threads(), run, &job);
}

}  // namespace minicnn
