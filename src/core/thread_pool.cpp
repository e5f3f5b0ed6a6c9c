#include "core/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace minicnn {

namespace {
using steady = std::chrono::steady_clock;

// How long a waiting thread stays awake before it sleeps on a condition variable, adapted to what
// its recent waits measured (bench/RESULTS.md, "Issue 29", has the measurements):
//   * On a quiet machine a small model's next parallel region starts within microseconds to tens
//     of microseconds, and waking a sleeping thread takes longer than many such regions: a worker
//     that slept between two layers would join the next one too late and the caller would run both
//     chunks itself. There a long spin (200 us) pays: lenet5 1.1x faster on 2 threads than on 1
//     with a 5 us spin, 1.7x with 200 us.
//   * When other processes hold the CPUs, a spinning thread takes the core from the thread it waits
//     for, or from anyone else's process: 200 us cost 1.11-1.25x under two busy loops.
// So each waiting thread keeps its own SpinPolicy (thread_pool.hpp): a spin time between 5 and
// 200 us that grows after short waits and shrinks after long or contended ones. MINICNN_SPIN_US=N
// fixes it at N microseconds instead (the previous policy at 200, for A/B runs).
// This is policy only: what a thread waits for, and how it sleeps, is in the ThreadPool below.

// A yield that returns later than this let another task run on this core.
constexpr std::chrono::microseconds kContendedYield{50};

std::chrono::microseconds fixed_spin() {  // negative: adaptive
  static const std::chrono::microseconds t{[] {
    const char* e = std::getenv("MINICNN_SPIN_US");
    return e ? std::max(0, std::atoi(e)) : -1;
  }()};
  return t;
}

SpinPolicy& spin_policy() {  // each thread's own: the caller's and every worker's waits differ
  thread_local SpinPolicy policy;
  return policy;
}

// The first few microseconds of a wait are a pure spin (the next region usually starts that
// soon); after that the waiting thread yields its CPU between checks, so on a busy machine the
// thread it waits for, or anyone else's process, gets the core instead of a spinning loop. On a
// quiet machine sched_yield returns at once and the wait stays as quick as a spin.
constexpr std::chrono::microseconds kPureSpin{5};

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Waits until done() or the spin time is over; returns done(). Sets `contended` when a yield
// returned late.
template <class Done>
bool spin_until(Done done, std::chrono::microseconds spin, bool& contended) {
  const auto start = steady::now();
  const auto pure_until = start + std::min(kPureSpin, spin), until = start + spin;
  for (int i = 1;; ++i) {
    if (done()) return true;
    if (i % 64 == 0) {
      const auto now = steady::now();
      if (now > until) return done();
      if (now > pure_until) {
        std::this_thread::yield();
        if (steady::now() - now > kContendedYield) {
          contended = true;
          return done();
        }
      }
    }
    cpu_relax();
  }
}

// spin_until with this thread's policy; `record` tells the policy how the whole wait went.
template <class Done>
bool spin_adaptively(Done done, steady::time_point& start, bool& contended) {
  start = steady::now();
  contended = false;
  return spin_until(done, fixed_spin().count() >= 0 ? fixed_spin() : spin_policy().budget(), contended);
}
void record_wait(steady::time_point start, bool contended) { spin_policy().record(steady::now() - start, contended); }
}  // namespace

ThreadPool& ThreadPool::instance() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  work_ready_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::start_workers(int count) {
  while (static_cast<int>(workers_.size()) < count) {
    const int id = static_cast<int>(workers_.size()) + 1;
    workers_.emplace_back([this, id] { worker_main(id); });
  }
}

void ThreadPool::run_chunks_from(int first, int chunks) {
  for (int k = 0; k < chunks; ++k) {
    const int c = (first + k) % chunks;
    const std::uint64_t bit = std::uint64_t{1} << c;
    if (!(unclaimed_.load(std::memory_order_relaxed) & bit)) continue;
    if (!(unclaimed_.fetch_and(~bit, std::memory_order_acq_rel) & bit)) continue;  // someone else was first
    fn_(ctx_, c);
    // seq_cst, paired with wait_until_done: either the caller sees 0 or we see it sleeping.
    if (remaining_.fetch_sub(1, std::memory_order_seq_cst) == 1 && caller_sleeping_.load(std::memory_order_seq_cst)) {
      { std::lock_guard<std::mutex> lock(mutex_); }  // the caller is now inside wait(), or has not checked yet
      work_done_.notify_one();
    }
  }
}

void ThreadPool::wait_until_done() {
  auto done = [this] { return remaining_.load(std::memory_order_seq_cst) == 0; };
  steady::time_point start;
  bool contended;
  if (!spin_adaptively(done, start, contended)) {
    std::unique_lock<std::mutex> lock(mutex_);
    caller_sleeping_.store(true, std::memory_order_seq_cst);
    work_done_.wait(lock, done);
    caller_sleeping_.store(false, std::memory_order_relaxed);
  }
  record_wait(start, contended);
}

void ThreadPool::run(int chunks, int threads, void (*fn)(void*, int), void* ctx) {
  if (chunks <= 1 || threads <= 1 || busy_.exchange(true, std::memory_order_acquire)) {
    for (int c = 0; c < chunks; ++c) fn(ctx, c);
    return;
  }
  start_workers(threads - 1);
  fn_ = fn;
  ctx_ = ctx;
  chunks_.store(chunks, std::memory_order_relaxed);
  remaining_.store(chunks, std::memory_order_relaxed);
  unclaimed_.store(chunks == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << chunks) - 1, std::memory_order_release);
  // Wake the workers: a new generation for those spinning, the condition variable for those
  // asleep (seq_cst, paired with worker_main: either we see a sleeper or it sees the generation).
  generation_.fetch_add(1, std::memory_order_seq_cst);
  if (sleeping_workers_.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    work_ready_.notify_all();
  }
  run_chunks_from(0, chunks);
  wait_until_done();  // only chunks another thread has started can be left
  busy_.store(false, std::memory_order_release);
}

void ThreadPool::worker_main(int id) {
  // A worker can start after the job it was created for, or even after the destructor has
  // bumped the generation, so stop_ is part of what it waits for, not only the generation.
  std::uint32_t seen = generation_.load(std::memory_order_seq_cst);
  for (;;) {
    auto woken = [&] { return stop_.load(std::memory_order_seq_cst) || generation_.load(std::memory_order_seq_cst) != seen; };
    steady::time_point start;
    bool contended;
    if (!spin_adaptively(woken, start, contended)) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_workers_.fetch_add(1, std::memory_order_seq_cst);
      work_ready_.wait(lock, woken);
      sleeping_workers_.fetch_sub(1, std::memory_order_relaxed);
    }
    record_wait(start, contended);
    if (stop_.load(std::memory_order_seq_cst)) return;
    seen = generation_.load(std::memory_order_seq_cst);
    // chunks_ may already belong to a newer job than `seen`; the claim bits keep that safe.
    const int chunks = chunks_.load(std::memory_order_relaxed);
    if (chunks > 0) run_chunks_from(id % chunks, chunks);
  }
}

}  // namespace minicnn
