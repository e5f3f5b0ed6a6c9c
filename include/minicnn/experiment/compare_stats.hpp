#pragma once
// The filter experiment's results and their statistics: the variants, one variant's runs over the
// seeds, means and spreads over seeds, whether a difference is larger than the noise, and the
// findings' wording. Pure functions of a list of results (no training, no files), so tests call
// them with made-up results (tests/experiment/test_compare_stats.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "minicnn/core/tensor.hpp"
#include "minicnn/vision/analysis.hpp"

namespace minicnn::compare {

// The variants: what each one is and the colour it has in every chart.
struct VariantInfo {
  std::string name, color, meaning;
  bool handset, frozen, raw;  // raw: hand-set at textbook scale whatever the scale setting says
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
const VariantResult* find_variant(const std::vector<VariantResult>& results, const std::string& name);  // null: it did not run

// ---- statistics over seeds ----
struct MeanStd {
  double mean = 0, std = 0;  // std: the sample standard deviation (n - 1); 0 for a single value
  std::size_t n = 0;
};
MeanStd mean_std(const std::vector<double>& values);
MeanStd final_accuracy(const VariantResult& v);              // test accuracy after the last epoch
std::vector<MeanStd> accuracy_per_epoch(const VariantResult& v);
MeanStd first_epoch_train_loss(const VariantResult& v);
MeanStd classical_fraction(const VariantResult& v);          // kernels whose nearest filter has |cos| >= kClassicalCosine
// The same as counts: "1 of 6 kernels (17%)", or over seeds that differ "1 to 3 of 6 kernels per seed (33 ± 17%)".
std::string classical_count(const VariantResult& v);
MeanStd cosine_to_start(const VariantResult& v);             // mean over kernels, then over seeds
MeanStd top_importance(const VariantResult& v);              // the largest kernel importance, per seed
double training_seconds(const VariantResult& v);             // summed over seeds

// Is the difference between two means larger than the noise (the larger of their two spreads)?
enum class Verdict {
  one_seed,      // a single seed: the noise is unknown
  few_seeds,     // two seeds: a standard deviation of two values is too rough to call anything clear
  within_noise,  // |difference| <= one standard deviation
  suggestive,    // between one and two standard deviations
  clear,         // more than two standard deviations
};
Verdict verdict(const MeanStd& a, const MeanStd& b);
std::string verdict_words(Verdict v);

// What the report and the terminal say the results mean, each point once. The baseline is
// "random" (if it ran); scale is the hand-set filters' scale (filters::scale_name).
std::vector<std::string> findings(const std::vector<VariantResult>& results, const std::string& scale);

// The loss per batch of every seed, averaged over windows of `window` batches (1% of the run),
// then mean ± std over the seeds: the line the report's loss chart draws.
std::vector<MeanStd> smoothed_loss(const VariantResult& v, std::size_t& window);
// Would drawing variant `name` in the charts squeeze the other lines? True when it makes the loss
// chart's or the accuracy charts' value range more than twice what the other variants need.
bool flattens_others(const std::vector<VariantResult>& results, const std::string& name);

// "98.46 ± 0.05%", "0.1462 ± 0.0031"
std::string pct_pm(const MeanStd& m);
std::string num_pm(const MeanStd& m, int digits);
std::string fixed(double v, int digits);
std::string join(const std::vector<std::string>& v, const std::string& sep = ", ");  // {"a", "b"} -> "a, b"

}  // namespace minicnn::compare
