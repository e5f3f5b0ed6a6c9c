#include "minicnn/train/data_source.hpp"

#include <algorithm>
#include <cmath>

#include "minicnn/io/atomic_file.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/train/run_record.hpp"
#include "minicnn/data/digit.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

namespace {

// The hint for a dataset that is not there: what fetches it.
std::string fetch_hint(const std::string& dataset) {
  if (dataset == "mnist") return "; run scripts/get-mnist.sh to fetch MNIST";
  if (dataset == "fashion-mnist") return "; run scripts/get-mnist.sh --dataset fashion-mnist (Debian's dataset-fashion-mnist)";
  return "";
}

}  // namespace

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
  s.dir = dir;
  if (s.dir.empty()) {
    if (s.dataset == "folder" || s.dataset == "cifar10") throw UsageError("--dataset " + s.dataset + " needs --data DIR");
    s.dir = "data/" + s.dataset;
    if (s.dataset == "fashion-mnist" && !path_exists(s.dir) && path_exists("/usr/share/datasets/fashion-mnist"))
      s.dir = "/usr/share/datasets/fashion-mnist";  // Debian's dataset-fashion-mnist package
    if (!path_exists(s.dir)) throw std::runtime_error(s.dir + ": no such folder" + fetch_hint(s.dataset));
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

Dataset load_test_set(const DataRecord& r, const std::string& dir_override, std::string* dir_used) {
  const DataSource src = resolve_data(dir_override.empty() ? r.dataset : "auto", dir_override.empty() ? r.dir : dir_override);
  DataOptions o = data_options(src, r.val_split, r.seed, r.channels, r.height, r.width);
  DataSplits d = load_data(o);
  truncate(d.test, r.test_limit);
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
