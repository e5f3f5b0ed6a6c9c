#pragma once
// Which data a run or a command reads, and what a checkpoint records of the data it was trained
// on (so eval, predict and the picture commands prepare inputs the same way).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "minicnn/data/datasets.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

struct RunRecord;

// --dataset and --data resolved: the dataset kind (mnist, fashion-mnist, folder, cifar10), the
// folder, and its format.
struct DataSource {
  std::string dataset, dir;
  DataFormat format = DataFormat::idx;
};
// dataset is auto, mnist, fashion-mnist, folder or cifar10. Without dir, mnist and fashion-mnist
// read data/<name> (Fashion-MNIST also Debian's /usr/share/datasets/fashion-mnist); with dir, auto
// detects the format. A missing or unreadable dataset gets an error whose hint fits the case.
DataSource resolve_data(const std::string& dataset, const std::string& dir);
// The format a dataset kind is stored in: folder, cifar10, or idx (mnist, fashion-mnist).
DataFormat format_of_dataset(const std::string& dataset);

// "32" -> 32x32, "32x24" -> height 32, width 24, "" or "auto" -> 0, 0; throws UsageError otherwise.
void parse_image_size(const std::string& text, std::size_t& height, std::size_t& width);

// How to read a source: its folder and class names, the held-out split (fraction, seed) and the
// image shape (0s: from the data).
DataOptions data_options(const DataSource& src, double val_split, std::uint64_t seed, std::size_t channels,
                         std::size_t height, std::size_t width);

// The class names of an IDX dataset kind.
std::vector<std::string> idx_classes(const std::string& dataset);

// What a checkpoint says about its data (its RunRecord's data part, train/run_record.hpp). Older
// checkpoints (before image folders) lack some fields; the defaults are what they were trained with.
struct DataRecord {
  std::string dataset = "mnist", dir;        // dir empty: the dataset's default folder
  std::vector<std::string> classes = digit_classes();
  Normalization norm;
  double val_split = 0.1;
  std::uint64_t seed = 1;
  std::size_t test_limit = 0, channels = 1, height = 0, width = 0;
  bool digit_like() const { return dataset == "mnist" || dataset == "fashion-mnist"; }
};
// The data part of a run record, and from a checkpoint's extra_json, parsed (std::runtime_error
// for a damaged record). Given the model's input shape (C, H, W), the record asks for test images
// of that shape (what an older, imported or compare checkpoint does not record); a checkpoint's
// own input shape is used by read_data_record.
DataRecord data_record(const RunRecord& run, const Shape& input_shape = {});
DataRecord read_data_record(const CheckpointInfo& info);
// A checkpoint's run record (train/run_record.hpp); std::runtime_error for a damaged one.
RunRecord read_run_record(const CheckpointInfo& info);

// How checkpoints and config.json record a normalisation (null: none), and back. Reading accepts
// the single numbers older checkpoints hold.
nlohmann::json normalization_json(const Normalization& norm);
Normalization normalization_from_json(const nlohmann::json& j);

// The test set a checkpoint was evaluated on: its data again (or dir_override), the same split
// and the same first test_limit images.
Dataset load_test_set(const DataRecord& r, const std::string& dir_override, std::string* dir_used = nullptr);

// One picture as the model's input (C, H, W), prepared as the training data was: for MNIST-like
// grey digits the preparation of prepare_digit() (unless raw), otherwise converted to the model's
// channel count and resized; then normalised. pixels, if given, receives what the model sees as
// an 8-bit image.
Tensor model_input(const std::string& image_path, const Shape& input_shape, const DataRecord& data, bool raw,
                   Image* pixels = nullptr);
// The same for a picture already decoded (an upload, a drawing).
Tensor model_input(const Image& picture, const Shape& input_shape, const DataRecord& data, bool raw, Image* pixels = nullptr);

}  // namespace minicnn
