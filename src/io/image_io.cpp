#include "minicnn/io/image_io.hpp"

#include <sys/stat.h>

#include <stb_easy_font.h>
#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "minicnn/io/atomic_file.hpp"

namespace minicnn {

namespace {

std::uint32_t be32(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

// The size a PNG or JPEG header claims, read by hand: stb refuses images over its size limit with
// "unknown image type" (it then tries every other format), which would hide what is wrong.
bool claimed_size(const std::uint8_t* d, std::size_t n, std::uint64_t& w, std::uint64_t& h) {
  static const std::uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 24 && std::memcmp(d, png, 8) == 0 && std::memcmp(d + 12, "IHDR", 4) == 0) {
    w = be32(d + 16), h = be32(d + 20);
    return true;
  }
  if (n < 4 || d[0] != 0xFF || d[1] != 0xD8) return false;
  for (std::size_t i = 2; i + 9 < n;) {  // JPEG: walk the segments to a start-of-frame marker
    if (d[i] != 0xFF) return false;
    const std::uint8_t m = d[i + 1];
    const std::size_t len = (std::size_t(d[i + 2]) << 8) | d[i + 3];
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      h = (std::size_t(d[i + 5]) << 8) | d[i + 6], w = (std::size_t(d[i + 7]) << 8) | d[i + 8];
      return true;
    }
    i += 2 + len;
  }
  return false;
}

// The checks every header gets, from stb's answer (ok, w, h, c) for `name`; head is the start of
// the file (for a clear message when stb cannot say).
ImageInfo checked_info(bool ok, int w, int h, int c, const std::string& name, const std::uint8_t* head = nullptr,
                       std::size_t head_size = 0) {
  std::uint64_t cw = 0, ch = 0;
  if (!ok && head && claimed_size(head, head_size, cw, ch) && (cw > kImageMaxSide || ch > kImageMaxSide))
    throw std::runtime_error(name + ": image is " + std::to_string(cw) + "x" + std::to_string(ch) + ", over the limit of " +
                             std::to_string(kImageMaxSide) + " pixels per side");
  if (!ok) {
    const std::string why = stbi_failure_reason() ? stbi_failure_reason() : "unknown";
    throw std::runtime_error(name + ": not a readable image (" + why + "); expected PNG, JPEG, BMP, GIF, TGA, PSD, HDR, PIC or PNM");
  }
  if (w <= 0 || h <= 0) throw std::runtime_error(name + ": image has zero size (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  if (static_cast<std::size_t>(w) > kImageMaxSide || static_cast<std::size_t>(h) > kImageMaxSide ||
      static_cast<std::size_t>(w) * static_cast<std::size_t>(h) > kImageMaxPixels)
    throw std::runtime_error(name + ": image is " + std::to_string(w) + "x" + std::to_string(h) +
                             ", over the limit of " + std::to_string(kImageMaxSide) + " per side and " +
                             std::to_string(kImageMaxPixels) + " pixels");
  return {static_cast<std::size_t>(w), static_cast<std::size_t>(h), static_cast<std::size_t>(c)};
}

// stb decodes a truncated JPEG without complaint, filling the missing part with grey. A whole JPEG
// ends its last scan (after the last start-of-scan marker FF DA) with the end-of-image marker FF D9;
// neither can occur inside the compressed data, where a 0xFF byte is always followed by 0x00.
bool jpeg_truncated(const std::uint8_t* data, std::size_t size) {
  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return false;  // not a JPEG
  std::size_t sos = 0;
  for (std::size_t i = size - 1; i > 1 && !sos; --i)
    if (data[i - 1] == 0xFF && data[i] == 0xDA) sos = i;
  for (std::size_t i = sos + 1; i < size; ++i)
    if (data[i - 1] == 0xFF && data[i] == 0xD9) return false;
  return true;
}

}  // namespace

ImageInfo read_image_info(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + ": is not a regular file; expected an image");
  if (st.st_size == 0) throw std::runtime_error(path + ": is empty (0 bytes); expected an image");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  int w = 0, h = 0, c = 0;
  const bool ok = stbi_info_from_file(f, &w, &h, &c) != 0;
  std::uint8_t head[65536];
  std::size_t got = 0;
  if (!ok && std::fseek(f, 0, SEEK_SET) == 0) got = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  return checked_info(ok, w, h, c, path, head, got);
}

Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& name) {
  if (size == 0) throw std::runtime_error(name + ": is empty (0 bytes); expected an image");
  if (size > static_cast<std::size_t>(INT32_MAX)) throw std::runtime_error(name + ": file too large for an image");
  int w = 0, h = 0, c = 0;
  const int len = static_cast<int>(size);
  const bool ok = stbi_info_from_memory(data, len, &w, &h, &c) != 0;
  checked_info(ok, w, h, c, name, data, size);
  if (jpeg_truncated(data, size)) throw std::runtime_error(name + ": truncated JPEG (the data ends before its end-of-image marker)");
  const int want = (c == 1 || c == 2) ? 1 : (c == 4 ? 4 : 3);  // gray+alpha reads as gray
  stbi_uc* px = stbi_load_from_memory(data, len, &w, &h, &c, want);
  if (!px) throw std::runtime_error(name + ": cannot decode image (" + std::string(stbi_failure_reason()) + ")");
  Image img(static_cast<std::size_t>(w), static_cast<std::size_t>(h), static_cast<std::size_t>(want));
  std::memcpy(img.pixels.data(), px, img.pixels.size());
  stbi_image_free(px);
  return img;
}

Image load_image(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw std::runtime_error(path + ": is not a regular file; expected an image");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  const std::streamoff size = in.tellg();
  if (size < 0) throw std::runtime_error(path + ": cannot read (is it a folder?)");
  if (static_cast<std::uint64_t>(size) > (1ull << 30)) throw std::runtime_error(path + ": over 1 GiB; not read as an image");
  std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(data.data()), size))
    throw std::runtime_error(path + ": read error (is it a folder?)");
  return decode_image(data.data(), data.size(), path);
}

std::string encode_png(const Image& img) {
  if (img.width == 0 || img.height == 0 || img.channels < 1 || img.channels > 4 ||
      img.pixels.size() != img.width * img.height * img.channels)
    throw std::invalid_argument("encode_png: image is empty or inconsistent (" + std::to_string(img.width) + "x" +
                                std::to_string(img.height) + "x" + std::to_string(img.channels) + ")");
  std::string bytes;
  const int ok = stbi_write_png_to_func(
      [](void* ctx, void* data, int n) { static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), n); },
      &bytes, static_cast<int>(img.width), static_cast<int>(img.height), static_cast<int>(img.channels),
      img.pixels.data(), static_cast<int>(img.width * img.channels));
  if (!ok || bytes.empty()) throw std::runtime_error("PNG encoding failed");
  return bytes;
}

void save_png(const std::string& path, const Image& img, bool durable) {
  std::string bytes;
  try {
    bytes = encode_png(img);
  } catch (const std::exception& e) {
    throw std::invalid_argument("save_png: " + path + ": " + e.what());
  }
  write_file_atomic(path, bytes.data(), bytes.size(), durable);
}

void save_jpeg(const std::string& path, const Image& img, int quality) {
  if (img.width == 0 || img.height == 0 || img.channels < 1 || img.channels > 4)
    throw std::invalid_argument("save_jpeg: " + path + ": image is empty or inconsistent");
  std::string bytes;
  const int ok = stbi_write_jpg_to_func(
      [](void* ctx, void* data, int n) { static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), n); },
      &bytes, static_cast<int>(img.width), static_cast<int>(img.height), static_cast<int>(img.channels), img.pixels.data(),
      std::clamp(quality, 1, 100));
  if (!ok || bytes.empty()) throw std::runtime_error(path + ": JPEG encoding failed");
  write_file_atomic(path, bytes.data(), bytes.size());
}

Tensor to_grayscale(const Image& img) {
  Tensor g = Tensor::from_shape({img.height, img.width});
  float* out = g.data();
  const std::uint8_t* p = img.pixels.data();
  for (std::size_t i = 0, n = img.width * img.height; i < n; ++i, p += img.channels) {
    if (img.channels == 1) {
      out[i] = p[0];
      continue;
    }
    float y = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    if (img.channels == 4) y = y * (p[3] / 255.f) + 255.f * (1.f - p[3] / 255.f);  // over white
    out[i] = y;
  }
  return g;
}

Image with_channels(const Image& img, std::size_t channels) {
  if (channels != 1 && channels != 3) throw std::invalid_argument("with_channels: expected 1 or 3 channels, got " + std::to_string(channels));
  if (img.channels == channels) return img;
  Image out(img.width, img.height, channels);
  const std::uint8_t* p = img.pixels.data();
  for (std::size_t i = 0, n = img.width * img.height; i < n; ++i, p += img.channels) {
    const float g0 = p[0];
    float rgb[3] = {g0, g0, g0};
    if (img.channels >= 3) rgb[1] = p[1], rgb[2] = p[2];
    if (img.channels == 4 || img.channels == 2) {  // alpha over white
      const float a = p[img.channels - 1] / 255.f;
      for (float& v : rgb) v = v * a + 255.f * (1.f - a);
    }
    if (channels == 1) out.pixels[i] = static_cast<std::uint8_t>(std::clamp(std::lround(0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]), 0L, 255L));
    else
      for (std::size_t c = 0; c < 3; ++c) out.pixels[i * 3 + c] = static_cast<std::uint8_t>(std::clamp(std::lround(rgb[c]), 0L, 255L));
  }
  return out;
}

std::size_t enlarge_factor(const Image& img, std::size_t at_least) {
  const std::size_t side = std::max<std::size_t>(1, std::max(img.width, img.height));
  return std::max<std::size_t>(1, (at_least + side - 1) / side);
}

Image enlarged(const Image& img, std::size_t at_least) {
  const std::size_t s = enlarge_factor(img, at_least);
  Image out(img.width * s, img.height * s, img.channels);
  for (std::size_t y = 0; y < out.height; ++y)
    for (std::size_t x = 0; x < out.width; ++x)
      std::copy(img.pixels.begin() + static_cast<long>(((y / s) * img.width + x / s) * img.channels),
                img.pixels.begin() + static_cast<long>(((y / s) * img.width + x / s + 1) * img.channels), out.at(x, y));
  return out;
}

Image resize_image(const Image& img, std::size_t width, std::size_t height) {
  if (img.width == 0 || img.height == 0 || width == 0 || height == 0)
    throw std::invalid_argument("resize_image: empty image or size");
  if (img.width == width && img.height == height) return img;
  Image out(width, height, img.channels);
  if (!stbir_resize_uint8(img.pixels.data(), static_cast<int>(img.width), static_cast<int>(img.height), 0, out.pixels.data(),
                          static_cast<int>(width), static_cast<int>(height), 0, static_cast<int>(img.channels)))
    throw std::runtime_error("resize_image: stb_image_resize failed");
  return out;
}

Tensor resize(const Tensor& gray, std::size_t height, std::size_t width) {
  if (gray.dimension() != 2 || gray.size() == 0 || height == 0 || width == 0)
    throw std::invalid_argument("resize: expected a non-empty (H, W) image and a non-zero size, got " +
                                shape_str(gray.shape()) + " -> (" + std::to_string(height) + ", " + std::to_string(width) + ")");
  Tensor out = Tensor::from_shape({height, width});
  const int ok = stbir_resize_float(gray.data(), static_cast<int>(gray.shape(1)), static_cast<int>(gray.shape(0)), 0,
                                    out.data(), static_cast<int>(width), static_cast<int>(height), 0, 1);
  if (!ok) throw std::runtime_error("resize: stb_image_resize failed");
  return out;
}

Image gray_image(const Tensor& gray) {
  if (gray.dimension() != 2) throw std::invalid_argument("gray_image: expected (H, W), got " + shape_str(gray.shape()));
  Image img(gray.shape(1), gray.shape(0), 1);
  for (std::size_t i = 0; i < gray.size(); ++i)
    img.pixels[i] = static_cast<std::uint8_t>(std::clamp(std::lround(gray.data()[i]), 0L, 255L));
  return img;
}

void draw_text(Image& img, std::size_t x0, std::size_t y0, const std::string& text, const std::uint8_t* rgb,
               std::size_t scale) {
  // stb_easy_font emits axis-aligned quads (4 vertices of 16 bytes each); fill each rectangle.
  static thread_local std::vector<char> buf(1 << 16);
  std::string t = text.substr(0, 500);
  const int quads = stb_easy_font_print(0, 0, t.data(), nullptr, buf.data(), static_cast<int>(buf.size()));
  const auto fill = [&](float xa, float ya, float xb, float yb) {
    for (std::size_t y = static_cast<std::size_t>(ya * scale); y < static_cast<std::size_t>(yb * scale); ++y)
      for (std::size_t x = static_cast<std::size_t>(xa * scale); x < static_cast<std::size_t>(xb * scale); ++x) {
        if (x0 + x >= img.width || y0 + y >= img.height) continue;
        std::uint8_t* p = img.at(x0 + x, y0 + y);
        for (std::size_t c = 0; c < std::min<std::size_t>(img.channels, 3); ++c) p[c] = img.channels == 1 ? rgb[1] : rgb[c];
      }
  };
  for (int q = 0; q < quads; ++q) {
    const float* v = reinterpret_cast<const float*>(buf.data() + q * 64);
    fill(std::min(v[0], v[8]), std::min(v[1], v[9]), std::max(v[0], v[8]), std::max(v[1], v[9]));
  }
  // stb_easy_font draws '|' exactly as 'l' (one stroke, rows 0-7): "|response|" read "lresponsel".
  // Extend the bar through the descender rows (to 9, as 'p' and 'g' go), the usual shape of '|'.
  // A character's x is the width of the text before it (one line: titles have no line breaks).
  for (std::size_t i = 0; i < t.size() && t[i] != '\n'; ++i)
    if (t[i] == '|') {
      std::string before = t.substr(0, i);
      const float x = static_cast<float>(stb_easy_font_width(before.data()));
      fill(x, 7, x + 1, 9);
    }
}

std::size_t text_width(const std::string& text, std::size_t scale) {
  std::string t = text.substr(0, 500);
  return static_cast<std::size_t>(stb_easy_font_width(t.data())) * scale;
}

void blit(Image& dst, const Image& src, std::size_t x, std::size_t y) {
  if (src.channels != dst.channels) throw std::invalid_argument("blit: channel counts differ");
  for (std::size_t r = 0; r < src.height && y + r < dst.height; ++r) {
    const std::size_t w = std::min(src.width, dst.width > x ? dst.width - x : 0);
    std::memcpy(dst.at(x, y + r), src.pixels.data() + r * src.width * src.channels, w * src.channels);
  }
}

}  // namespace minicnn
