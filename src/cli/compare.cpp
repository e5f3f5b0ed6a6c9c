// minicnn compare: do learned filters look like hand-coded ones, and does learning them matter?
// The experiment is the library's (minicnn/experiment/compare.hpp). This file: the options, the
// data they name, and what the terminal shows: a progress line, a line per variant, the findings.
#include <chrono>
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/train/settings.hpp"
#include "minicnn/experiment/compare.hpp"

namespace minicnn::cli {

namespace {

// The experiment's settings (their defaults are the library's), and what only the command line has:
// the data to read, how much of it, and the threads.
struct CompareArgs {
  compare::Settings s;
  std::string dataset = "auto", data;
  std::string handset_scale = filters::scale_name(s.handset_options.scale);
  std::string handset_color = filters::color_name(s.handset_options.color);
  std::size_t limit = 0, test_limit = 0;
  int threads = 0;
};

// --handset-scale and --handset-color (checked against the names on parsing) as the settings' enums.
compare::Settings settings_of(const CompareArgs& a) {
  compare::Settings s = a.s;
  for (const auto scale : {filters::HandsetScale::raw, filters::HandsetScale::init, filters::HandsetScale::unit})
    if (a.handset_scale == filters::scale_name(scale)) s.handset_options.scale = scale;
  for (const auto color : {filters::HandsetColor::gray, filters::HandsetColor::luma})
    if (a.handset_color == filters::color_name(color)) s.handset_options.color = color;
  return s;
}

// One progress line for the whole experiment (which variant and seed, the epoch, the loss, and the
// batches done out of every batch it will train), and a line per variant when it is done.
compare::Callbacks terminal_output(Progress& line) {
  compare::Callbacks on;
  on.batch = [&line](const compare::BatchProgress& p) {
    char label[200];
    std::snprintf(label, sizeof label, "compare: %s, seed %zu/%zu, epoch %zu/%zu, loss %.4f, ETA %.0fs; batches", p.variant.c_str(),
                  p.seed_index + 1, p.seeds, p.epoch, p.epochs, p.loss, p.eta_seconds);
    line.count(label, p.done, p.total);
  };
  on.variant = [&line](const compare::VariantResult& r) {
    line.finish();
    const compare::MeanStd acc = compare::final_accuracy(r);
    std::printf("%-18s test accuracy %s over %zu seed%s, %.1f s of training\n", r.name.c_str(), compare::pct_pm(acc).c_str(),
                r.runs.size(), r.runs.size() == 1 ? "" : "s", compare::training_seconds(r));
    std::fflush(stdout);
  };
  return on;
}

int run_compare(const CompareArgs& a, const std::string& cmdline) try {
  const auto start = std::chrono::steady_clock::now();
  const compare::Settings settings = settings_of(a);
  compare::check_settings(settings);  // before the data is read
  const int threads = use_threads(a.threads);
  const DataSource src = resolve_data(a.dataset, a.data);
  if (!src.note.empty()) std::printf("%s\n", src.note.c_str());
  DataOptions o;
  o.dir = src.dir;
  o.idx_classes = idx_classes(src.dataset);
  DataSplits splits = load_data(o);
  Dataset train = std::move(splits.train), test = std::move(splits.test);
  for (const std::string& note : {apply_limit(train, a.limit, a.s.seed, "--limit"),
                                   apply_limit(test, a.test_limit, kTestSubsetSeed, "--test-limit")})
    if (!note.empty()) std::printf("%s\n", note.c_str());
  const compare::Experiment e = compare::plan(settings, {&train, &test, src.dataset, src.dir, a.test_limit});
  make_folders(e.out);
  std::printf("compare: %zu variants x %zu seeds x %zu epochs of %s on %s (%zu training images)\n", e.variants.size(), e.seeds.size(),
              e.epochs, e.spec.c_str(), src.dir.c_str(), train.size());
  Progress line;
  const auto results = compare::train_variants(e, terminal_output(line));

  compare::ReportInput in;
  in.experiment = &e;
  in.command_line = cmdline;
  in.threads = static_cast<std::size_t>(threads);
  in.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  in.environment = environment_info();
  const auto facts = compare::write_report(results, in);
  std::printf("\n");
  for (const auto& f : facts) std::printf("- %s\n", f.c_str());
  std::printf("\nreport: %s/report.html (self-contained) and %s/report.md\n", e.out.c_str(), e.out.c_str());
  return kExitOk;
} catch (const compare::SettingsError& e) {
  throw UsageError(e.what());
}

}  // namespace

void add_compare_commands(CLI::App& app, Command& command) {
  auto c = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "train hand-set vs learned first layers side by side and write a report");
  cmd->add_option("--model", c->s.model, "lenet5, small, or a spec with a conv layer (its first conv, inside a block too, is compared)")
      ->capture_default_str();
  cmd->add_option("--dataset", c->dataset, "what --data holds (auto detects it); without --data, mnist reads data/mnist")
      ->check(one_of({"auto", "mnist", "fashion-mnist", "folder", "cifar10"}))
      ->capture_default_str();
  cmd->add_option("--data", c->data, "the data folder (IDX files, CIFAR-10 batches or class folders, grey or colour)");
  cmd->add_option("--variants", c->s.variants, "comma-separated: random, handset-frozen, handset-init, random-frozen, handset-frozen-raw")
      ->capture_default_str();
  cmd->add_option("--handset", c->s.handset,
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
  cmd->add_option("--seeds", c->s.seeds, "seeds per variant (--seed, --seed + 1, ...): mean and spread over them")
      ->capture_default_str()->check(whole_number(1, 100));
  cmd->add_option("--epochs", c->s.epochs, "epochs per run")->capture_default_str()->check(whole_number(1, 100000));
  cmd->add_option("--batch-size", c->s.batch_size, "images per SGD step")->capture_default_str()->check(whole_number(1, 65536));
  cmd->add_option("--lr", c->s.lr, "learning rate (cosine schedule)")->capture_default_str()->check(real_number(0, 1e6));
  cmd->add_option("--momentum", c->s.momentum, "SGD momentum")->capture_default_str()->check(real_number(0, 0.999));
  cmd->add_option("--seed", c->s.seed, "the first seed: initialisation and data order, the same for every variant")
      ->capture_default_str()->check(whole_number(0, 4611686018427387904ull));
  add_threads_option(*cmd, c->threads);
  cmd->add_option("--limit", c->limit, "train on N images only (0: all): every class in proportion, drawn with --seed")->check(whole_number(0, 1000000000));
  cmd->add_option("--test-limit", c->test_limit, "test on N images only (0: all): every class in proportion, the same images as train --test-limit N")->check(whole_number(0, 1000000000));
  cmd->add_option("--ablation-limit", c->s.ablation_limit, "test images used to measure kernel importance")->capture_default_str()->check(whole_number(1, 1000000000));
  cmd->add_option("--out", c->s.out, "folder for the report, images and each variant's first-seed checkpoint")->capture_default_str();
  cmd->add_flag("--force", c->s.force, "replace an existing report");
  cmd->footer(
      "examples:\n"
      "  minicnn compare --epochs 3 --out runs/compare\n"
      "  minicnn compare --model \"conv 8 3, relu, maxpool 2, flatten, linear 10\" --handset sobel_x,sobel_y,laplacian8,sharpen,"
      "gaussian3,emboss,scharr_x,scharr_y --out runs/c3\n"
      "  minicnn compare --dataset fashion-mnist --seeds 5 --variants random,handset-frozen --out runs/fashion\n");
  command.register_run(cmd, [c](const std::string& cmdline) { return run_compare(*c, cmdline); });
}

}  // namespace minicnn::cli
