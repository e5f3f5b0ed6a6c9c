#pragma once
// Private to the minicnn tool: `minicnn compare`, in pieces by what they do.
//   compare.cpp         the options, the checks made before any training, and the flow
//   compare_train.cpp   trains every variant with every seed: a list of results
//   compare_stats.cpp   means and spreads over seeds, and the findings' wording (pure: the tests
//                       call it with made-up results)
//   compare_report.cpp  builds the one Report (HTML and Markdown) from the results
#include <cstdint>
#include <string>
#include <vector>

#include "minicnn/data/dataset.hpp"
#include "minicnn/vision/analysis.hpp"
#include "minicnn/vision/filters.hpp"

namespace minicnn::cli::compare {

// The variants: what each one is and the colour it has in every chart.
struct VariantInfo {
  std::string name, color, meaning;
  bool handset, frozen, raw;  // raw: hand-set at textbook scale whatever --handset-scale says
};
const std::vector<VariantInfo>& variants();
const VariantInfo& variant_info(const std::string& name);  // throws std::invalid_argument

// One variant trained from one seed.
struct SeedRun {
  std::uint64_t seed = 0;
  std::vector<double> test_accuracy, test_loss, train_loss;  // per epoch
  std::vector<float> batch_loss;                             // every batch
  double seconds = 0;                                        // training, without evaluation
  Tensor before, after;                                      // first conv weight (OC, C, K, K)
  std::vector<KernelInfo> kernels;                           // analyze_kernels(after, before), with importance
  std::string diverged;                                      // "diverged in epoch 2", or empty
};

// One variant over all seeds (the same seeds for every variant).
struct VariantResult {
  std::string name;
  std::vector<SeedRun> runs;
  std::size_t learned = 0, total = 0;  // parameters
  std::vector<std::string> handset;    // the bank filters in its first layer (hand-set variants)
  Tensor maps;                         // first seed: the first conv's output for the sample image (C, H, W)
};

// ---- statistics over seeds (compare_stats.cpp) ----
struct MeanStd {
  double mean = 0, std = 0;  // std: the sample standard deviation (n - 1); 0 for a single value
  std::size_t n = 0;
};
MeanStd mean_std(const std::vector<double>& values);
MeanStd final_accuracy(const VariantResult& v);              // test accuracy after the last epoch
std::vector<MeanStd> accuracy_per_epoch(const VariantResult& v);
MeanStd first_epoch_train_loss(const VariantResult& v);
MeanStd classical_fraction(const VariantResult& v);          // kernels whose nearest filter has |cos| >= kClassical
MeanStd cosine_to_start(const VariantResult& v);             // mean over kernels, then over seeds
MeanStd top_importance(const VariantResult& v);              // the largest kernel importance, per seed
double training_seconds(const VariantResult& v);             // summed over seeds
constexpr float kClassical = 0.6f;

// Is the difference between two means larger than the noise (the larger of their two spreads)?
enum class Verdict {
  one_seed,      // a single seed: the noise is unknown
  within_noise,  // |difference| <= one standard deviation
  suggestive,    // between one and two standard deviations
  clear,         // more than two standard deviations
};
Verdict verdict(const MeanStd& a, const MeanStd& b);
std::string verdict_words(Verdict v);

// What the report and the terminal say the results mean, each point once. The baseline is
// "random" (if it ran); scale is --handset-scale's value.
std::vector<std::string> findings(const std::vector<VariantResult>& results, const std::string& scale);

// "98.46 ± 0.05%", "0.1462 ± 0.0031"
std::string pct_pm(const MeanStd& m);
std::string num_pm(const MeanStd& m, int digits);
std::string fixed(double v, int digits);

// ---- training (compare_train.cpp) ----
struct Experiment {
  std::string spec, conv_path;  // the model, and the path of its first Conv2d ("0", "2.body.0")
  Shape input;
  const Dataset* train = nullptr;
  const Dataset* test = nullptr;
  const Dataset* ablation = nullptr;  // test images for kernel importance
  Normalization norm;
  std::vector<std::string> variants;
  std::vector<std::uint64_t> seeds;
  std::size_t epochs = 3, batch_size = 64;
  float lr = 0.05f, momentum = 0.9f;
  std::vector<std::string> handset;       // one bank filter per output channel of the first conv
  filters::HandsetOptions handset_options;
  Tensor sample;                          // one normalised test image (1, C, H, W)
  std::string out;                        // each variant's first-seed checkpoint: out/<variant>/model.npz
  std::string checkpoint_json;            // the data record every checkpoint carries (extra_json)
};
// Trains every variant with every seed, one progress line for the whole experiment; returns the
// results in the order of e.variants.
std::vector<VariantResult> train_variants(const Experiment& e);

// ---- the report (compare_report.cpp) ----
struct ReportInput {
  const Experiment* experiment = nullptr;
  std::string data_name, command_line, scale, color;
  std::size_t threads = 1;
  double wall_seconds = 0;
};
// Builds the report and writes out/report.html, out/report.md and their pictures; returns the findings.
std::vector<std::string> write_report(const std::vector<VariantResult>& results, const ReportInput& in);

}  // namespace minicnn::cli::compare
