#include "minicnn/explain/feature_files.hpp"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "minicnn/explain/gradients.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/npy.hpp"

namespace minicnn::explain {

std::string top_json(const LayerTopActivations& t, const Dataset& test) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& channel : t.channels)
    for (const auto& a : channel)
      list.push_back({{"channel", a.channel}, {"rank", a.rank}, {"image", test.source_index(a.image)}, {"y", a.y}, {"x", a.x}, {"activation", a.activation}});
  return list.dump(1) + "\n";
}

LayerTopActivations parse_top_json(const std::string& text, const std::string& layer, const Shape& output_shape,
                                   const Dataset& test, const std::string& where) {
  LayerTopActivations t;
  t.layer = layer;
  t.output_shape = output_shape;
  t.channels.resize(output_shape.empty() ? 0 : output_shape[0]);
  try {
    for (const auto& j : nlohmann::json::parse(text)) {
      TopActivation a;
      a.channel = j.at("channel").get<std::size_t>(), a.rank = j.at("rank").get<std::size_t>();
      const std::size_t image = j.at("image").get<std::size_t>();
      a.image = test.position_of(image), a.y = j.at("y").get<std::size_t>(), a.x = j.at("x").get<std::size_t>();
      a.activation = j.at("activation").get<float>();
      if (a.channel >= t.channels.size()) throw std::runtime_error("channel " + std::to_string(a.channel) + " is not in the layer");
      if (a.image >= test.size()) throw std::runtime_error("image " + std::to_string(image) + " is not in the test set");
      a.label = test.labels[a.image];
      t.channels[a.channel].push_back(a);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(where + ": expected the top activations of layer " + layer + ": " + e.what());
  }
  for (const auto& c : t.channels)
    if (c.empty()) throw std::runtime_error(where + ": expected every channel of layer " + layer + ", some have no images");
  return t;
}

std::string layer_title(Sequential& model, const std::string& layer, const ReceptiveField& rf) {
  return "layer " + layer + ": " + short_name(layer_at(model, layer)) + ", receptive field " + rf.str();
}

std::vector<std::string> write_top_files(Sequential& model, const LayerTopActivations& t, const Dataset& test,
                                         const Shape& input_shape, const std::string& dir) {
  const ReceptiveField rf = receptive_field(model, t.layer, input_shape);
  const std::string stem = dir + "/" + t.layer;
  write_text_atomic(stem + "_top.json", top_json(t, test));
  save_png(stem + "_top.png", render_top_crops(t, test, rf, layer_title(model, t.layer, rf)));
  return {stem + "_top.json", stem + "_top.png"};
}

Tensor synthesize_layer(Sequential& model, const std::string& layer, std::size_t channels, const Normalization& norm,
                        const Shape& input_shape, SynthesisOptions o) {
  if (o.low.empty()) input_range(norm, input_shape.at(0), o.low, o.high);
  std::vector<std::size_t> all(channels);
  for (std::size_t c = 0; c < channels; ++c) all[c] = c;
  return synthesize(model, input_shape, layer, all, o);
}

std::vector<std::pair<std::size_t, std::size_t>> synthesized_positions(Sequential& model, const std::string& layer, const Tensor& synth) {
  LayerTap tap(model, layer);
  const TrainingModeGuard eval(model, false);
  model.forward(synth);
  const Tensor& A = tap.output();
  std::vector<std::pair<std::size_t, std::size_t>> at(synth.shape(0), {0, 0});
  if (A.dimension() != 4) return at;
  const std::size_t C = A.shape(1), HW = A.shape(2) * A.shape(3);
  for (std::size_t n = 0; n < at.size() && n < C; ++n) {
    const float* map = A.data() + (n * C + n) * HW;
    const auto i = static_cast<std::size_t>(std::max_element(map, map + HW) - map);
    at[n] = {i / A.shape(3), i % A.shape(3)};
  }
  return at;
}

std::vector<std::string> write_synth_files(Sequential& model, const LayerTopActivations& t, const Tensor& synth,
                                           const Dataset& test, const Normalization& norm, const Shape& input_shape,
                                           const std::string& dir) {
  const ReceptiveField rf = receptive_field(model, t.layer, input_shape);
  const std::string stem = dir + "/" + t.layer, bytes = npy_bytes(synth);
  write_file_atomic(stem + "_synth.npy", bytes.data(), bytes.size());
  save_png(stem + "_synth.png",
           render_synthesized(synth, synthesized_positions(model, t.layer, synth), norm, t, test, rf, layer_title(model, t.layer, rf)));
  return {stem + "_synth.npy", stem + "_synth.png"};
}

}  // namespace minicnn::explain
