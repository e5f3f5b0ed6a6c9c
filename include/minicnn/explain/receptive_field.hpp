#pragma once
// The receptive field of a layer's output: which input pixels one output position can see,
// composed through every layer before it (kernel, stride, padding, dilation, pooling; both
// branches of a residual block; the union of a concat's branches; a global pooling, Flatten or Linear
// sees the whole picture).
//
// Per axis, with r the field's size, j the distance in input pixels between neighbouring output
// positions (the product of the strides so far) and s the input coordinate of output 0's centre,
// a layer with kernel k, stride t, padding p and dilation d gives
//     r' = r + (k - 1) d j,    j' = j t,    s' = s + ((k - 1) d / 2 - p) j
// (Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019).
#include <string>

#include "minicnn/core/sequential.hpp"

namespace minicnn::explain {

struct ReceptiveFieldAxis {
  double size = 1, jump = 1, start = 0;
};

struct ReceptiveField {
  ReceptiveFieldAxis y, x;
  // The input window output position (oy, ox) sees: rows [top, top + height), columns
  // [left, left + width). It may reach outside the picture (into the padding).
  struct Window {
    long top = 0, left = 0, height = 1, width = 1;
  };
  Window window(std::size_t oy, std::size_t ox) const;
  std::string str() const;  // "14x14 pixels, stride 4"
};

// The receptive field of the output of the layer at `path` ("3", "4.body.0") for inputs of
// per-sample shape input_shape (C, H, W). Throws std::invalid_argument for an unknown path, or a
// layer it cannot follow (one that changes the picture's size but is none of minicnn's layers).
ReceptiveField receptive_field(Sequential& model, const std::string& path, const Shape& input_shape);

}  // namespace minicnn::explain
