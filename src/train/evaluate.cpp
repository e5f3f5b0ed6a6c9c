#include "minicnn/train/evaluate.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "minicnn/layers/conv2d.hpp"
#include "minicnn/loss/softmax_cross_entropy.hpp"

namespace minicnn {

namespace {

std::size_t count(const Shape& s) {
  std::size_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

// Floats one sample keeps alive while passing through layer: its output, a conv's unfolded input
// (in/groups * kh * kw values for every output position), and the same for the layers inside.
std::size_t floats_per_sample(Layer& layer, const Shape& in) {
  const Shape out = sample_output_shape(layer, in);
  std::size_t n = count(out);
  if (auto* conv = dynamic_cast<Conv2d*>(&layer)) {
    const auto& w = conv->weight().value.shape();  // (out, in / groups, kh, kw)
    n += w[1] * w[2] * w[3] * out[1] * out[2];
  }
  const NamedLayers kids = layer.children();
  const std::vector<Shape> kid_inputs = layer.children_input_shapes(in);
  if (kid_inputs.size() == kids.size())
    for (std::size_t i = 0; i < kids.size(); ++i) n += floats_per_sample(*kids[i].second, kid_inputs[i]);
  return n;
}

// Adds one batch's answers (probabilities p, one row of K per image) to r.
void tally(EvalResult& r, const float* p, std::size_t K, const std::vector<int>& labels, std::size_t first_image) {
  for (std::size_t i = 0; i < labels.size(); ++i, p += K) {
    const auto best = static_cast<std::size_t>(std::max_element(p, p + K) - p);
    r.predicted[first_image + i] = static_cast<int>(best);
    r.confidence[first_image + i] = p[best];
    ++r.confusion[static_cast<std::size_t>(labels[i])][best];
    r.correct += best == static_cast<std::size_t>(labels[i]);
  }
  r.total += labels.size();
}

}  // namespace

std::size_t eval_batch_size(Sequential& model, const Shape& sample_shape, std::size_t memory_budget) {
  const std::size_t bytes = sizeof(float) * std::max<std::size_t>(1, floats_per_sample(model, sample_shape));
  return std::clamp<std::size_t>(memory_budget / bytes, 1, 1000);
}

EvalResult evaluate(Sequential& model, const Dataset& data, const Normalization& norm, const EvalOptions& options) {
  if (options.world() == 0 || options.rank() >= options.world())
    throw std::invalid_argument("evaluate: rank " + std::to_string(options.rank()) + " of " + std::to_string(options.world()) +
                                " processes; expected a rank below the number of processes");
  const TrainingModeGuard eval(model, false);
  const std::size_t K = data.num_classes();
  const std::size_t batch_size = options.batch_size() ? options.batch_size() : eval_batch_size(model, data.sample_shape());
  DataLoader loader(data, batch_size, /*shuffle=*/false, 0, norm);
  EvalResult r;
  r.confusion.assign(K, std::vector<std::size_t>(K, 0));
  r.predicted.assign(data.size(), -1);
  r.confidence.assign(data.size(), 0.f);
  r.batch_losses.assign(loader.num_batches(), 0.0);
  SoftmaxCrossEntropy loss;
  Tensor x;
  std::vector<int> labels;
  double total_loss = 0;
  for (std::size_t b = options.rank(); b < loader.num_batches(); b += options.world()) {
    loader.load_batch(b, x, labels);
    const Tensor& z = model.forward(x);
    if (z.dimension() != 2 || z.shape(1) != K)
      throw std::invalid_argument("evaluate: the model outputs " + shape_str(z.shape()) + " but " + data.name + " has " +
                                  std::to_string(K) + " classes; expected (N, " + std::to_string(K) + ")");
    r.batch_losses[b] = static_cast<double>(loss.forward(z, labels)) * static_cast<double>(labels.size());
    total_loss += r.batch_losses[b];
    tally(r, loss.probabilities().data(), K, labels, b * batch_size);
  }
  r.loss = r.total ? total_loss / static_cast<double>(r.total) : 0.0;
  // The buffers of a batch of 1000 would stay beside training's batch of 64 for the rest of the run
  // (75 MB for lenet5): the next forward sizes its own again, once.
  model.release_scratch();
  return r;
}

}  // namespace minicnn
