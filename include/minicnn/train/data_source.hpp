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

// The one lookup rule for data and sample pictures: a relative path is looked for in the current
// folder, then in the project's folder (the source tree the CLI was built from, which it sets with
// set_project_dir; "" by default: the current folder only). Absolute paths are taken as they are.
void set_project_dir(std::string dir);
const std::string& project_dir();
// path as found (itself, or project_dir()/path); if it is in neither place, a std::runtime_error
// naming every place looked ("data/mnist: not found in /cwd/data/mnist or /src/data/mnist") and then
// hint. found_elsewhere, if given, is set to "" or to a line saying which folder was used.
std::string locate_data(const std::string& path, const std::string& hint = "", std::string* found_elsewhere = nullptr);

// --dataset and --data resolved: the dataset kind (mnist, fashion-mnist, folder, cifar10), the
// folder, and its format; note: "" or where the folder was found, when not in the current folder.
struct DataSource {
  std::string dataset, dir, note;
  DataFormat format = DataFormat::idx;
};
// dataset is auto, mnist, fashion-mnist, folder or cifar10. Without dir, mnist and fashion-mnist
// read data/<name> (Fashion-MNIST also Debian's /usr/share/datasets/fashion-mnist); with dir, auto
// detects the format. Both are looked up by locate_data. A missing or unreadable dataset gets an
// error whose hint fits the case.
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

// --limit N (option "--limit", the training images, seed: the run's --seed) or --test-limit N
// (option "--test-limit", the test images, seed: kTestSubsetSeed) applied to data: a stratified
// subset (limit_stratified). Returns what to print, "" when n keeps every image: "--limit 400: 400
// of 12000 training images, stratified by class (seed 1): circle 100, square 100, ...", and a
// warning line when a class has no image in the subset.
std::string apply_limit(Dataset& data, std::size_t n, std::uint64_t seed, const std::string& option);

// The test set a checkpoint was evaluated on: its data again (or dir_override), the same split
// and the same test_limit images (apply_limit's note in limit_note, if given).
Dataset load_test_set(const DataRecord& r, const std::string& dir_override, std::string* dir_used = nullptr,
                      std::string* limit_note = nullptr);

// One picture as the model's input (C, H, W), prepared as the training data was: for MNIST-like
// grey digits the preparation of prepare_digit() (unless raw), otherwise converted to the model's
// channel count and resized; then normalised. pixels, if given, receives what the model sees as
// an 8-bit image.
Tensor model_input(const std::string& image_path, const Shape& input_shape, const DataRecord& data, bool raw,
                   Image* pixels = nullptr);
// The same for a picture already decoded (an upload, a drawing).
Tensor model_input(const Image& picture, const Shape& input_shape, const DataRecord& data, bool raw, Image* pixels = nullptr);

}  // namespace minicnn
