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
}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: expected n >= 1, got " + std::to_string(n));
  thread_count() = n;
  openblas_set_num_threads(1);
}

int num_threads() { return thread_count(); }

}  // namespace minicnn
