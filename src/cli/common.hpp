#pragma once
// Private to the minicnn command-line tool: what its subcommands share.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "minicnn/data/dataset.hpp"
#include "minicnn/io/atomic_file.hpp"

namespace minicnn::cli {

// Exit codes, documented in `minicnn --help`.
constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 2, kExitNumerical = 3;

// Thrown for a bad command line that CLI11 cannot see (a value out of range, a bad combination).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DatasetChoice {
  std::string name = "mnist";  // mnist | fashion-mnist
  std::string dir;             // empty: the default for the dataset
};
void add_dataset_options(CLI::App& app, DatasetChoice& d);
// The folder to read: --data, else data/<name>, else (Fashion-MNIST) Debian's package folder.
std::string dataset_dir(const DatasetChoice& d);
std::vector<std::string> class_names(const std::string& dataset);

// The input normalisation a checkpoint was trained with (identity if none).
Normalization checkpoint_normalization(const nlohmann::json& extra);
// How checkpoints and config.json record it: null when inputs are not normalised.
nlohmann::json normalization_json(bool normalize, const Normalization& norm);

// One picture as the model's input (1, H, W) for a checkpoint trained on (1, H, W) images: the
// MNIST-style preparation of prepare_digit(), or with raw a plain resize; then normalised.
// pixels, if given, receives the prepared image in 0..255 (what the model sees).
Tensor model_input(const std::string& image_path, const Shape& input_shape, Normalization norm, bool raw,
                   Tensor* pixels = nullptr);

// "mkdir -p"; throws std::runtime_error naming the path.
void make_dirs(const std::string& path);
bool path_exists(const std::string& path);
bool same_file(const std::string& a, const std::string& b);  // both exist and are one file

// Machine, versions and time, for config.json and reports.
nlohmann::json environment_info();
std::string command_line(int argc, char** argv);
int default_threads();

// A progress line per epoch: redrawn in place on a terminal, every quarter epoch otherwise.
class Progress {
 public:
  Progress();
  void update(std::size_t epoch, std::size_t epochs, std::size_t batch, std::size_t batches, double loss, double acc,
              double images_per_second, double eta_seconds);
  void finish();  // ends the in-place line
 private:
  bool tty_;
  bool open_ = false;
  std::size_t last_quarter_ = 0;
};

}  // namespace minicnn::cli
