#pragma once
// What did a convolution layer learn? Per-kernel analysis against the hand-coded filter bank.
#include <functional>
#include <string>
#include <vector>

#include "minicnn/layers/conv2d.hpp"

namespace minicnn {

// The bank filter (under one of the 8 rotations/flips, and either sign) most like a kernel.
struct FilterMatch {
  std::string filter;     // bank name, e.g. "sobel_y"
  std::string transform;  // "", "rot90", "rot180", "rot270", "flip", "flip+rot90", ...
  bool negated = false;   // the kernel is the filter times a negative number
  float cosine = 0;       // |cos| between the mean-removed kernel and the mean-removed filter, 0..1
  float residual = 1;     // ||k - a f|| / ||k|| for the best scale a (mean-removed): sqrt(1 - cos^2)
  Tensor kernel;          // the matched filter as transformed (and negated), padded to the kernel's size
  std::string label() const;  // e.g. "-laplacian8" or "sobel_x rot90"
};

// A kernel "looks like a classical filter" when its nearest bank filter (nearest_filter) has
// |cos| >= this: the one threshold `minicnn analyze` and `minicnn compare` both use and print.
constexpr float kClassicalCosine = 0.6f;

// Best match over every bank filter that fits in the kernel's size (smaller ones centred).
// Untransformed filters win ties, so a Sobel-x rotated by 90 degrees is reported as Sobel-y.
// identity is not a candidate: once its mean is removed it is the 8-neighbour Laplacian.
FilterMatch nearest_filter(const Tensor& kernel);

struct KernelInfo {
  std::size_t out_channel = 0, in_channel = 0;
  FilterMatch match;
  float dc_gain = 0;             // sum of weights: the response to a flat image
  float dc_ratio = 0;            // dc_gain / sum |w|, in [-1, 1]
  std::string pass;              // filters::kind_name(filters::kind_of(kernel)): "low-pass" (|dc_ratio| >= 0.5),
                                 // "high-pass" (<= 0.1), "mixed" or "all-pass" (one non-zero weight)
  float orientation_deg = 0;     // direction of the strongest wave in the DFT, 0..180 (0: varies along x)
  float frequency = 0;           // its spatial frequency, cycles per pixel (0..0.71)
  std::string orientation;       // "horizontal gradient (vertical edges)", "vertical gradient (horizontal edges)",
                                 // "diagonal (45 deg)", "diagonal (135 deg)", "isotropic" or "none" (flat); a
                                 // kernel that turning by 90 degrees leaves (nearly) unchanged, such as a
                                 // Laplacian, sharpen or a blur, is "isotropic": it has no direction
  float norm = 0;                // L2 norm
  float cosine_to_start = 1;     // cosine to the kernel before training (1: unchanged); 1 when no start is given
  double importance = 0;         // test-accuracy drop when this kernel is zeroed (filled by ablate_kernels)
  bool dead = false;             // norm < 1% of the layer's largest kernel norm
  int duplicate_of = -1;         // index of an earlier kernel with |cos| > 0.95, or -1
};

// One entry per (out, in) kernel of a conv weight (OC, C, KH, KW), in row-major order. initial,
// if not empty, is the same layer's weight before training (for cosine_to_start).
std::vector<KernelInfo> analyze_kernels(const Tensor& weight, const Tensor& initial = Tensor());

// Sets KernelInfo::importance: for each output channel of conv, how much accuracy() drops when
// that channel's kernels (and bias) are zeroed; accuracy() measures the model conv belongs to,
// e.g. [&] { return evaluate(model, test, norm).accuracy(); }. The weights are restored.
void ablate_kernels(Conv2d& conv, const std::function<double()>& accuracy, std::vector<KernelInfo>& kernels);

// Frequency character of one (KH, KW) kernel (what analyze_kernels reports).
void frequency_character(const Tensor& kernel, KernelInfo& info);

}  // namespace minicnn
