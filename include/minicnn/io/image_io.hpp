#pragma once
// Reading and writing images (PNG, JPEG, BMP, ... through stb_image), grayscale conversion,
// resizing, and a few drawing helpers for the pictures minicnn makes.
#include <cstdint>
#include <string>
#include <vector>

#include "minicnn/core/tensor.hpp"

namespace minicnn {

// Images larger than this are refused before any pixel is decoded (documented limit).
constexpr std::size_t kImageMaxSide = 16384;
constexpr std::size_t kImageMaxPixels = 1u << 26;  // 64 M pixels

// 8-bit interleaved pixels: channels is 1 (gray), 3 (RGB) or 4 (RGBA).
struct Image {
  std::size_t width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;  // height * width * channels
  Image() = default;
  Image(std::size_t w, std::size_t h, std::size_t c, std::uint8_t fill = 0)
      : width(w), height(h), channels(c), pixels(w * h * c, fill) {}
  std::uint8_t* at(std::size_t x, std::size_t y) { return pixels.data() + (y * width + x) * channels; }
};

// Throws std::runtime_error naming the file and stb's reason (missing, unreadable, not an image,
// zero-sized, or over the size limits).
Image load_image(const std::string& path);
Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& name);

// An image's size and stored channel count from its header alone (nothing is decoded); throws
// like load_image for a file that is not an image or is over the size limits.
struct ImageInfo {
  std::size_t width = 0, height = 0, channels = 0;  // channels as stored: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
};
ImageInfo read_image_info(const std::string& path);

// The image with 1 channel (BT.601 luma, rounded) or 3 (gray repeated); transparent pixels are
// composited over white first, as a viewer shows them.
Image with_channels(const Image& image, std::size_t channels);
// Resized with stb_image_resize (Mitchell filter down, Catmull-Rom up), every channel alike.
Image resize_image(const Image& image, std::size_t width, std::size_t height);

// The whole factor a picture is enlarged by so its longer side is at least at_least pixels (1: it
// already is), and the picture enlarged by it, each pixel a square (nearest neighbour): so a 28x28
// digit or a 64-px filter response is not a speck.
std::size_t enlarge_factor(const Image& image, std::size_t at_least);
Image enlarged(const Image& image, std::size_t at_least);

// The PNG file's bytes, encoded in memory (for a data: URI).
std::string encode_png(const Image& image);
// Writes a PNG atomically (temporary file + rename); durable as write_file_atomic.
void save_png(const std::string& path, const Image& image, bool durable = true);

// Writes a JPEG (quality 1..100) atomically, for tests and examples that need one.
void save_jpeg(const std::string& path, const Image& image, int quality = 90);

// ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B, as (H, W) floats in [0, 255]. Transparent
// pixels are composited over white first, as a viewer shows them.
Tensor to_grayscale(const Image& image);
// Resizes an (H, W) float image with stb_image_resize (Mitchell filter down, cubic up).
Tensor resize(const Tensor& gray, std::size_t height, std::size_t width);
// (H, W) floats -> 8-bit gray image, rounding and clamping to [0, 255].
Image gray_image(const Tensor& gray);

// Draws text with stb_easy_font's built-in bitmap font (ASCII), each font pixel scale x scale. The
// default scale, 2, gives letters about 14 px tall: legible at 100% zoom. '|' reaches below the
// line (the font's own '|' is its 'l').
constexpr std::size_t kTextScale = 2;
void draw_text(Image& image, std::size_t x, std::size_t y, const std::string& text, const std::uint8_t* rgb,
               std::size_t scale = kTextScale);
std::size_t text_width(const std::string& text, std::size_t scale = kTextScale);
constexpr std::size_t kTextHeight = 12;  // per unit of scale, with some space below
inline std::size_t text_height(std::size_t scale = kTextScale) { return kTextHeight * scale; }
// Copies src into dst with its top-left corner at (x, y); both must have the same channel count.
void blit(Image& dst, const Image& src, std::size_t x, std::size_t y);

}  // namespace minicnn
