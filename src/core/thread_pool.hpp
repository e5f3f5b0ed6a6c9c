#pragma once
// Private: the threads behind parallel_for (core/parallel.hpp). A small fork-join pool built to
// keep going when other processes hold the CPUs, as on a shared machine, in CI, or with several
// MPI ranks on one host:
//
//   * Chunk c is *preferred* by thread c (0 = the calling thread, c >= 1 = worker c), so when
//     every thread runs, each one takes the same images in every layer and finds them in its own
//     core's cache.
//   * But chunks are *claimed* (one atomic bit per chunk), not assigned: a thread that has
//     finished takes any chunk nobody has started. If a worker is asleep or descheduled, the
//     caller simply runs its chunk itself; a parallel region never waits for a thread that has
//     not begun, only for chunks already running. (A barrier that waits for every thread, as an
//     OpenMP parallel region does, stalls for a whole scheduler time slice whenever one thread
//     is descheduled, and spinning at the barrier takes the CPU from the thread being waited
//     for: bench/RESULTS.md.)
//   * Results stay bit-identical: what a chunk computes depends only on the chunk, never on the
//     thread that runs it (callers index their scratch by chunk, not by thread).
//   * Waiting threads spin for up to 5 us (the next region usually starts within microseconds),
//     then yield their CPU between checks, and sleep on a condition variable after a spin time
//     each thread adapts between 5 and 200 us to its recent waits: long while waits end soon (a
//     quiet machine: awake long enough to join the next layer of a small model), short when they
//     last long or a yield shows another task wants the core (a busy machine: no CPU held that
//     someone else needs).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace minicnn {

// How long a waiting thread of the pool spins before it sleeps: its own recent waits decide
// (thread_pool.cpp says why). A wait that ended within kMax (a longer spin would have caught it,
// or did) doubles the spin; a longer one (the other thread was descheduled, or the program was
// doing something else) halves it; a contended one (a sched_yield returned late: another runnable
// task had this core) drops it to kMin at once. Policy only: what the pool waits for and how it
// sleeps are the pool's.
class SpinPolicy {
 public:
  static constexpr std::chrono::microseconds kMin{5}, kMax{200};
  std::chrono::microseconds budget() const { return spin_; }
  // After a wait that took `waited` in all (spin and sleep).
  void record(std::chrono::steady_clock::duration waited, bool contended) {
    if (contended) spin_ = kMin;
    else if (waited <= kMax) spin_ = std::min(kMax, spin_ * 2);
    else spin_ = std::max(kMin, spin_ / 2);
  }

 private:
  std::chrono::microseconds spin_ = kMax;
};

class ThreadPool {
 public:
  static constexpr int kMaxChunks = 64;  // one bit each in a 64-bit word

  static ThreadPool& instance();  // the pool parallel_for uses
  ThreadPool() = default;
  ~ThreadPool();  // stops and joins the workers
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs fn(ctx, c) once for every chunk c in [0, chunks), chunks <= kMaxChunks, on up to
  // `threads` threads counting the caller; returns when all have finished. fn must not throw.
  // A call made while another is running (from a chunk, or from a second thread) runs its
  // chunks in order on the calling thread.
  void run(int chunks, int threads, void (*fn)(void*, int), void* ctx);

 private:
  void start_workers(int count);
  void worker_main(int id);
  void run_chunks_from(int first, int chunks);  // claims and runs every chunk still unclaimed
  void wait_until_done();

  std::vector<std::thread> workers_;
  // The job in hand. fn_ and ctx_ are written before the chunk bits are published and read only
  // after a successful claim, which orders them.
  void (*fn_)(void*, int) = nullptr;
  void* ctx_ = nullptr;
  std::atomic<int> chunks_{0};
  std::atomic<bool> busy_{false};                        // a job is running
  alignas(64) std::atomic<std::uint64_t> unclaimed_{0};  // bit c: chunk c not yet started
  alignas(64) std::atomic<int> remaining_{0};            // chunks not yet finished
  alignas(64) std::atomic<std::uint32_t> generation_{0};  // bumped for every job: wakes the workers
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable work_ready_, work_done_;
};

}  // namespace minicnn
