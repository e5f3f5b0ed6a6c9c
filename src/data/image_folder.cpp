// Folders of images, one subfolder per class (as torchvision's ImageFolder and Keras'
// image_dataset_from_directory read them). Two passes: the headers first (sizes, colour, what is
// not an image), so the size and channel count can be chosen and the memory checked before any
// pixel is decoded; then every image decoded in parallel, converted and resized to the common
// size, and kept as planar bytes.
#include <dirent.h>
#include "minicnn/core/text.hpp"
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <stdexcept>

#include "core/parallel.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

namespace {

constexpr std::size_t kMaxFolderDepth = 8, kMaxFiles = 10'000'000, kReportedFiles = 10;

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Sorted entries of a folder, without . and .. (and hidden files).
std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) throw std::runtime_error(dir + ": cannot open folder");
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool image_name(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* e : {"png", "jpg", "jpeg", "bmp", "gif", "tga", "pgm", "ppm", "pnm"})
    if (ext == e) return true;
  return false;
}

// Every image file under dir (subfolders included, sorted), and the other files (counted; the
// first kReportedFiles named in the report).
void collect(const std::string& dir, std::size_t depth, std::vector<std::string>& files, ImageFolderReport& r) {
  if (depth > kMaxFolderDepth) throw std::runtime_error(dir + ": folders nested more than " + std::to_string(kMaxFolderDepth) + " deep");
  for (const auto& name : entries(dir)) {
    const std::string path = dir + "/" + name;
    if (is_dir(path)) {
      collect(path, depth + 1, files, r);
    } else if (image_name(name)) {
      files.push_back(path);
    } else if (++r.ignored <= kReportedFiles) {
      r.ignored_files.push_back(path);
    }
    if (files.size() > kMaxFiles) throw std::runtime_error(dir + ": more than " + std::to_string(kMaxFiles) + " files");
  }
}

struct Entry {
  std::string path;
  int label;
  ImageInfo info;
  std::string error;  // why it cannot be read, if it cannot
};

// "cat/1.jpg: truncated JPEG ..." for the report.
void note_skip(ImageFolderReport& r, const Entry& e) {
  ++r.skipped;
  if (r.skipped_files.size() < kReportedFiles) r.skipped_files.push_back(e.error);
}

// The size most images have (ties: the larger one), and whether any is stored in colour.
void choose_shape(const std::vector<Entry>& es, ImageFolderOptions& o) {
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> sizes;
  bool colour = false;
  for (const auto& e : es) {
    if (!e.error.empty()) continue;
    ++sizes[{e.info.height, e.info.width}];
    colour = colour || e.info.channels >= 3;
  }
  if (o.channels == 0) o.channels = colour ? 3 : 1;
  if (o.height == 0 || o.width == 0) {
    std::pair<std::size_t, std::size_t> best{0, 0};
    std::size_t most = 0;
    for (const auto& [hw, n] : sizes)
      if (n >= most) most = n, best = hw;
    o.height = best.first;
    o.width = best.second;
  }
}

// Decodes entry e into out (channels, height, width), or sets e.error.
void decode_into(Entry& e, const ImageFolderOptions& o, std::uint8_t* out, std::atomic<std::size_t>& resized) {
  try {
    Image img = with_channels(load_image(e.path), o.channels);
    if (img.width != o.width || img.height != o.height) {
      img = resize_image(img, o.width, o.height);
      ++resized;
    }
    const std::size_t plane = o.width * o.height;
    for (std::size_t c = 0; c < o.channels; ++c)
      for (std::size_t k = 0; k < plane; ++k) out[c * plane + k] = img.pixels[k * o.channels + c];
  } catch (const std::exception& ex) {
    e.error = ex.what();
  }
}

}  // namespace

std::vector<std::string> image_folder_classes(const std::string& dir) {
  if (!is_dir(dir)) throw std::runtime_error(dir + ": is not a folder");
  std::vector<std::string> classes;
  for (const auto& name : entries(dir))
    if (is_dir(dir + "/" + name)) classes.push_back(name);
  if (classes.size() == 1)
    throw std::runtime_error(dir + ": needs at least 2 classes, found 1 (" + classes[0] + "); put each class's images in a "
                             "subfolder named after the class, next to " + dir + "/" + classes[0] + "/");
  if (classes.empty())
    throw std::runtime_error(dir + ": holds 0 class folders; expected one subfolder per class, at least two (e.g. " + dir +
                             "/cat/, " + dir + "/dog/)");
  return classes;
}

Dataset load_image_folder(const std::string& dir, ImageFolderOptions& o, ImageFolderReport* report,
                          const std::vector<std::string>& expected) {
  ImageFolderReport r;
  Dataset d;
  d.name = dir;
  d.classes = image_folder_classes(dir);
  if (!expected.empty() && d.classes != expected)
    throw std::runtime_error(dir + ": its classes (" + join(d.classes) + ") differ from the training set's (" +
                             join(expected) + ")");
  // Pass 1: headers.
  std::vector<Entry> es;
  for (std::size_t k = 0; k < d.classes.size(); ++k) {
    std::vector<std::string> files;
    collect(dir + "/" + d.classes[k], 0, files, r);
    if (files.empty()) throw std::runtime_error(dir + "/" + d.classes[k] + ": holds no images (PNG, JPEG, BMP, ...)");
    for (auto& f : files) es.push_back({std::move(f), static_cast<int>(k), {}, {}});
  }
  for (auto& e : es) {
    try {
      e.info = read_image_info(e.path);
    } catch (const std::exception& ex) {
      e.error = ex.what();
      if (!o.skip_bad) throw std::runtime_error(e.error + " (pass --skip-bad-images to leave such files out)");
    }
  }
  choose_shape(es, o);
  if (o.height == 0) throw std::runtime_error(dir + ": none of its images can be read");
  const std::uint64_t bytes = static_cast<std::uint64_t>(es.size()) * o.channels * o.height * o.width;
  if (bytes > o.max_bytes)
    throw std::runtime_error(dir + ": " + std::to_string(es.size()) + " images of " + std::to_string(o.channels) + "x" +
                             std::to_string(o.height) + "x" + std::to_string(o.width) + " need " +
                             std::to_string(bytes >> 20) + " MiB, over the limit of " + std::to_string(o.max_bytes >> 20) +
                             " MiB (--max-dataset-memory); choose a smaller --image-size or raise the limit");
  // Pass 2: pixels, in parallel; errors are collected per image and reported after.
  const std::size_t sample = o.channels * o.height * o.width;
  std::vector<std::uint8_t>& pixels = d.pixels;
  pixels.resize(es.size() * sample);
  std::atomic<std::size_t> done{0}, resized{0};
  parallel_for(es.size(), [&](std::size_t b, std::size_t e, int chunk) {
    for (std::size_t i = b; i < e; ++i) {
      if (es[i].error.empty()) decode_into(es[i], o, pixels.data() + i * sample, resized);
      const std::size_t n = ++done;
      if (chunk == 0 && o.progress && (n % 256 == 0 || n == es.size())) o.progress(n, es.size());
    }
  });
  if (o.progress) o.progress(es.size(), es.size());
  // Keep the readable ones, in order, moving each image down over the gaps the others left.
  d.channels = o.channels, d.rows = o.height, d.cols = o.width;
  for (std::size_t i = 0; i < es.size(); ++i) {
    if (!es[i].error.empty()) {
      if (!o.skip_bad) throw std::runtime_error(es[i].error + " (pass --skip-bad-images to leave such files out)");
      note_skip(r, es[i]);
      continue;
    }
    if (d.labels.size() != i)
      std::copy(pixels.begin() + static_cast<long>(i * sample), pixels.begin() + static_cast<long>((i + 1) * sample),
                pixels.begin() + static_cast<long>(d.labels.size() * sample));
    d.labels.push_back(es[i].label);
  }
  pixels.resize(d.labels.size() * sample);
  pixels.shrink_to_fit();
  for (std::size_t k = 0; k < d.classes.size(); ++k)
    if (std::find(d.labels.begin(), d.labels.end(), static_cast<int>(k)) == d.labels.end())
      throw std::runtime_error(dir + "/" + d.classes[k] + ": none of its images can be read");
  r.images = d.size();
  r.resized = resized;
  r.channels = o.channels, r.height = o.height, r.width = o.width;
  if (report) *report = r;
  return d;
}

Image dataset_image(const Dataset& d, std::size_t i) {
  if (i >= d.size()) throw std::out_of_range("dataset_image: image " + std::to_string(i) + " of " + std::to_string(d.size()));
  Image img(d.cols, d.rows, d.channels);
  const std::uint8_t* src = d.pixels.data() + i * d.sample_size();
  const std::size_t plane = d.rows * d.cols;
  for (std::size_t c = 0; c < d.channels; ++c)
    for (std::size_t k = 0; k < plane; ++k) img.pixels[k * d.channels + c] = src[c * plane + k];
  return img;
}

}  // namespace minicnn
