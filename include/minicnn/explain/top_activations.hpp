#pragma once
// Top-activating examples (Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks",
// ECCV 2014): for every channel of a layer, the dataset images that excite it most. A channel's
// activation for an image is the largest value of its map; the position of that value (the first
// one in row-major order) says where in the picture the channel found what it responds to, and the
// receptive field (receptive_field.hpp) says how much of the picture it saw there.
//
// One streaming pass over the dataset in batches sized to a memory budget, never all activations at
// once: each batch's maps are reduced to one maximum per image and channel, channels split over
// threads, and only the K best per channel are kept.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"

namespace minicnn::explain {

struct TopActivation {
  std::size_t channel = 0, rank = 0;  // rank 0 is the strongest
  std::size_t image = 0;              // position in the dataset as loaded (Dataset::source_index gives its number in the full set)
  std::size_t y = 0, x = 0;           // the strongest position, in the layer's output coordinates
  float activation = 0;
  int label = 0;                      // the image's class
};

struct LayerTopActivations {
  std::string layer;    // the layer's path, e.g. "3" or "4.body.0"
  Shape output_shape;   // per image: (C, H', W'), or (F) for a flat layer (its units are the channels)
  std::vector<std::vector<TopActivation>> channels;  // [channel][rank], strongest first; ties: lower image first
};

struct TopActivationsOptions {
  std::size_t k = 9;           // images kept per channel: 1 to the dataset's size
  std::size_t batch_size = 0;  // 0: within half the evaluation memory budget (train/evaluate.hpp's eval_batch_size)
  std::function<void(std::size_t done, std::size_t total)> progress;  // images done so far
};

// The K strongest images of every channel of each layer in `layers` (paths), in one pass over
// `data` in eval mode, inputs normalised with `norm` as in training.
std::vector<LayerTopActivations> top_activations(Sequential& model, const Dataset& data, const Normalization& norm,
                                                 const std::vector<std::string>& layers, const TopActivationsOptions& o = {});

}  // namespace minicnn::explain
