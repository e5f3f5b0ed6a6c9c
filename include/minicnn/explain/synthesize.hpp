#pragma once
// Synthesized inputs, or activation maximisation (Erhan, Bengio, Courville & Vincent, "Visualizing
// Higher-Layer Features of a Deep Network", 2009; Olah, Mordvintsev & Schubert, "Feature
// Visualization", Distill 2017): start from a nearly flat picture and climb the gradient of one
// channel's activation with respect to the input. Unregularised, the climb finds high-frequency
// noise that no real picture contains; so every step shifts the picture by a random pixel or two
// (jitter: what the channel likes must survive a small move), every few steps blurs it a little,
// pulls it slightly towards the data's mean (decay), and keeps every value inside the range real
// inputs have (each channel's normalised [0, 1]).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"

namespace minicnn::explain {

// The defaults were tuned on lenet5's second conv layer (bench/explain_bench.sh, bench/RESULTS.md):
// with a blur every 8 steps 1 channel of 16 beat its best test image; every 32 steps, a step of
// 0.1 and a jitter of 2, 15 of 16.
struct SynthesisOptions {
  std::size_t steps = 256;
  float step = 0.1f;            // the largest change of any value per step, as a share of its channel's range
  std::size_t jitter = 2;       // shift the picture by up to this many pixels each step
  std::size_t blur_every = 32;  // a light 3x3 blur every this many steps (0: never)
  float decay = 0.002f;        // each step pulls values this share of the way towards the mean (0)
  std::uint64_t seed = 1;      // the starting noise and the jitter: the same seed draws the same pictures
  // Per input channel: the range of real inputs, in normalised units (input_range()); empty: [0, 1].
  std::vector<float> low, high;
  std::function<void(std::size_t done, std::size_t total)> progress;  // steps done so far, after each step
};

// The normalised values of pixels 0 and 255 (the range of real inputs) per channel.
void input_range(const Normalization& norm, std::size_t channels, std::vector<float>& low, std::vector<float>& high);

// One picture (C, H, W) per channel in `channels` of the layer at `layer`, each climbing that
// channel's activation (the largest value of its map): returns (channels.size(), C, H, W) in the
// model's normalised input units, every value inside [low, high]. Deterministic for a seed.
Tensor synthesize(Sequential& model, const Shape& input_shape, const std::string& layer, const std::vector<std::size_t>& channels,
                  const SynthesisOptions& o = {});

}  // namespace minicnn::explain
