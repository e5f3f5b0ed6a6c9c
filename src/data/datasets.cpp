// Which format a data folder holds, and reading its training and test sets.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minicnn/core/init.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/data/datasets.hpp"

namespace minicnn {

namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}
bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool has_idx(const std::string& dir) {
  for (const char* f : {"train-images-idx3-ubyte", "train-images.idx3-ubyte", "t10k-images-idx3-ubyte"})
    for (const char* ext : {"", ".gz"})
      if (exists(dir + "/" + f + ext)) return true;
  return false;
}

// A folder whose images are split: DIR/train/<class>/ and DIR/test/<class>/.
bool split_folder(const std::string& dir) { return is_dir(dir + "/train") && is_dir(dir + "/test"); }

Dataset subset(const Dataset& all, const std::vector<std::size_t>& idx, const std::string& name) {
  Dataset d;
  d.name = name;
  d.channels = all.channels, d.rows = all.rows, d.cols = all.cols;
  d.classes = all.classes;
  d.pixels.reserve(idx.size() * all.sample_size());
  for (const std::size_t i : idx) {
    d.labels.push_back(all.labels[i]);
    if (!all.source.empty()) d.source.push_back(all.source[i]);
    const auto from = all.pixels.begin() + static_cast<long>(i * all.sample_size());
    d.pixels.insert(d.pixels.end(), from, from + static_cast<long>(all.sample_size()));
  }
  return d;
}

DataSplits load_folder(DataOptions& o) {
  DataSplits s;
  s.format = DataFormat::folder;
  if (split_folder(o.dir)) {
    s.train = load_image_folder(o.dir + "/train", o.folder, &s.report);
    ImageFolderReport test_report;
    s.test = load_image_folder(o.dir + "/test", o.folder, &test_report, s.train.classes);
    s.report.images += test_report.images, s.report.resized += test_report.resized, s.report.skipped += test_report.skipped;
    s.report.ignored += test_report.ignored;
    for (auto& f : test_report.skipped_files)
      if (s.report.skipped_files.size() < 10) s.report.skipped_files.push_back(f);
    for (auto& f : test_report.ignored_files)
      if (s.report.ignored_files.size() < 10) s.report.ignored_files.push_back(f);
    return s;
  }
  if (!(o.val_split > 0 && o.val_split < 1))
    throw std::runtime_error(o.dir + ": has no train/ and test/ folders, and --val-split is " + std::to_string(o.val_split) +
                             "; give a fraction between 0 and 1 to hold out a test set");
  const Dataset all = load_image_folder(o.dir, o.folder, &s.report);
  split_stratified(all, o.val_split, o.seed, s.train, s.test);
  s.split_here = true;
  return s;
}

// Image files directly in dir (by their names).
std::size_t count_images(const std::string& dir) {
  std::size_t n = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      const auto dot = name.rfind('.');
      std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
      for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      n += ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "bmp";
    }
    ::closedir(d);
  }
  return n;
}

// The folders directly in dir.
std::vector<std::string> subfolders(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != ".." && is_dir(dir + "/" + name)) names.push_back(name);
    }
    ::closedir(d);
  }
  return names;
}

}  // namespace

const char* format_name(DataFormat f) {
  switch (f) {
    case DataFormat::idx: return "idx";
    case DataFormat::folder: return "folder";
    case DataFormat::cifar10: return "cifar10";
  }
  return "?";
}

DataFormat detect_format(const std::string& dir) {
  if (!exists(dir)) throw std::runtime_error(dir + ": no such folder");
  if (!is_dir(dir)) throw std::runtime_error(dir + ": is not a folder; --data names a folder of data");
  if (has_idx(dir)) return DataFormat::idx;
  if (exists(dir + "/data_batch_1.bin") || exists(dir + "/test_batch.bin")) return DataFormat::cifar10;
  const std::string classes_at = split_folder(dir) ? dir + "/train" : dir;
  try {
    image_folder_classes(classes_at);
    return DataFormat::folder;
  } catch (const std::runtime_error&) {
    // One class folder with pictures: what is missing is the other classes.
    if (const auto subs = subfolders(classes_at); subs.size() == 1 && count_images(classes_at + "/" + subs[0]) > 0) throw;
    const std::size_t loose = count_images(classes_at);
    if (loose > 0)
      throw std::runtime_error(classes_at + ": holds " + std::to_string(loose) + (loose == 1 ? " image" : " images") + " but no class folders; put each class's "
                               "images in a subfolder named after the class (" + classes_at + "/cat/*.jpg, " + classes_at +
                               "/dog/*.jpg, ...) and train with --data " + dir);
    throw std::runtime_error(dir + ": holds no dataset minicnn can read: no MNIST-format IDX files (train-images-idx3-ubyte), "
                                   "no CIFAR-10 batches (data_batch_1.bin), and not a folder of class folders "
                                   "(DIR/<class>/*.png, or DIR/train/<class>/ and DIR/test/<class>/)");
  }
}

DataSplits load_data(DataOptions& o) {
  const DataFormat f = o.format == "auto" ? detect_format(o.dir)
                       : o.format == "idx" ? DataFormat::idx
                       : o.format == "cifar10" ? DataFormat::cifar10
                       : o.format == "folder" ? DataFormat::folder
                                              : throw std::invalid_argument("load_data: unknown format '" + o.format + "'");
  if (f == DataFormat::folder) return load_folder(o);
  DataSplits s;
  s.format = f;
  if (f == DataFormat::idx) {
    s.train = load_mnist(o.dir, "train", o.idx_classes);
    s.test = load_mnist(o.dir, "test", o.idx_classes);
  } else {
    s.train = load_cifar10(o.dir, "train");
    s.test = load_cifar10(o.dir, "test");
  }
  return s;
}

void split_stratified(const Dataset& all, double fraction, std::uint64_t seed, Dataset& keep, Dataset& held_out) {
  std::vector<std::vector<std::size_t>> by_class(all.num_classes());
  for (std::size_t i = 0; i < all.size(); ++i) by_class[static_cast<std::size_t>(all.labels[i])].push_back(i);
  std::vector<bool> out(all.size(), false);
  Rng rng(seed * 0x9e3779b97f4a7c15ULL + 0x5eed);
  for (auto& members : by_class) {
    std::vector<std::size_t> pick = members;
    for (std::size_t i = pick.size(); i > 1; --i) std::swap(pick[i - 1], pick[rng.below(i)]);
    std::size_t n = static_cast<std::size_t>(std::lround(fraction * static_cast<double>(pick.size())));
    if (pick.size() >= 2) n = std::clamp<std::size_t>(n, 1, pick.size() - 1);
    for (std::size_t k = 0; k < n && k < pick.size(); ++k) out[pick[k]] = true;
  }
  std::vector<std::size_t> a, b;
  for (std::size_t i = 0; i < all.size(); ++i) (out[i] ? b : a).push_back(i);
  keep = subset(all, a, all.name + " (training part)");
  held_out = subset(all, b, all.name + " (held-out part)");
}

}  // namespace minicnn
