#pragma once
// Which implementation the layers' hot loops use. Every path computes the same function; the
// reference path is the plain loop that defines it (slow, for debugging and for the tests to
// compare the fast paths against).
//
// The default is the fastest path this CPU supports: minicnn's own kernels for the widest vector
// instructions the CPU has (avx512, else avx2, else portable), chosen from the CPU's feature flags
// at start-up. Their speed therefore does not depend on which kernels OpenBLAS picks (which the
// environment variable OPENBLAS_CORETYPE can change, and an older OpenBLAS may get wrong on a
// newer CPU). The environment variable MINICNN_KERNELS (read once, at the first call) or
// set_kernel_path() choose another, e.g. to compare with OpenBLAS, to reproduce a result from a
// machine without AVX-512, or to rule the fast code out when hunting a bug.
#include <string>
#include <vector>

namespace minicnn {

enum class KernelPath {
  reference,  // the defining loops (seven-loop convolution, triple-loop matrix product), sums in double
  portable,   // minicnn's own kernels in plain C++: any CPU
  avx2,       // the same kernels with AVX2 + FMA instructions
  avx512,     // the same kernels with AVX-512F instructions
  blas,       // im2col + OpenBLAS sgemm (OpenBLAS picks its kernels by its own CPU detection)
};

KernelPath kernel_path();
// Throws std::invalid_argument when this CPU cannot run the path.
void set_kernel_path(KernelPath path);
const char* kernel_path_name(KernelPath path);  // "reference", "portable", "avx2", "avx512", "blas"
// Parses a name; throws std::invalid_argument listing the names.
KernelPath parse_kernel_path(const std::string& name);

bool kernel_path_supported(KernelPath path);        // does this CPU have the instructions?
std::vector<KernelPath> supported_kernel_paths();   // every path this CPU runs, in enum order
KernelPath best_kernel_path();                      // the default: avx512, avx2 or portable
// The CPU features minicnn's kernels look for and this CPU has, e.g. "avx2 fma avx512f".
std::string cpu_features_used();

// Which algorithm Conv2d's stride-1 3x3 layers use on the fast paths (the reference path always
// runs the seven loops). Winograd's F(2x2, 3x3) does 2.25x fewer multiplications than the direct
// convolution (im2col or implicit) at a slightly larger rounding error (bench/RESULTS.md).
enum class ConvAlgorithm {
  direct,     // every layer direct
  winograd,   // every 3x3, stride-1, dilation-1, one-group layer with padding <= 2 on Winograd
  automatic,  // Winograd where it measured faster: the forward of such layers with 64+ channels each way
};
// The default is automatic; the environment variable MINICNN_CONV (direct, winograd or auto; read
// once, at the first call) or set_conv_algorithm() choose another. An unknown value throws
// std::invalid_argument naming MINICNN_CONV.
ConvAlgorithm conv_algorithm();
void set_conv_algorithm(ConvAlgorithm a);
const char* conv_algorithm_name(ConvAlgorithm a);  // "direct", "winograd", "auto"
ConvAlgorithm parse_conv_algorithm(const std::string& name);  // throws std::invalid_argument listing the names

// Whether a Sequential runs a BatchNorm2d followed by a ReLU as one pass over memory
// (BatchNorm2d::forward_relu, and the mask applied inside BatchNorm's backward): the same bits
// either way, in fewer passes. On by default; the environment variable MINICNN_FUSE=0 (or 1; read
// once, at the first call) or set_fusion_enabled() choose. Another value throws
// std::invalid_argument naming MINICNN_FUSE.
bool fusion_enabled();
void set_fusion_enabled(bool on);

}  // namespace minicnn
