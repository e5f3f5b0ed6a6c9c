#pragma once
// The hand-coded filter bank: classical kernels people design by hand, to put into a Conv2d, to
// apply to pictures, and to compare with what a network learns.
//
// Every kernel is written as Conv2d uses it: a CROSS-CORRELATION, y[i, j] = sum k[a, b] x[i + a - c, j + b - c]
// with c the centre. So sobel_x, whose right column is positive, responds positively where the
// image gets brighter to the right: to a vertical edge.
#include <memory>
#include <string>
#include <vector>

#include "minicnn/layers/conv2d.hpp"

namespace minicnn::filters {

enum class Kind {
  low_pass,   // non-negative weights summing to 1: a weighted average, keeps flat areas, smooths
  high_pass,  // weights summing to 0: flat areas go to 0, only changes (edges, texture) remain
  other,      // sums to 1 but with negative weights (sharpen, emboss) or keeps everything (identity)
};
const char* kind_name(Kind k);  // "low-pass", "high-pass", "other"

struct Filter {
  std::string name;         // e.g. "sobel_x"
  std::string description;  // one line: what it detects or does
  Kind kind;
  Tensor kernel;            // (K, K)
};

// The kernels, by themselves.
Tensor identity();
Tensor box_blur();             // 3x3 mean
Tensor gaussian3();            // [1 2 1]^T [1 2 1] / 16
Tensor gaussian5();            // [1 4 6 4 1]^T [1 4 6 4 1] / 256
Tensor sharpen();              // [0 -1 0; -1 5 -1; 0 -1 0]
Tensor laplacian8();           // [-1 -1 -1; -1 8 -1; -1 -1 -1], the "edge" detector
Tensor laplacian4();           // [0 -1 0; -1 4 -1; 0 -1 0]
Tensor sobel_x();              // [-1 0 1; -2 0 2; -1 0 1]
Tensor sobel_y();              // sobel_x transposed: responds to horizontal edges (brighter below)
Tensor prewitt_x();
Tensor prewitt_y();
Tensor scharr_x();             // [-3 0 3; -10 0 10; -3 0 3]: Sobel with better rotational symmetry
Tensor scharr_y();
Tensor emboss();               // [-2 -1 0; -1 1 1; 0 1 2]
// A zero-mean Gabor kernel: a cosine wave at orientation theta (degrees; 0 = a vertical stripe
// pattern, varying along x) under a Gaussian envelope. size odd; wavelength in pixels.
Tensor gabor(std::size_t size, float theta_degrees, float wavelength = 4.f, float sigma = 0.f, float gamma = 1.f);

// The whole bank, in a fixed order (gabor at 0, 45, 90 and 135 degrees, 5x5).
const std::vector<Filter>& bank();
// A filter by name or alias ("edge" = laplacian8, "blur" = box_blur, "gaussian" = gaussian3,
// "gaborN" = a 5x5 Gabor at N degrees); throws std::invalid_argument listing the names.
Filter get(const std::string& name);
std::vector<std::string> names();

// A Conv2d(1 -> names.size()) with no bias whose output channel k is filter names[k], padded to
// keep the image size. Smaller kernels are centred in the largest one's size. Optionally frozen.
std::unique_ptr<Conv2d> make_conv(const std::vector<std::string>& names, bool frozen = true);

// The classical filters to fill a first layer of n output channels of size K x K: edge
// detectors first (sobel_x, sobel_y, laplacian8), then sharpen, a blur, diagonal Gabors, ...,
// repeating if n is larger than the list.
std::vector<std::string> default_handset(std::size_t n, std::size_t K);
// Sets output channel o of conv to filter names[o] (centred if smaller than the kernel), spread
// evenly over its input channels (each gets the filter / C, so a gray image copied into every
// channel gives the filter's response), and zeroes the bias. Throws std::invalid_argument if the
// kernel is not square, smaller than a filter, or names has the wrong length.
void set_handset(Conv2d& conv, const std::vector<std::string>& names);

}  // namespace minicnn::filters
