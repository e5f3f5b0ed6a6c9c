#pragma once
// The files `minicnn features` writes for one layer, and reading them back. The draw page
// (`minicnn serve`) writes the same files in the run's features/ folder when a channel is first
// clicked, so the command and the page reuse each other's work:
//   DIR/<layer>_top.json   [{"channel", "rank", "image", "y", "x", "activation"}], ranked per channel;
//                          "image" is the index in the full test set (Dataset::source_index)
//   DIR/<layer>_top.png    render_top_crops: one row of crops per channel
//   DIR/<layer>_synth.npy  float32 (channels, C, H, W), synthesized inputs in normalised units
//   DIR/<layer>_synth.png  render_synthesized: each beside its channel's 3 best crops
#include <string>
#include <vector>

#include "minicnn/explain/pictures.hpp"
#include "minicnn/explain/synthesize.hpp"

namespace minicnn::explain {

// "image" is the image's index in the full test set (test.source_index), not its place in a
// --test-limit subset, so a reader finds it in the test file; parse_top_json maps it back.
std::string top_json(const LayerTopActivations& t, const Dataset& test);
// A _top.json back as the layer's top activations (labels from `test`; images as positions in test). Throws std::runtime_error
// naming `where` when it is malformed, has another channel count than output_shape says, or names
// an image that `test` does not have.
LayerTopActivations parse_top_json(const std::string& text, const std::string& layer, const Shape& output_shape,
                                   const Dataset& test, const std::string& where);

// "layer 3: Conv2d(6, 16, ...), receptive field 14x14 pixels, stride 2": the pictures' title.
std::string layer_title(Sequential& model, const std::string& layer, const ReceptiveField& rf);

// Writes DIR/<layer>_top.json and _top.png; returns their names.
std::vector<std::string> write_top_files(Sequential& model, const LayerTopActivations& t, const Dataset& test,
                                         const Shape& input_shape, const std::string& dir);
// One synthesized input per channel of the layer (`channels` of them), inside the range of real
// inputs (from `norm`) when o gives none: (channels, C, H, W), normalised.
Tensor synthesize_layer(Sequential& model, const std::string& layer, std::size_t channels, const Normalization& norm,
                        const Shape& input_shape, SynthesisOptions o);
// Per synthesized input n of synth (channels, C, H, W): the first strongest position of channel n
// of the layer's output on it, in the output's coordinates ((0, 0) for a flat layer).
std::vector<std::pair<std::size_t, std::size_t>> synthesized_positions(Sequential& model, const std::string& layer, const Tensor& synth);
// Writes DIR/<layer>_synth.npy and _synth.png for the inputs synthesize_layer made; returns their names.
std::vector<std::string> write_synth_files(Sequential& model, const LayerTopActivations& t, const Tensor& synth,
                                           const Dataset& test, const Normalization& norm, const Shape& input_shape,
                                           const std::string& dir);

}  // namespace minicnn::explain
