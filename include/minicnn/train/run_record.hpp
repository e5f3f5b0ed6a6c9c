#pragma once
// What a checkpoint records of its run besides the model: the data it was trained on, the
// settings, how far training got, every epoch's results, the generator's state, and the arrays of
// the run (the first conv layer's kernels after every epoch, every batch's loss and learning
// rate). RunRecord is the only code that writes or reads this metadata (the checkpoint's "extra"
// JSON and its extra arrays), for `minicnn train`, import, compare and everything that reads a
// checkpoint.
//
// Fields other writers leave out stay out: an imported model has no image statistics, the filter
// experiment's checkpoints hold two settings only. Reading accepts every checkpoint written so far.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "minicnn/data/dataset.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/train/run_folder.hpp"
#include "minicnn/train/settings.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn {

// How far training got when the checkpoint was written (the "training" object's progress keys).
struct TrainingProgress {
  std::size_t epochs_done = 0, batches_done = 0;  // batches done in the epoch after epochs_done
  std::size_t batches_per_epoch = 0;              // 0: not recorded
  EpochTotals partial;                            // the unfinished epoch's sums (kept when batches_done > 0)
};

// Where an imported model came from.
struct ImportSource {
  std::string file, producer;
  int opset = 0;
};

struct RunRecord {
  // Version 1 is the format of every checkpoint so far, which has no "version" key; a later
  // version writes its number, and reading refuses versions newer than this build knows.
  static constexpr int kVersion = 1;
  int version = kVersion;

  std::string dataset = "mnist", data;  // data empty: the dataset's default folder
  Normalization norm;                   // empty: inputs not normalised
  std::vector<std::string> classes = digit_classes();
  std::optional<ImageStats> image_stats;
  std::size_t eval_batch_size = 0;  // 0: not recorded

  bool has_settings = false;                  // the checkpoint holds a "training" object
  RunSettings settings;                       // the stored settings (run_settings_table)
  std::vector<std::string> settings_missing;  // stored settings the checkpoint lacks (older, or compare's)
  std::optional<TrainingProgress> progress;
  std::optional<std::vector<EpochMetrics>> history;  // per epoch (no timings: checkpoints are reproducible)
  std::string rng;                                   // the global generator's state; empty: not recorded
  std::optional<ImportSource> imported_from;
  nlohmann::json other = nlohmann::json::object();  // keys of other writers (compare's handset_*), as read

  // The run's arrays.
  std::vector<std::pair<std::size_t, Tensor>> kernel_history;  // (epoch, first conv weight): the filmstrip
  std::vector<float> batch_loss, batch_lr;                     // per batch so far (NaN: not recorded)

  // Records only these of the stored settings (the filter experiment's "epochs" and "test_limit").
  void keep_only_settings(const std::vector<std::string>& keys);

  nlohmann::json to_json() const;
  // for_resume: also requires what resuming needs (the settings, progress, data and history),
  // throwing nlohmann::json::exception for what is missing; otherwise missing keys keep defaults.
  static RunRecord from_json(const nlohmann::json& j, bool for_resume = false);

  // The metadata as a checkpoint's extra_json and extra arrays, and back.
  void write_to(CheckpointInfo& info) const;
  static RunRecord read_from(const CheckpointInfo& info, bool for_resume = false);
};

// A history as JSON (the "history" array; live pages show it), and back.
nlohmann::json history_to_json(const std::vector<EpochMetrics>& history);
std::vector<EpochMetrics> history_from_json(const nlohmann::json& j);

}  // namespace minicnn
