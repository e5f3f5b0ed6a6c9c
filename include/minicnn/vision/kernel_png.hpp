#pragma once
// Pictures of what a network learned: convolution kernels and feature maps as labelled PNG grids.
#include <string>
#include <utility>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/io/image_io.hpp"
#include "minicnn/layers/conv2d.hpp"

namespace minicnn {

struct KernelImageOptions {
  enum class ColorMap {
    diverging,  // blue (negative) - WHITE (zero) - red (positive): the sign is visible
    grayscale,  // black (-m) - MID-GREY 128 (zero) - white (+m)
  };
  enum class Scaling {
    global,      // one range m = max |w| over all kernels: relative magnitudes stay visible
    per_kernel,  // each kernel stretched to its own max |w|: shapes of weak kernels visible
  };
  enum class View {
    automatic,    // rgb for a layer with 3 input channels (a colour first layer), else per_channel
    per_channel,  // one tile per (output, input) channel pair, in the colour map
    rgb,          // one tile per output channel: its 3 input channels' weights as red, green, blue
                  // around mid-grey (the AlexNet figure); needs 3 input channels
  };
  std::size_t scale = 16;  // pixels per kernel tap (nearest neighbour), so a 3x3 kernel is visible
  std::size_t border = 1;  // separator lines between tiles, in pixels (dark grey)
  ColorMap colormap = ColorMap::diverging;
  Scaling scaling = Scaling::global;
  View view = View::automatic;
  float range = 0;         // > 0: show [-range, range] at full colour (one scale across pictures)
  bool legend = true;      // a colour bar with the value range, and what the colours mean
  bool labels = true;      // channel numbers: output channels on the rows (or each tile), inputs on top
  std::string title;       // drawn above the grid when not empty
};

// Where the tiles went, for a caller that wants to annotate them, and the value range shown.
struct KernelGrid {
  std::size_t rows = 0, cols = 0;      // tiles
  std::size_t tile_w = 0, tile_h = 0;  // pixels per tile
  std::size_t grid_x = 0, grid_y = 0;  // top-left of the first tile
  std::size_t pitch_x = 0, pitch_y = 0;  // from one tile to the next (tile, caption and separator)
  float range = 0;                     // m: the value shown at full colour (global scaling)
  bool rgb = false;                    // tiles are RGB kernels
};

// The neutral colour of a zero weight in each colour map.
void zero_color(KernelImageOptions::ColorMap map, std::uint8_t rgb[3]);
// The colour of value v in [-m, m] (clamped), as the kernel pictures draw it.
void value_color(float v, float m, KernelImageOptions::ColorMap map, std::uint8_t rgb[3]);

// Lays out a (OC, C, KH, KW) weight as a grid: one row per output channel and one column per
// input channel; when there is a single input channel (or in the rgb view), the OC kernels wrap
// into a near-square grid, each tile captioned with its output channel. Reads the weights, never
// changes them.
Image render_kernels(const Tensor& weight, const KernelImageOptions& options = {}, KernelGrid* grid = nullptr);
// One (KH, KW) kernel as a tile, scale px per tap, in the diverging colour map over [-range, range].
Image kernel_tile(const Tensor& kernel, float range, std::size_t scale);

// The legend alone: a colour bar for values in [-range, range] and what the colours mean (for RGB
// tiles, grey = 0, when options.view is View::rgb).
Image render_legend(float range, const KernelImageOptions& options = {});
KernelGrid save_kernels_png(const Conv2d& conv, const std::string& path, const KernelImageOptions& options = {});

// Kernel pictures side by side, each under its caption ("epoch 0", "epoch 1", ...), with a title
// above and a legend (e.g. render_legend's colour bar) below.
Image filmstrip(const std::vector<std::pair<std::string, Image>>& frames, const std::string& title = "",
                const Image& legend = {});
// Every epoch's kernels side by side on one colour scale (the largest |w| of any epoch), so a
// kernel that grows looks stronger: what `minicnn train` saves as kernels_filmstrip.png.
Image kernel_filmstrip(const std::vector<std::pair<std::size_t, Tensor>>& history, const std::string& title);

// Runs one input x (C, H, W) through the model (eval mode, restored after) and writes, for every
// Conv2d (those inside blocks too; only the one at `path` if one is given), a grid of its output
// channels: "<dir>/layer<path>_conv.png" ("layer0_conv.png", "layer3.body.0_conv.png"). With
// all_layers, every other top-level layer with image-shaped output too ("layer1_relu.png"). The
// first layer's maps are drawn beside the kernels that made them. Returns the files written.
std::vector<std::string> save_feature_maps_png(Sequential& model, const Tensor& x, const std::string& dir,
                                               const std::string& path = "", bool all_layers = false);

}  // namespace minicnn
