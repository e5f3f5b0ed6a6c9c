// minicnn compare: do learned filters look like hand-coded ones, and does learning them matter?
// Trains one architecture in several variants, each with the same seeds, data order and
// hyper-parameters, analyses every first-layer kernel, and writes report.html and report.md.
// This file: the options, every check that can refuse the command line before training, and the
// flow. The pieces are in compare_train.cpp, compare_stats.cpp and compare_report*.cpp.
#include <chrono>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "compare.hpp"
#include "data_source.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/vision/filters.hpp"

namespace minicnn::cli {

namespace {

using namespace compare;

const char* kDefaultVariants = "random,handset-frozen,handset-init,random-frozen,handset-frozen-raw";

struct CompareArgs {
  std::string model = "lenet5", variants = kDefaultVariants, out = "runs/compare";
  std::string dataset = "auto", data, handset, handset_scale = "init", handset_color = "luma";
  std::size_t epochs = 3, batch_size = 64, limit = 0, test_limit = 0, ablation_limit = 2000, seeds = 3;
  float lr = 0.05f, momentum = 0.9f;
  std::uint64_t seed = 1;
  int threads = 0;
  bool force = false;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string v; std::getline(ss, v, ',');)
    if (!v.empty()) out.push_back(v);
  return out;
}

// --variants as a list without repeats; the raw variant is left out of the default list when the
// hand-set variants are raw already.
std::vector<std::string> chosen_variants(const CompareArgs& a) {
  std::vector<std::string> chosen;
  for (const auto& v : split_list(a.variants)) {
    try {
      variant_info(v);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--variants: ") + e.what());
    }
    if (a.variants == kDefaultVariants && v == "handset-frozen-raw" && a.handset_scale == "raw") continue;
    if (std::find(chosen.begin(), chosen.end(), v) == chosen.end()) chosen.push_back(v);
  }
  if (chosen.empty()) throw UsageError("--variants names no variant");
  return chosen;
}

// Checks that need no data: the variants, the filter names, the output folder.
std::vector<std::string> check_arguments(const CompareArgs& a) {
  const auto chosen = chosen_variants(a);
  for (const auto& name : split_list(a.handset)) {
    try {
      filters::get(name);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--handset: ") + e.what());
    }
  }
  if (!a.handset.empty() && split_list(a.handset).empty()) throw UsageError("--handset names no filter");
  if (path_exists(a.out + "/report.html") && !a.force)
    throw UsageError(a.out + " already holds a report; choose another --out or pass --force to replace it");
  return chosen;
}

// The first conv layer of the model (inside a block too) and the filters for it; refuses a model
// whose first conv cannot hold them, before any training.
void choose_first_layer(const CompareArgs& a, Experiment& e) {
  manual_seed(a.seed);
  auto model = build_model(e.spec, e.input);
  Conv2d* conv = first_layer<Conv2d>(*model, &e.conv_path);
  if (!conv) throw UsageError("--model has no Conv2d layer to compare: " + e.spec);
  const auto& o = conv->options();
  e.handset = a.handset.empty() ? filters::default_handset(o.out_channels(), o.kernel_size().h) : split_list(a.handset);
  bool handset = false;
  for (const auto& v : e.variants) handset = handset || variant_info(v).handset;
  if (!handset) return;
  const std::string problem = filters::handset_problem(o, e.handset);
  if (!problem.empty())
    throw UsageError("the first conv layer (" + e.conv_path + ": " + conv->spec() + ") cannot hold the hand-set filters: " + problem +
                     (a.handset.empty() ? " (choose them with --handset, or drop the handset variants with --variants)" : ""));
}

filters::HandsetOptions handset_options(const CompareArgs& a) {
  filters::HandsetOptions o;
  o.scale = a.handset_scale == "raw" ? filters::HandsetScale::raw
            : a.handset_scale == "unit" ? filters::HandsetScale::unit : filters::HandsetScale::init;
  o.color = a.handset_color == "gray" ? filters::HandsetColor::gray : filters::HandsetColor::luma;
  return o;
}

int run_compare(const CompareArgs& a, const std::string& cmdline) {
  const auto start = std::chrono::steady_clock::now();
  Experiment e;
  e.variants = check_arguments(a);
  const int threads = a.threads > 0 ? a.threads : default_threads();
  set_num_threads(threads);
  const DataSource src = resolve_data(a.dataset, a.data);
  DataOptions o;
  o.dir = src.dir;
  o.idx_classes = idx_classes(src.dataset);
  DataSplits splits = load_data(o);
  Dataset train = std::move(splits.train), test = std::move(splits.test);
  truncate(train, a.limit);
  truncate(test, a.test_limit);
  Dataset ablation = test;
  truncate(ablation, a.ablation_limit);
  e.spec = expand_preset(a.model, train.num_classes());
  e.input = train.sample_shape();
  choose_first_layer(a, e);

  e.train = &train, e.test = &test, e.ablation = &ablation;
  e.norm = compute_normalization(train);
  for (std::size_t s = 0; s < a.seeds; ++s) e.seeds.push_back(a.seed + s);
  e.epochs = a.epochs, e.batch_size = a.batch_size, e.lr = a.lr, e.momentum = a.momentum;
  e.handset_options = handset_options(a);
  e.out = a.out;
  std::vector<int> label;
  DataLoader(test, 1, false, 0, e.norm).load_batch(0, e.sample, label);
  e.checkpoint_json = nlohmann::json{{"dataset", src.dataset},
                                     {"data", src.dir},
                                     {"normalize", normalization_json(e.norm)},
                                     {"classes", train.classes},
                                     {"eval_batch_size", 1000},
                                     {"handset_scale", a.handset_scale},
                                     {"handset_color", a.handset_color},
                                     {"training", {{"test_limit", a.test_limit}, {"epochs", a.epochs}}}}
                          .dump();
  make_folders(a.out);
  std::printf("compare: %zu variants x %zu seeds x %zu epochs of %s on %s (%zu training images)\n", e.variants.size(), e.seeds.size(),
              e.epochs, e.spec.c_str(), src.dir.c_str(), train.size());
  const auto results = train_variants(e);

  ReportInput in;
  in.experiment = &e;
  in.data_name = src.dataset + " (" + src.dir + ")";
  in.command_line = cmdline, in.scale = a.handset_scale, in.color = a.handset_color;
  in.threads = static_cast<std::size_t>(threads);
  in.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto facts = write_report(results, in);
  std::printf("\n");
  for (const auto& f : facts) std::printf("- %s\n", f.c_str());
  std::printf("\nreport: %s/report.html (self-contained) and %s/report.md\n", a.out.c_str(), a.out.c_str());
  return kExitOk;
}

}  // namespace

void add_compare_commands(CLI::App& app, Command& command) {
  auto c = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "train hand-set vs learned first layers side by side and write a report");
  cmd->add_option("--model", c->model, "lenet5, small, or a spec with a conv layer (its first conv, inside a block too, is compared)")
      ->capture_default_str();
  cmd->add_option("--dataset", c->dataset, "what --data holds (auto detects it); without --data, mnist reads data/mnist")
      ->check(CLI::IsMember({"auto", "mnist", "fashion-mnist", "folder", "cifar10"}))
      ->capture_default_str();
  cmd->add_option("--data", c->data, "the data folder (IDX files, CIFAR-10 batches or class folders, grey or colour)");
  cmd->add_option("--variants", c->variants, "comma-separated: random, handset-frozen, handset-init, random-frozen, handset-frozen-raw")
      ->capture_default_str();
  cmd->add_option("--handset", c->handset,
                  "comma-separated bank filters, one per output channel of the first conv (`minicnn filters list`); default: "
                  "filters that fit its kernel size");
  cmd->add_option("--handset-scale", c->handset_scale,
                  "init: each hand-set kernel rescaled to the L2 norm of a random-init kernel, 1/sqrt(3), and to no more "
                  "than its RMS DC gain, also 1/sqrt(3); unit: norm 1; raw: textbook values")
      ->check(CLI::IsMember({"init", "raw", "unit"}))
      ->capture_default_str();
  cmd->add_option("--handset-color", c->handset_color,
                  "colour first layer: luma (R, G, B weighted 0.299, 0.587, 0.114) or gray (each channel 1/3)")
      ->check(CLI::IsMember({"luma", "gray"}))
      ->capture_default_str();
  cmd->add_option("--seeds", c->seeds, "seeds per variant (--seed, --seed + 1, ...): mean and spread over them")
      ->capture_default_str()->check(whole_number(1, 100));
  cmd->add_option("--epochs", c->epochs, "epochs per run")->capture_default_str()->check(whole_number(1, 100000));
  cmd->add_option("--batch-size", c->batch_size, "images per SGD step")->capture_default_str()->check(whole_number(1, 65536));
  cmd->add_option("--lr", c->lr, "learning rate (cosine schedule)")->capture_default_str()->check(real_number(0, 1e6));
  cmd->add_option("--momentum", c->momentum, "SGD momentum")->capture_default_str()->check(real_number(0, 0.999));
  cmd->add_option("--seed", c->seed, "the first seed: initialisation and data order, the same for every variant")
      ->capture_default_str()->check(whole_number(0, 4611686018427387904ull));
  cmd->add_option("--threads", c->threads, "threads (default: all cores)")->check(whole_number(1, 1024));
  cmd->add_option("--limit", c->limit, "train on the first N images only (0: all)")->check(whole_number(0, 1000000000));
  cmd->add_option("--test-limit", c->test_limit, "test on the first N images only (0: all)")->check(whole_number(0, 1000000000));
  cmd->add_option("--ablation-limit", c->ablation_limit, "test images used to measure kernel importance")->capture_default_str()->check(whole_number(1, 1000000000));
  cmd->add_option("--out", c->out, "folder for the report, images and each variant's first-seed checkpoint")->capture_default_str();
  cmd->add_flag("--force", c->force, "replace an existing report");
  cmd->footer(
      "examples:\n"
      "  minicnn compare --epochs 3 --out runs/compare\n"
      "  minicnn compare --model \"conv 8 3, relu, maxpool 2, flatten, linear 10\" --handset sobel_x,sobel_y,laplacian8,sharpen,"
      "gaussian3,emboss,scharr_x,scharr_y --out runs/c3\n"
      "  minicnn compare --dataset fashion-mnist --seeds 5 --variants random,handset-frozen --out runs/fashion\n");
  command.register_run(cmd, [c](const std::string& cmdline) { return run_compare(*c, cmdline); });
}

}  // namespace minicnn::cli
