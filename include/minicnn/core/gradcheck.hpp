#pragma once
// Checks a layer's backward against central finite differences. Use it on every layer you write.
//
// With a fixed random r shaped like the output, f(x, params) = sum(forward(x) * r) has the exact
// gradient backward(r): dx for x and Parameter::grad for each parameter. Each element of x and of
// every (unfrozen) parameter is nudged by +-h, and (f(+h) - f(-h)) / 2h must agree with the
// analytic value within atol + rtol * max(|analytic|, |numeric|). f is accumulated in double.
// Keep inputs away from kinks (ReLU at 0, ties in a max-pool window): a difference that
// straddles a kink disagrees for no real reason.
#include <cstdint>
#include <string>
#include <vector>

#include "minicnn/core/layer.hpp"
#include <functional>

namespace minicnn {

struct GradCheckOptions {
  float h = 1e-2f;
  float atol = 1e-3f;
  float rtol = 1e-2f;
  std::uint64_t seed = 1;  // for the random upstream gradient r
};

struct GradCheckResult {
  std::size_t checked = 0;  // elements compared
  std::size_t wrong = 0;    // elements outside tolerance (a NaN counts as wrong)
  std::string report;       // one line per tensor that had wrong elements, naming the first
  bool ok() const { return checked > 0 && wrong == 0; }
};

GradCheckResult check_gradients(Layer& layer, Tensor x, const GradCheckOptions& options = {});
// The building block for anything that is not a Layer (a loss, say): compares analytic, the claimed
// gradient of the scalar f with respect to wrt, with central differences of f, element by element.
// f is called with wrt nudged; wrt is restored after each nudge.
GradCheckResult check_scalar_gradient(Tensor& wrt, const Tensor& analytic, const std::string& what,
                                      const std::function<double()>& f, const GradCheckOptions& options = {});

}  // namespace minicnn
