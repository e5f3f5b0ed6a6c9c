#include "minicnn/core/threads.hpp"

#include <stdexcept>
#include <string>

// Declared by hand: including <cblas.h> next to xtensor-blas clashes (see STYLE.md).
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

}  // namespace minicnn
