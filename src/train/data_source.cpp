#include "minicnn/train/data_source.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "minicnn/core/text.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/train/run_record.hpp"
#include "minicnn/data/digit.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

namespace {

std::string& project_folder() {
  static std::string dir;
  return dir;
}

// The hint for a dataset that is not there: what fetches it.
std::string fetch_hint(const std::string& dataset) {
  const std::string script = (project_dir().empty() ? "" : project_dir() + "/") + "scripts/get-mnist.sh";
  if (dataset == "mnist") return "; run " + script + " to fetch MNIST";
  if (dataset == "fashion-mnist") return "; run " + script + " --dataset fashion-mnist (Debian's dataset-fashion-mnist)";
  return "";
}

}  // namespace

void set_project_dir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  project_folder() = std::move(dir);
}
const std::string& project_dir() { return project_folder(); }

std::string locate_data(const std::string& path, const std::string& hint, std::string* found_elsewhere) {
  if (found_elsewhere) found_elsewhere->clear();
  if (path.empty() || path_exists(path)) return path;
  if (path.front() == '/') throw std::runtime_error(path + ": not found" + hint);
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  const std::string here = ec ? path : (cwd == "/" ? "" : cwd) + "/" + path;
  if (project_dir().empty() || project_dir() == cwd) throw std::runtime_error(path + ": not found in " + here + hint);
  const std::string there = project_dir() + "/" + path;
  if (!path_exists(there)) throw std::runtime_error(path + ": not found in " + here + " or " + there + hint);
  if (found_elsewhere) *found_elsewhere = path + ": not in the current folder; using " + there;
  return there;
}

void parse_image_size(const std::string& text, std::size_t& height, std::size_t& width) {
  height = width = 0;
  if (text.empty() || text == "auto") return;
  const auto x = text.find('x');
  auto number = [&](const std::string& v) {
    if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) == 0 ||
        std::stoul(v) > kImageMaxSide)
      throw UsageError("--image-size " + text + ": expected N or HxW with whole numbers from 1 to " +
                       std::to_string(kImageMaxSide));
    return static_cast<std::size_t>(std::stoul(v));
  };
  height = number(text.substr(0, x));
  width = x == std::string::npos ? height : number(text.substr(x + 1));
}

std::vector<std::string> idx_classes(const std::string& dataset) {
  return dataset == "fashion-mnist" ? fashion_mnist_classes() : digit_classes();
}

DataOptions data_options(const DataSource& src, double val_split, std::uint64_t seed, std::size_t channels,
                         std::size_t height, std::size_t width) {
  DataOptions o;
  o.dir = src.dir;
  o.idx_classes = idx_classes(src.dataset);
  o.val_split = val_split;
  o.seed = seed;
  o.folder.channels = channels;
  o.folder.height = height;
  o.folder.width = width;
  return o;
}

DataSource resolve_data(const std::string& dataset, const std::string& dir) {
  DataSource s;
  s.dataset = dataset == "auto" ? (dir.empty() ? "mnist" : "") : dataset;
  if (dir.empty()) {
    if (s.dataset == "folder" || s.dataset == "cifar10") throw UsageError("--dataset " + s.dataset + " needs --data DIR");
    const std::string debian = "/usr/share/datasets/fashion-mnist";  // Debian's dataset-fashion-mnist package
    try {
      s.dir = locate_data("data/" + s.dataset, fetch_hint(s.dataset), &s.note);
    } catch (const std::runtime_error&) {
      if (s.dataset != "fashion-mnist" || !path_exists(debian)) throw;
      s.dir = debian;
    }
  } else {
    s.dir = locate_data(dir, "", &s.note);
  }
  try {
    s.format = detect_format(s.dir);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(e.what() + fetch_hint(s.dataset));
  }
  const DataFormat wanted = format_of_dataset(s.dataset);
  if (s.dataset.empty()) {  // auto: named after what is there
    s.dataset = s.format == DataFormat::folder ? "folder" : s.format == DataFormat::cifar10 ? "cifar10" : "mnist";
    if (s.format == DataFormat::idx && s.dir.find("fashion") != std::string::npos) s.dataset = "fashion-mnist";
  } else if (wanted != s.format) {
    throw std::runtime_error(s.dir + ": holds " + format_name(s.format) + " data, not what --dataset " + s.dataset +
                             " reads (" + format_name(wanted) + ")");
  }
  return s;
}

DataFormat format_of_dataset(const std::string& dataset) {
  return dataset == "folder" ? DataFormat::folder : dataset == "cifar10" ? DataFormat::cifar10 : DataFormat::idx;
}

nlohmann::json normalization_json(const Normalization& norm) {
  if (norm.empty()) return nullptr;
  return {{"mean", norm.mean}, {"std", norm.std}};
}

Normalization normalization_from_json(const nlohmann::json& j) {
  if (j.is_null()) return {};
  Normalization n;
  if (j.at("mean").is_number()) return {{j["mean"].get<float>()}, {j.at("std").get<float>()}};
  n.mean = j.at("mean").get<std::vector<float>>();
  n.std = j.at("std").get<std::vector<float>>();
  if (n.mean.size() != n.std.size() || n.mean.empty()) throw std::runtime_error("normalisation: mean and std differ in length");
  return n;
}

DataRecord data_record(const RunRecord& run, const Shape& input_shape) {
  DataRecord r;
  r.dataset = run.dataset, r.dir = run.data, r.classes = run.classes, r.norm = run.norm;
  if (input_shape.size() == 3) r.channels = input_shape[0], r.height = input_shape[1], r.width = input_shape[2];
  if (!run.has_settings) return r;
  const RunSettings& t = run.settings;
  const auto missing = [&](const char* key) {
    return std::find(run.settings_missing.begin(), run.settings_missing.end(), key) != run.settings_missing.end();
  };
  if (!missing("val_split")) r.val_split = t.val_split;
  r.seed = t.seed, r.test_limit = t.test_limit;
  if (input_shape.size() == 3) return r;
  r.channels = t.channels;
  parse_image_size(missing("image_size") ? "" : t.image_size, r.height, r.width);
  return r;
}

namespace {
const char* const kDamaged = "the checkpoint's record of its data is damaged: ";
}  // namespace

DataRecord read_data_record(const CheckpointInfo& info) { return data_record(read_run_record(info), info.input_shape); }

RunRecord read_run_record(const CheckpointInfo& info) {
  try {
    return RunRecord::read_from(info);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(kDamaged + std::string(e.what()));
  }
}

std::string apply_limit(Dataset& data, std::size_t n, std::uint64_t seed, const std::string& option) {
  if (n == 0 || n >= data.size()) return "";
  const std::size_t from = data.size();
  const std::vector<std::size_t> counts = limit_stratified(data, n, seed);
  const bool test = option == "--test-limit";
  std::string note = option + " " + std::to_string(n) + ": " + std::to_string(data.size()) + " of " + std::to_string(from) +
                     (test ? " test" : " training") + " images, stratified by class (" +
                     (test ? std::string("the same images for every model and seed") : "seed " + std::to_string(seed)) + "): ";
  std::vector<std::string> parts, empty;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    parts.push_back(data.classes[k] + " " + std::to_string(counts[k]));
    if (counts[k] == 0) empty.push_back(data.classes[k]);
  }
  note += join(parts);
  const std::string what = test ? " test" : " training";
  if (!empty.empty() && n < counts.size())
    note += "\nwarning: " + option + " " + std::to_string(n) + " is below the number of classes (" + std::to_string(counts.size()) +
            "): no" + what + " image of " + join(empty) + "; give at least " + std::to_string(counts.size());
  else if (!empty.empty())
    note += "\nwarning: no" + what + " image of " + join(empty) + " (the full set has none either)";
  return note;
}

Dataset load_test_set(const DataRecord& r, const std::string& dir_override, std::string* dir_used, std::string* limit_note) {
  const DataSource src = resolve_data(dir_override.empty() ? r.dataset : "auto", dir_override.empty() ? r.dir : dir_override);
  DataOptions o = data_options(src, r.val_split, r.seed, r.channels, r.height, r.width);
  DataSplits d = load_data(o);
  const std::string note = apply_limit(d.test, r.test_limit, kTestSubsetSeed, "--test-limit");
  if (limit_note) *limit_note = note;
  if (dir_used) *dir_used = src.dir;
  return std::move(d.test);
}

Tensor model_input(const std::string& path, const Shape& input_shape, const DataRecord& data, bool raw, Image* pixels) {
  return model_input(load_image(path), input_shape, data, raw, pixels);
}

Tensor model_input(const Image& picture, const Shape& input_shape, const DataRecord& data, bool raw, Image* pixels) {
  if (input_shape.size() != 3 || (input_shape[0] != 1 && input_shape[0] != 3))
    throw std::runtime_error("the model expects inputs " + shape_str(input_shape) + "; pictures can feed only (1, H, W) or (3, H, W)");
  const std::size_t C = input_shape[0], H = input_shape[1], W = input_shape[2];
  Image img = with_channels(picture, C);
  if (C == 1 && data.digit_like() && !raw) {
    Tensor gray = Tensor::from_shape({img.height, img.width});
    std::copy(img.pixels.begin(), img.pixels.end(), gray.begin());
    img = gray_image(xt::clip(prepare_digit(gray, H, W), 0.f, 255.f));
  } else {
    img = resize_image(img, W, H);
  }
  if (pixels) *pixels = img;
  Tensor x = Tensor::from_shape(input_shape);
  for (std::size_t c = 0; c < C; ++c) {
    const float mean = data.norm.empty() ? 0.f : data.norm.mean[c], sd = data.norm.empty() ? 1.f : data.norm.std[c];
    for (std::size_t k = 0; k < H * W; ++k) x.data()[c * H * W + k] = (img.pixels[k * C + c] / 255.f - mean) / sd;
  }
  return x;
}

}  // namespace minicnn
