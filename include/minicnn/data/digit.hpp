#pragma once
#include "minicnn/core/tensor.hpp"

namespace minicnn {

// Turns a grayscale picture of one digit (H, W floats in [0, 255], any size) into an MNIST-like
// (out_h, out_w) image, the way MNIST itself was made (LeCun et al.): light-on-dark (a light
// background, judged by the mean of the border pixels, is inverted), cropped to the ink, scaled to
// fit a box of 20/28 of the output keeping its aspect ratio, and placed so its centre of mass is
// at the centre.
Tensor prepare_digit(const Tensor& gray, std::size_t out_h = 28, std::size_t out_w = 28);

}  // namespace minicnn
