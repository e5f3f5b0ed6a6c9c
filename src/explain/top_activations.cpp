#include "minicnn/explain/top_activations.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "core/parallel.hpp"
#include "minicnn/explain/gradients.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn::explain {

namespace {

// Keeps list sorted strongest first and at most k long. Images arrive in increasing index order,
// so an activation equal to the weakest kept one loses the tie (the lower index stays).
void offer(std::vector<TopActivation>& list, std::size_t k, const TopActivation& t) {
  if (list.size() == k && !(t.activation > list.back().activation)) return;
  const auto at = std::upper_bound(list.begin(), list.end(), t,
                                   [](const TopActivation& a, const TopActivation& b) { return a.activation > b.activation; });
  list.insert(at, t);
  if (list.size() > k) list.pop_back();
}

// Every image n and channel c of one batch's maps A (B, C, H', W') or (B, F): the first largest
// value, offered to channel c's list. Channels are split over threads; each list has one owner.
void reduce_batch(const Tensor& A, std::size_t first_image, const std::vector<int>& labels, std::size_t k,
                  LayerTopActivations& out) {
  const std::size_t B = A.shape(0), C = A.shape(1), plane = A.size() / (B * C);
  const std::size_t W = A.dimension() == 4 ? A.shape(3) : 1;
  parallel_for(C, [&](std::size_t c0, std::size_t c1, int) {
    for (std::size_t c = c0; c < c1; ++c)
      for (std::size_t n = 0; n < B; ++n) {
        const float* a = A.data() + (n * C + c) * plane;
        std::size_t at = 0;
        for (std::size_t i = 1; i < plane; ++i)
          if (a[i] > a[at] || std::isnan(a[at])) at = i;
        if (std::isnan(a[at])) continue;
        offer(out.channels[c], k, {c, 0, first_image + n, at / W, at % W, a[at], labels[n]});
      }
  });
}

}  // namespace

std::vector<LayerTopActivations> top_activations(Sequential& model, const Dataset& data, const Normalization& norm,
                                                 const std::vector<std::string>& layers, const TopActivationsOptions& o) {
  if (data.size() == 0) throw std::invalid_argument("top activations: " + data.name + " holds no images");
  if (o.k == 0 || o.k > data.size())
    throw std::invalid_argument("top activations: K must be from 1 to " + std::to_string(data.size()) + " (the images in " +
                                data.name + "), got " + std::to_string(o.k));
  if (layers.empty()) throw std::invalid_argument("top activations: no layer asked for");
  std::vector<std::unique_ptr<LayerTap>> taps;
  std::vector<LayerTopActivations> out(layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    taps.push_back(std::make_unique<LayerTap>(model, layers[l]));
    out[l].layer = layers[l];
  }
  TrainingModeGuard eval(model, false);
  // Half the evaluation budget: each tap keeps a copy of its layer's maps beside the layer's own
  // (lenet5's run report peaked 25 MB higher than its training at a batch of 1000).
  const std::size_t batch = o.batch_size ? o.batch_size : eval_batch_size(model, data.sample_shape(), kEvalMemoryBudget / 2);
  DataLoader loader(data, batch, /*shuffle=*/false, 0, norm);
  Tensor x;
  std::vector<int> labels;
  for (std::size_t b = 0, done = 0; b < loader.num_batches(); ++b) {
    loader.load_batch(b, x, labels);
    model.forward(x);
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const Tensor& A = taps[l]->output();
      if (A.dimension() != 4 && A.dimension() != 2)
        throw std::invalid_argument("layer " + layers[l] + " gives " + shape_str(A.shape()) + ", not channels (N, C, H, W) or (N, F)");
      if (b == 0) {
        out[l].output_shape.assign(A.shape().begin() + 1, A.shape().end());
        out[l].channels.assign(A.shape(1), {});
      }
      reduce_batch(A, done, labels, o.k, out[l]);
    }
    done += labels.size();
    if (o.progress) o.progress(done, data.size());
  }
  for (auto& layer : out)
    for (auto& list : layer.channels)
      for (std::size_t r = 0; r < list.size(); ++r) list[r].rank = r;
  return out;
}

}  // namespace minicnn::explain
