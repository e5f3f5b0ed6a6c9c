#pragma once
// Explanations as pictures: the top-activating crops of a layer's channels, synthesized inputs
// beside them, and a map (saliency, Grad-CAM, occlusion) over the picture the model saw.
#include <string>
#include <vector>

#include "minicnn/data/dataset.hpp"
#include "minicnn/explain/receptive_field.hpp"
#include "minicnn/explain/top_activations.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn::explain {

// Image i of a dataset, the window of it (which may reach outside the picture: that part is drawn
// as a light checkerboard, so every crop of a layer has the receptive field's size).
Image dataset_crop(const Dataset& data, std::size_t i, const ReceptiveField::Window& w);
// One normalised input (C, H, W) back to 8-bit pixels: x * std + mean, times 255.
Image input_image(const Tensor& x, const Normalization& norm);

// One row per channel: its K crops, enlarged to at least 40 pixels, each captioned with its
// activation and class; the title says the layer and the receptive field's size.
Image render_top_crops(const LayerTopActivations& top, const Dataset& data, const ReceptiveField& rf, const std::string& title);

// One row per channel: the synthesized input (synth (channels, C, H, W), normalised), cut to the
// receptive field around the middle of the layer's output, then the channel's 3 best real crops.
Image render_synthesized(const Tensor& synth, const Normalization& norm, const LayerTopActivations& top, const Dataset& data,
                         const ReceptiveField& rf, const std::string& title);

// A map over the picture: the picture, the map (heat colours from 0 to its largest value, or blue
// to red around 0 when it has negative values) with a colour bar, and the map laid over the
// picture; a map smaller than the picture (Grad-CAM) is enlarged bilinearly. Title above, caption
// (what bright means) below.
Image render_map(const Tensor& map, const Tensor& input, const Normalization& norm, const std::string& title,
                 const std::string& caption);

// The map laid over the picture (in grey) at the picture's size, the strongest values most opaque:
// the right-hand panel of render_map, alone.
Image map_overlay(const Tensor& map, const Tensor& input, const Normalization& norm);

// (h, w) -> (H, W) by bilinear interpolation, pixel centres aligned (PyTorch's align_corners=False).
Tensor upsample_bilinear(const Tensor& map, std::size_t H, std::size_t W);

}  // namespace minicnn::explain
