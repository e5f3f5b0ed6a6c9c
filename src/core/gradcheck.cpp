#include "minicnn/core/gradcheck.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include "minicnn/core/init.hpp"

namespace minicnn {

namespace {

// Compares analytic against central differences of f for every element of wrt.
void compare(Tensor& wrt, const Tensor& analytic, const std::string& what, const std::function<double()>& f,
             const GradCheckOptions& o, GradCheckResult& r) {
  std::size_t bad = 0;
  std::ostringstream first;
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    const float old = wrt.data()[i];
    wrt.data()[i] = old + o.h;
    const double up = f();
    wrt.data()[i] = old - o.h;
    const double down = f();
    wrt.data()[i] = old;
    const double numeric = (up - down) / (2.0 * static_cast<double>(o.h)), exact = analytic.data()[i];
    // Written as !(a <= b) so that a NaN in either counts as wrong.
    if (!(std::abs(exact - numeric) <= o.atol + o.rtol * std::max(std::abs(exact), std::abs(numeric))) && bad++ == 0)
      first << what << "[" << i << "]: backward " << exact << ", finite difference " << numeric;
  }
  r.checked += wrt.size();
  r.wrong += bad;
  if (bad) r.report += first.str() + " (" + std::to_string(bad) + "/" + std::to_string(wrt.size()) + " wrong)\n";
}

}  // namespace

GradCheckResult check_gradients(Layer& layer, Tensor x, const GradCheckOptions& o) {
  Rng rng(o.seed);
  Tensor r = Tensor::from_shape(layer.forward(x).shape());
  init::normal(r, 0.f, 1.f, rng);
  auto f = [&] {
    const Tensor& y = layer.forward(x);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.data()[i]) * r.data()[i];
    return s;
  };
  auto params = layer.parameters();
  // Poison the grads: backward must overwrite them (contract rule 3), or the check fails.
  for (auto& [n, p] : params)
    if (!p->frozen) p->grad.fill(std::numeric_limits<float>::quiet_NaN());
  layer.forward(x);
  const Tensor dx = layer.backward(r);  // a copy: the next forward may reuse the buffer

  GradCheckResult result;
  if (dx.shape() != x.shape()) {
    result.wrong = result.checked = 1;
    result.report = layer.name() + ": backward returned dx " + shape_str(dx.shape()) + " for input " +
                    shape_str(x.shape()) + "\n";
    return result;
  }
  compare(x, dx, "dx", f, o, result);
  for (auto& [n, p] : params) {
    if (p->frozen) continue;
    const Tensor g = p->grad;
    compare(p->value, g, n, f, o, result);
  }
  if (!result.report.empty()) result.report = layer.name() + ":\n" + result.report;
  return result;
}

GradCheckResult check_scalar_gradient(Tensor& wrt, const Tensor& analytic, const std::string& what,
                                      const std::function<double()>& f, const GradCheckOptions& o) {
  GradCheckResult result;
  compare(wrt, analytic, what, f, o, result);
  return result;
}

}  // namespace minicnn
