#pragma once
// The filter experiment (`minicnn compare`): do learned filters look like hand-coded ones, and does
// learning them matter? One architecture is trained in several variants of its first conv layer
// (random or hand-set, learned or frozen), each with the same seeds, data order and
// hyper-parameters; every first-layer kernel is analysed, and one report (HTML and Markdown) says
// what the results mean. In pieces by what they do:
//   compare_setup.cpp           the settings checked, and the experiment planned on the data
//   compare_train.cpp           trains every variant with every seed: a list of results
//   compare_stats.cpp           means and spreads over seeds, the findings (compare_stats.hpp)
//   compare_report*.cpp         the one Report built from the results
// The caller reads the data, says how progress is shown, and maps the errors: SettingsError for
// settings the experiment cannot run, std::runtime_error for files.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minicnn/data/dataset.hpp"
#include "minicnn/experiment/compare_stats.hpp"
#include "minicnn/vision/filters.hpp"

namespace minicnn::compare {

// A setting the experiment cannot run: an unknown variant or filter, a model whose first conv layer
// cannot hold the hand-set filters, a report already in the output folder. Thrown before any
// training; the message names the setting as `minicnn compare`'s option ("--variants: ...").
struct SettingsError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

extern const char* const kDefaultVariants;  // "random,handset-frozen,handset-init,random-frozen,handset-frozen-raw"

// What the experiment is asked to do: the options of `minicnn compare`.
struct Settings {
  std::string model = "lenet5";           // a preset or a spec with a conv layer: its first conv is compared
  std::string variants = kDefaultVariants;  // comma-separated; the default leaves out handset-frozen-raw
                                            // when the hand-set scale is raw already
  std::string handset;  // comma-separated bank filters, one per output channel of the first conv; empty: ones that fit it
  filters::HandsetOptions handset_options{filters::HandsetScale::init, filters::HandsetColor::luma};
  std::size_t epochs = 3, batch_size = 64, ablation_limit = 2000, seeds = 3;
  float lr = 0.05f, momentum = 0.9f;  // SGD with momentum, cosine schedule
  std::uint64_t seed = 1;             // the first seed; the others follow it
  std::string out = "runs/compare";   // the report, its pictures, each variant's first-seed checkpoint
  bool force = false;                 // replace a report already in out
};

// The data it runs on, read by the caller: the train and test sets (already cut to the size
// wanted), and where they came from, for the report and the checkpoints.
struct Data {
  const Dataset* train = nullptr;
  const Dataset* test = nullptr;
  std::string dataset, dir;    // the kind (mnist, fashion-mnist, folder, cifar10) and its folder
  std::size_t test_limit = 0;  // 0: the whole test set
};

// The experiment planned: everything train_variants and write_report need.
struct Experiment {
  std::string spec, conv_path;  // the model, and the path of its first Conv2d ("0", "2.body.0")
  Shape input;
  Data data;
  Dataset ablation;  // the first test images, for kernel importance
  Normalization norm;
  std::vector<std::string> variants;
  std::vector<std::uint64_t> seeds;
  std::size_t epochs = 3, batch_size = 64;
  float lr = 0.05f, momentum = 0.9f;
  std::vector<std::string> handset;  // one bank filter per output channel of the first conv
  filters::HandsetOptions handset_options;
  Tensor sample;    // one normalised test image (1, C, H, W)
  std::string out;  // each variant's first-seed checkpoint: out/<variant>/model.npz
};

// ---- the settings and the plan (compare_setup.cpp) ----
// The checks that need no data: the variants (returned as a list without repeats), the filter
// names, and that out holds no report unless force. Throws SettingsError.
std::vector<std::string> check_settings(const Settings& s);
// The experiment on this data: check_settings, then the model for the data's classes, its first
// conv layer and the filters for it (SettingsError for a model without one, or one that cannot hold
// them; SpecError for a bad model), the normalisation, the seeds and the sample image.
Experiment plan(const Settings& s, const Data& data);

// ---- training (compare_train.cpp) ----
// Where the experiment is, after every batch it trains.
struct BatchProgress {
  std::string variant;
  std::size_t seed_index = 0, seeds = 0;  // seed_index from 0
  std::size_t epoch = 0, epochs = 0;      // epoch from 1
  double loss = 0;                        // the epoch's running loss
  std::size_t done = 0, total = 0;        // batches of the whole experiment (a diverged run's remaining ones count as done)
  double eta_seconds = 0;
};
struct Callbacks {
  std::function<void(const BatchProgress&)> batch;
  std::function<void(const VariantResult&)> variant;  // a variant has run with every seed
};
// Trains every variant with every seed, writes each variant's first-seed checkpoint to out, and
// returns the results in the order of e.variants.
std::vector<VariantResult> train_variants(const Experiment& e, const Callbacks& on = {});

// ---- the report (compare_report.cpp) ----
struct ReportInput {
  const Experiment* experiment = nullptr;
  std::string command_line;  // shown under "Reproduce"
  std::size_t threads = 1;
  double wall_seconds = 0;     // the whole experiment, evaluation and analysis included
  nlohmann::json environment;  // date, cpu, os, compiler, openblas, minicnn (strings)
};
// Builds the report and writes out/report.html, out/report.md and their pictures; returns the findings.
std::vector<std::string> write_report(const std::vector<VariantResult>& results, const ReportInput& in);

}  // namespace minicnn::compare
