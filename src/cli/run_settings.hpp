#pragma once
// Private to the minicnn tool: the settings of one training run, listed once.
//
// The table below is the only place a setting is named: `minicnn train`'s options, config.json,
// the "training" record every checkpoint carries, and the rule that a resumed run keeps the
// settings its checkpoint fixes all come from it. Adding a setting is one member and one row.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace minicnn::cli {

struct RunSettings {
  std::string model = "auto";  // lenet5 for MNIST-format data, convnet-rgb otherwise
  std::string dataset = "auto", data;
  std::size_t channels = 0;         // 0: from the data
  std::string image_size = "auto";  // "HxW"; auto: the most common size
  float val_split = 0.1f;           // an unsplit image folder's held-out test fraction
  std::string augment = "none";
  bool skip_bad_images = false;
  std::string max_dataset_memory = "4G";
  std::size_t epochs = 3, batch_size = 64, limit = 0, test_limit = 0;
  std::string optimizer = "auto";  // sgd for MNIST-format data, adam otherwise
  float lr = 0.05f, momentum = 0.9f, weight_decay = 0.f, clip_grad_norm = 0.f;
  bool nesterov = false;
  std::string lr_schedule = "cosine";
  std::size_t lr_step = 1;
  float lr_gamma = 0.1f;
  bool normalize = true;
  std::uint64_t seed = 1;
  int threads = 0;  // 0: all cores
  std::string out = "runs/train", resume;
  bool force = false;
  std::size_t checkpoint_every = 0;
  std::string lr_changes;  // "BATCH:FACTOR,...": learning-rate multipliers (LrSchedule::multipliers)
  bool live = false;       // serve the live page while training
  int port = 8080;
  std::string host = "127.0.0.1";
  bool sync_batchnorm = false, distributed = false;  // data-parallel training (docs/SCALING.md)
};

struct SettingInfo {
  static_assert(std::is_same_v<std::uint64_t, std::size_t>, "seed is stored as a std::size_t setting");
  using Member = std::variant<std::string RunSettings::*, std::size_t RunSettings::*, float RunSettings::*,
                              bool RunSettings::*, int RunSettings::*>;
  const char* key;   // JSON key, e.g. "batch_size"
  const char* flag;  // command-line option, e.g. "--batch-size"
  const char* help;
  bool stored;       // in every checkpoint's "training" record (and so in config.json)
  bool fixed;        // fixed by a checkpoint: refused on the command line with --resume
  Member member;
  std::vector<std::string> choices = {};  // allowed values of a string setting (empty: any)
  double min = 0, max = 0;                // allowed range of a number, checked as text before conversion
  bool min_open = false;                  // the range excludes min
  bool may_be_missing = false;            // added later: a checkpoint without it means the default
};
const std::vector<SettingInfo>& run_settings_table();

// The stored settings as the checkpoint's "training" record, and back.
nlohmann::json training_record(const RunSettings& s);
void read_training_record(RunSettings& s, const nlohmann::json& record);

// Adds every setting as an option of `train`, and refuses (UsageError) a fixed one given with --resume.
void add_run_options(CLI::App& cmd, RunSettings& s);
void refuse_fixed_on_resume(const CLI::App& cmd);

}  // namespace minicnn::cli
