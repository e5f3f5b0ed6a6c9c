// The filter experiment: the settings checked before any data is read, and the experiment planned
// on the data (the model, its first conv layer and the filters for it), so that every setting
// that can be refused is refused before training.
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "minicnn/core/init.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/experiment/compare.hpp"

namespace minicnn::compare {

const char* const kDefaultVariants = "random,handset-frozen,handset-init,random-frozen,handset-frozen-raw";

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string v; std::getline(ss, v, ',');)
    if (!v.empty()) out.push_back(v);
  return out;
}

// s.variants as a list without repeats; the raw variant is left out of the default list when the
// hand-set variants are raw already.
std::vector<std::string> chosen_variants(const Settings& s) {
  std::vector<std::string> chosen;
  for (const auto& v : split_list(s.variants)) {
    try {
      variant_info(v);
    } catch (const std::invalid_argument& e) {
      throw SettingsError(std::string("--variants: ") + e.what());
    }
    if (s.variants == kDefaultVariants && v == "handset-frozen-raw" && s.handset_options.scale == filters::HandsetScale::raw)
      continue;
    if (std::find(chosen.begin(), chosen.end(), v) == chosen.end()) chosen.push_back(v);
  }
  if (chosen.empty()) throw SettingsError("--variants names no variant");
  return chosen;
}

// The first conv layer of the model (inside a block too) and the filters for it; refuses a model
// whose first conv cannot hold them.
void choose_first_layer(const Settings& s, Experiment& e) {
  manual_seed(s.seed);
  auto model = build_model(e.spec, e.input);
  Conv2d* conv = first_layer<Conv2d>(*model, &e.conv_path);
  if (!conv) throw SettingsError("--model has no Conv2d layer to compare: " + e.spec);
  const auto& o = conv->options();
  e.handset = s.handset.empty() ? filters::default_handset(o.out_channels(), o.kernel_size().h) : split_list(s.handset);
  bool handset = false;
  for (const auto& v : e.variants) handset = handset || variant_info(v).handset;
  if (!handset) return;
  const std::string problem = filters::handset_problem(o, e.handset);
  if (!problem.empty())
    throw SettingsError("the first conv layer (" + e.conv_path + ": " + conv->spec() + ") cannot hold the hand-set filters: " + problem +
                        (s.handset.empty() ? " (choose them with --handset, or drop the handset variants with --variants)" : ""));
}

}  // namespace

std::vector<std::string> check_settings(const Settings& s) {
  const auto chosen = chosen_variants(s);
  for (const auto& name : split_list(s.handset)) {
    try {
      filters::get(name);
    } catch (const std::invalid_argument& e) {
      throw SettingsError(std::string("--handset: ") + e.what());
    }
  }
  if (!s.handset.empty() && split_list(s.handset).empty()) throw SettingsError("--handset names no filter");
  std::error_code ignored;
  if (std::filesystem::exists(s.out + "/report.html", ignored) && !s.force)
    throw SettingsError(s.out + " already holds a report; choose another --out or pass --force to replace it");
  return chosen;
}

Experiment plan(const Settings& s, const Data& data) {
  Experiment e;
  e.variants = check_settings(s);
  e.data = data;
  e.spec = expand_preset(s.model, data.train->num_classes());
  e.input = data.train->sample_shape();
  choose_first_layer(s, e);
  e.ablation = *data.test;
  limit_stratified(e.ablation, s.ablation_limit, kTestSubsetSeed);
  e.norm = compute_normalization(*data.train);
  for (std::size_t i = 0; i < s.seeds; ++i) e.seeds.push_back(s.seed + i);
  e.epochs = s.epochs, e.batch_size = s.batch_size, e.lr = s.lr, e.momentum = s.momentum;
  e.handset_options = s.handset_options;
  e.out = s.out;
  std::vector<int> label;
  DataLoader(*data.test, 1, false, 0, e.norm).load_batch(0, e.sample, label);
  return e;
}

}  // namespace minicnn::compare
