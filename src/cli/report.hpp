#pragma once
// Private to the minicnn tool: pieces for self-contained HTML/Markdown reports.
#include <string>
#include <utility>
#include <vector>

#include "minicnn/io/image_io.hpp"

namespace minicnn::cli {

std::string base64(const std::string& bytes);
// A PNG's bytes, for a data: URI.
std::string png_bytes(const Image& image);
std::string html_escape(const std::string& s);

struct Series {
  std::string name, color;
  std::vector<std::pair<double, double>> points;  // (x, y)
};
// A line chart as standalone SVG text: axes with ticks, one polyline per series, a legend.
std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                           const std::vector<Series>& series, int width = 720, int height = 360);

// One (KH, KW) kernel as a tile, scale px per tap, in the diverging colour map over [-range, range].
Image kernel_tile(const Tensor& kernel, float range, std::size_t scale);

}  // namespace minicnn::cli
