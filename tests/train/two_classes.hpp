#pragma once
// A tiny classification problem whose answers are known by hand, for the evaluation and report tests.
#include <memory>

#include "minicnn/core/registry.hpp"
#include "minicnn/data/dataset.hpp"

namespace minicnn::test {

// Four 2x2 grey images of two classes, "left" and "right"; the model below says "left" when the
// top-left pixel is brighter than the top-right one. Image 2 is a "right" that looks left.
inline Dataset two_classes() {
  Dataset d;
  d.name = "tiny test";
  d.channels = 1, d.rows = 2, d.cols = 2;
  d.classes = {"left", "right"};
  d.pixels = {200, 10, 0, 0, 10, 200, 0, 0, 250, 10, 0, 0, 10, 200, 0, 0};
  d.labels = {0, 1, 1, 1};
  return d;
}

inline std::unique_ptr<Sequential> left_or_right() {
  auto model = build_model("flatten, linear 2", {1, 2, 2}, 2);
  for (auto& [name, p] : model->parameters()) {
    p->value.fill(0.f);
    if (name == "1.weight") p->value(0, 0) = 5.f, p->value(0, 1) = -5.f, p->value(1, 0) = -5.f, p->value(1, 1) = 5.f;
  }
  return model;
}

}  // namespace minicnn::test
