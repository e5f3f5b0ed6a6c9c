#include "minicnn/core/threads.hpp"

#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#ifdef __linux__
#include <sched.h>
#endif

// Declared by hand: <cblas.h> and xtensor-blas declare the same functions differently, so the
// two clash in one file (docs/STYLE.md, "Dependencies").
extern "C" void openblas_set_num_threads(int num_threads);

namespace minicnn {

namespace {
int& thread_count() {
  static int n = [] {
    openblas_set_num_threads(1);
    return 1;
  }();
  return n;
}

// CPUs allowed by a cgroup v2 quota ("200000 100000" in cpu.max: 2 CPUs), or 0 for none.
int cgroup_cpu_quota() {
  std::ifstream f("/sys/fs/cgroup/cpu.max");
  std::string quota;
  double period = 0;
  if (!(f >> quota >> period) || quota == "max" || period <= 0) return 0;
  try {
    return static_cast<int>(std::ceil(std::stod(quota) / period));
  } catch (const std::exception&) {
    return 0;
  }
}
thread_local int this_thread_count = 0;  // 0: the global count
}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: expected n >= 1, got " + std::to_string(n));
  thread_count() = n;
  openblas_set_num_threads(1);
}

int num_threads() { return this_thread_count ? this_thread_count : thread_count(); }

void set_num_threads_this_thread(int n) {
  if (n < 0) throw std::invalid_argument("set_num_threads_this_thread: expected n >= 0, got " + std::to_string(n));
  this_thread_count = n;
}

int default_num_threads() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
#endif
  if (const int quota = cgroup_cpu_quota(); quota > 0 && quota < n) n = quota;
  return n < 1 ? 1 : n;
}

}  // namespace minicnn
