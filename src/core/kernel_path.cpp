#include "minicnn/core/kernel_path.hpp"

#include <cstdlib>
#include <stdexcept>

namespace minicnn {

namespace {
KernelPath& current() {
  static KernelPath path = [] {
    const char* env = std::getenv("MINICNN_KERNELS");
    if (!env || !*env) return KernelPath::blas;
    try {
      return parse_kernel_path(env);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("MINICNN_KERNELS: ") + e.what());
    }
  }();
  return path;
}
}  // namespace

KernelPath kernel_path() { return current(); }
void set_kernel_path(KernelPath path) { current() = path; }

const char* kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::reference: return "reference";
    case KernelPath::blas: return "blas";
  }
  return "?";
}

KernelPath parse_kernel_path(const std::string& name) {
  for (const KernelPath p : {KernelPath::reference, KernelPath::blas})
    if (name == kernel_path_name(p)) return p;
  throw std::invalid_argument("unknown kernel path '" + name + "' (expected reference or blas)");
}

}  // namespace minicnn
