#pragma once
// Which implementation the layers' hot loops use. Every path computes the same function; the
// reference path is the plain loop that defines it (slow, for debugging and for the tests to
// compare the fast paths against).
//
// The default is the fastest path this CPU supports. The environment variable MINICNN_KERNELS
// (read once, at the first call) or set_kernel_path() choose another, e.g. to reproduce a result
// from a slower machine or to rule the fast code out when hunting a bug.
#include <string>

namespace minicnn {

enum class KernelPath {
  reference,  // the defining loops (e.g. seven-loop convolution), sums in double
  blas,       // im2col + OpenBLAS sgemm
};

KernelPath kernel_path();
void set_kernel_path(KernelPath path);
const char* kernel_path_name(KernelPath path);  // "reference", "blas"
// Parses a name; throws std::invalid_argument listing the names.
KernelPath parse_kernel_path(const std::string& name);

}  // namespace minicnn
