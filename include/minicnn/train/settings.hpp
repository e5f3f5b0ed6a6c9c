#pragma once
// The settings of one training run, listed once, and every default that depends on the data.
//
// The table below is the only place a setting is named: `minicnn train`'s options, config.json,
// the settings every checkpoint carries (RunRecord, train/run_record.hpp), and the rule that a
// resumed run keeps the settings its checkpoint fixes all come from it. Adding a setting is one
// member and one row. The choices that depend on the data (model, optimiser, Adam's learning
// rate) are made in apply_data_defaults alone; the optimiser and the learning-rate schedule are
// built by make_optimizer and make_schedule alone.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "minicnn/core/layer.hpp"
#include "minicnn/data/dataset.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/optim/lr_schedule.hpp"
#include "minicnn/optim/optimizer.hpp"

namespace minicnn {

// The learning rates the optimisers start from unless told otherwise.
constexpr float kSgdLr = 0.05f;
constexpr float kAdamLr = 1e-3f;  // Adam's and AdamW's usual rate

struct RunSettings {
  std::string model = "auto";  // lenet5 for MNIST-format data, convnet-rgb otherwise (apply_data_defaults)
  std::string dataset = "auto", data;
  std::size_t channels = 0;         // 0: from the data
  std::string image_size = "auto";  // "HxW"; auto: the most common size
  float val_split = 0.1f;           // an unsplit image folder's held-out test fraction
  std::string augment = "none";
  bool skip_bad_images = false;
  std::string max_dataset_memory = "4G";
  std::size_t epochs = 3, batch_size = 64, limit = 0, test_limit = 0;
  std::string optimizer = "auto";  // sgd for MNIST-format data, adam otherwise (apply_data_defaults)
  float lr = kSgdLr, momentum = 0.9f, weight_decay = 0.f, clip_grad_norm = 0.f;
  bool nesterov = false;
  std::string lr_schedule = "cosine";
  std::size_t lr_step = 1;
  float lr_gamma = 0.1f;
  bool normalize = true;
  std::uint64_t seed = 1;
  int threads = 0;  // 0: all cores (use_threads)
  std::string out = "runs/train", resume;
  bool force = false;
  std::size_t checkpoint_every = 0;
  std::string lr_changes;  // "BATCH:FACTOR,...": learning-rate multipliers (LrSchedule::multipliers)
  bool live = false;       // the command line's: serve the live page while training
  int port = 8080;
  int live_linger = -1;    // seconds the live page stays up after training; -1: until Ctrl-C in a terminal (the command line's)
  std::string host = "127.0.0.1";
  bool sync_batchnorm = false, distributed = false;  // data-parallel training (docs/SCALING.md)
  // Transfer learning (train/transfer.hpp): the model to start from, the last frozen layer's path,
  // the new head's size (0: the data's class count, when the model's classes are not the data's).
  std::string from, freeze_until;
  std::size_t new_head = 0;
};

// One row of the table, built with named setters:
//   SettingInfo("lr", "--lr", &S::lr, "learning rate").kept_in_checkpoint().fixed_by_checkpoint().range(0, 1e6)
struct SettingInfo {
  static_assert(std::is_same_v<std::uint64_t, std::size_t>, "seed is stored as a std::size_t setting");
  using Member = std::variant<std::string RunSettings::*, std::size_t RunSettings::*, float RunSettings::*,
                              bool RunSettings::*, int RunSettings::*>;
  std::string key;   // JSON key, e.g. "batch_size"
  std::string flag;  // command-line option, e.g. "--batch-size"
  Member member;
  std::string help;
  bool stored = false;                 // in every checkpoint's settings (and so in config.json)
  bool fixed = false;                  // fixed by a checkpoint: refused on the command line with --resume
  std::vector<std::string> choices;    // allowed values of a string setting (empty: any)
  double min = 0, max = 0;             // allowed range of a number, checked as text before conversion
  bool min_open = false;               // the range excludes min
  bool may_be_missing = false;         // added later: a checkpoint without it means the default
  bool only_when_set = false;          // stored only when it is not the default, so runs without it write what they did before

  SettingInfo(std::string key_, std::string flag_, Member member_, std::string help_)
      : key(std::move(key_)), flag(std::move(flag_)), member(member_), help(std::move(help_)) {}
  SettingInfo& kept_in_checkpoint() { return stored = true, *this; }
  SettingInfo& fixed_by_checkpoint() { return fixed = true, *this; }
  SettingInfo& one_of(std::vector<std::string> values) { return choices = std::move(values), *this; }
  SettingInfo& range(double lo, double hi) { return min = lo, max = hi, *this; }
  SettingInfo& above(double lo, double hi) { return min = lo, max = hi, min_open = true, *this; }
  SettingInfo& newer_than_old_checkpoints() { return may_be_missing = true, *this; }
  SettingInfo& stored_only_when_set() { return only_when_set = may_be_missing = true, *this; }
};
const std::vector<SettingInfo>& run_settings_table();

// The stored settings as JSON (a checkpoint's "training" object, config.json), and back. Reading
// throws nlohmann::json::exception for a stored setting that is missing, unless it is newer than
// old checkpoints (then it keeps its value); only_present reads what is there and leaves the rest.
nlohmann::json settings_to_json(const RunSettings& s);
void settings_from_json(RunSettings& s, const nlohmann::json& j, bool only_present = false);

// Throws UsageError for a setting out of range or a bad combination; returns the augmentation asked for.
Augmentation check_settings(const RunSettings& s);

// --model auto, --optimizer auto and the learning rate, by what the data is: lenet5 with SGD
// suits 28x28 grey digits; for other images a small VGG-style net with Adam at kAdamLr trains
// better (bench/RESULTS.md and README's "Your own images"). lr_given: the learning rate was chosen
// (on the command line, or by the checkpoint being resumed) and stays.
void apply_data_defaults(RunSettings& s, DataFormat format, const Shape& input, bool lr_given);

// The default --batch-size for a small training set: an epoch of a few large batches barely moves
// the weights (400 images in batches of 64 is 7 optimiser steps per epoch, and 2 epochs of convnet-rgb
// stay near chance), so when the batch size was not chosen and the set holds fewer than
// kMinStepsPerEpoch batches of it, the batch halves (down to 8) until it does. Returns the sentence
// that says so, or "" when the batch size stays.
constexpr std::size_t kMinStepsPerEpoch = 25;
std::string fit_batch_size_to_set(RunSettings& s, std::size_t train_images);

// The optimiser the settings name (sgd, adam, adamw; after apply_data_defaults), over params.
std::unique_ptr<Optimizer> make_optimizer(const RunSettings& s, NamedParameters params);
// The learning-rate schedule: kind, step, gamma, the hand-made multipliers (--lr-changes; a bad
// list throws UsageError), the base rate and the run's length in epochs.
LrSchedule make_schedule(const RunSettings& s);

// Sets the number of threads: requested, or all cores this process may use when requested is 0.
// Returns the number set.
int use_threads(int requested);

// "512M", "4G", "1.5G", "100000" (bytes) -> bytes; throws UsageError naming the option.
std::uint64_t parse_bytes(const std::string& option, const std::string& text);

}  // namespace minicnn
