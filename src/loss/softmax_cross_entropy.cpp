#include "minicnn/loss/softmax_cross_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minicnn {

float SoftmaxCrossEntropy::forward(const Tensor& z, const std::vector<int>& labels) {
  if (z.dimension() != 2 || z.shape(0) == 0 || z.shape(1) == 0)
    throw std::invalid_argument(name() + ": expected logits (N, K) with N, K > 0, got " + shape_str(z.shape()));
  const std::size_t N = z.shape(0), K = z.shape(1);
  if (labels.size() != N)
    throw std::invalid_argument(name() + ": expected " + std::to_string(N) + " labels for logits " +
                                shape_str(z.shape()) + ", got " + std::to_string(labels.size()));
  for (std::size_t n = 0; n < N; ++n)
    if (labels[n] < 0 || static_cast<std::size_t>(labels[n]) >= K)
      throw std::invalid_argument(name() + ": label " + std::to_string(labels[n]) + " at row " + std::to_string(n) +
                                  " is outside [0, " + std::to_string(K) + ")");
  labels_.assign(labels.begin(), labels.end());  // reuses capacity once N is stable
  ensure_shape(p_, z.shape());
  double total = 0;
  for (std::size_t n = 0; n < N; ++n) {
    const float* zr = z.data() + n * K;
    float* pr = p_.data() + n * K;
    const float m = *std::max_element(zr, zr + K);  // subtract the row max so exp() cannot overflow
    double sum = 0;
    for (std::size_t k = 0; k < K; ++k) sum += (pr[k] = std::exp(zr[k] - m));
    for (std::size_t k = 0; k < K; ++k) pr[k] = static_cast<float>(pr[k] / sum);
    // -log p[label] = log(sum) - (z[label] - m): never log(0), even when p[label] underflows.
    total += std::log(sum) - (static_cast<double>(zr[labels[n]]) - m);
  }
  return static_cast<float>(total / static_cast<double>(N));
}

// With p = softmax(z) and L = -(1/N) sum_n log p[n, y_n]:  dL/dz[n, k] = (p[n, k] - [k == y_n]) / N.
const Tensor& SoftmaxCrossEntropy::backward(std::size_t batch_size) {
  if (p_.dimension() == 0) throw std::logic_error(name() + ": backward called before forward");
  const std::size_t N = p_.shape(0), K = p_.shape(1);
  if (batch_size != 0 && batch_size < N)
    throw std::invalid_argument(name() + ": backward over a batch of " + std::to_string(batch_size) +
                                " rows, but the last forward had " + std::to_string(N));
  ensure_shape(dz_, p_.shape());
  const float inv = 1.f / static_cast<float>(batch_size ? batch_size : N);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t k = 0; k < K; ++k)
      dz_.data()[n * K + k] = (p_.data()[n * K + k] - (static_cast<int>(k) == labels_[n] ? 1.f : 0.f)) * inv;
  return dz_;
}

std::size_t SoftmaxCrossEntropy::correct() const {
  if (p_.dimension() == 0) return 0;
  const std::size_t N = p_.shape(0), K = p_.shape(1);
  std::size_t c = 0;
  for (std::size_t n = 0; n < N; ++n) {
    const float* pr = p_.data() + n * K;
    if (static_cast<int>(std::max_element(pr, pr + K) - pr) == labels_[n]) ++c;
  }
  return c;
}

GradCheckResult check_loss_gradients(SoftmaxCrossEntropy& loss, Tensor z, const std::vector<int>& labels,
                                     const GradCheckOptions& o) {
  loss.forward(z, labels);
  const Tensor dz = loss.backward();
  GradCheckResult r = check_scalar_gradient(z, dz, "dlogits", [&] { return static_cast<double>(loss.forward(z, labels)); }, o);
  if (!r.report.empty()) r.report = loss.name() + ":\n" + r.report;
  return r;
}

}  // namespace minicnn
