// The thread pool behind parallel_for (src/core/thread_pool.*): every chunk runs exactly once,
// nested calls run in order, and a pool can be destroyed right after use (a worker that starts
// late must still see that it is to stop).
#include <atomic>
#include <thread>

#include "core/parallel.hpp"
#include "core/thread_pool.hpp"
#include "helpers.hpp"

using namespace minicnn;

namespace {
struct Counts {
  std::atomic<int> runs[ThreadPool::kMaxChunks] = {};
};
void count_chunk(void* ctx, int c) { static_cast<Counts*>(ctx)->runs[c]++; }
}  // namespace

TEST_CASE("ThreadPool runs every chunk exactly once, for any number of chunks and threads") {
  ThreadPool pool;
  for (int threads : {1, 2, 3, 8})
    for (int chunks : {1, 2, 3, 7, 64}) {
      CAPTURE(threads);
      CAPTURE(chunks);
      for (int repeat = 0; repeat < 20; ++repeat) {
        Counts counts;
        pool.run(chunks, threads, count_chunk, &counts);
        for (int c = 0; c < ThreadPool::kMaxChunks; ++c) REQUIRE(counts.runs[c] == (c < chunks ? 1 : 0));
      }
    }
}

TEST_CASE("ThreadPool: a call from inside a chunk runs its chunks in order on that thread") {
  ThreadPool pool;
  struct Ctx {
    ThreadPool* pool;
    std::atomic<int> inner{0};
  } ctx{&pool};
  pool.run(2, 2, [](void* p, int) {
    auto* c = static_cast<Ctx*>(p);
    Counts counts;
    c->pool->run(4, 2, count_chunk, &counts);
    for (int k = 0; k < 4; ++k) c->inner += counts.runs[k];
  }, &ctx);
  CHECK(ctx.inner == 8);
}

TEST_CASE("ThreadPool can be destroyed right after a job, even before its workers have started") {
  for (int i = 0; i < 300; ++i) {  // a hang here is the failure
    ThreadPool pool;
    Counts counts;
    pool.run(2, 3, count_chunk, &counts);
    REQUIRE(counts.runs[0] + counts.runs[1] == 2);
  }
}

TEST_CASE("parallel_for covers 0 to n-1 in contiguous chunks whose bounds depend only on n and the thread count") {
  for (int threads : {1, 2, 5}) {
    set_num_threads(threads);
    for (std::size_t n : {0, 1, 2, 3, 10, 1000}) {
      std::vector<int> hits(n, 0);
      const std::size_t chunks = static_cast<std::size_t>(chunk_count(n));
      std::atomic<int> bad_bounds{0};
      parallel_for(n, [&](std::size_t b, std::size_t e, int c) {
        const std::size_t k = static_cast<std::size_t>(c);
        if (b != n * k / chunks || e != n * (k + 1) / chunks) bad_bounds++;
        for (std::size_t i = b; i < e; ++i) hits[i]++;
      });
      CHECK(bad_bounds == 0);
      for (std::size_t i = 0; i < n; ++i) REQUIRE(hits[i] == 1);
    }
  }
  set_num_threads(1);
}

TEST_CASE("SpinPolicy spins long while waits end soon, and backs off when they last or the core is contended") {
  using us = std::chrono::microseconds;
  SpinPolicy p;
  CHECK(p.budget() == SpinPolicy::kMax);  // a quiet machine's setting until a wait says otherwise
  p.record(us(1000), false);               // a long wait (the other thread was elsewhere): halve
  CHECK(p.budget() == us(100));
  p.record(us(1000), false);
  CHECK(p.budget() == us(50));
  p.record(us(30), false);                 // a short one: a longer spin catches such waits
  CHECK(p.budget() == us(100));
  for (int i = 0; i < 10; ++i) p.record(us(30), false);
  CHECK(p.budget() == SpinPolicy::kMax);   // never above the maximum
  p.record(us(30), true);                  // a yield came back late: another task wants this core
  CHECK(p.budget() == SpinPolicy::kMin);
  for (int i = 0; i < 10; ++i) p.record(us(5000), false);
  CHECK(p.budget() == SpinPolicy::kMin);   // never below the minimum
  p.record(SpinPolicy::kMax, false);       // ending exactly at the maximum still counts as short
  CHECK(p.budget() == 2 * SpinPolicy::kMin);
}
