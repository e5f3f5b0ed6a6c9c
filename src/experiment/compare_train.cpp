// The filter experiment: trains every variant with every seed. For one seed every variant starts
// from the same random weights (the hand-set ones then overwrite the first conv layer) and sees the
// same batches in the same order, so the variants differ only in their first layer.
#include <chrono>

#include <nlohmann/json.hpp>

#include "minicnn/core/init.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/experiment/compare.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/train/run_record.hpp"
#include "minicnn/train/settings.hpp"
#include "minicnn/train/train.hpp"
#include "minicnn/vision/kernel_png.hpp"

namespace minicnn::compare {

namespace {

// Counts the batches of the whole experiment and tells the caller after each one.
struct ExperimentProgress {
  const Callbacks& on;
  std::size_t done = 0, total = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  void batch(const std::string& variant, std::size_t seed_index, std::size_t seeds, const BatchReport& r, std::size_t epochs) {
    ++done;
    if (!on.batch) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = done ? elapsed * static_cast<double>(total - done) / static_cast<double>(done) : 0;
    on.batch({variant, seed_index, seeds, r.epoch, epochs, r.running_loss, done, total, eta});
  }
};

// The optimiser and learning-rate schedule of every run: SGD with momentum, the rate falling from
// e.lr to 0 over e.epochs on a cosine (built as `minicnn train` builds them).
RunSettings run_settings(const Experiment& e) {
  RunSettings s;
  s.optimizer = "sgd", s.lr = e.lr, s.momentum = e.momentum, s.lr_schedule = "cosine", s.epochs = e.epochs;
  return s;
}

// What every variant's first-seed checkpoint records of its run (CheckpointInfo::extra_json): the
// data, the normalisation, the hand-set filters and their scale, the variant and its seed.
std::string checkpoint_metadata(const Experiment& e, const VariantResult& r) {
  RunRecord record;
  record.dataset = e.data.dataset, record.data = e.data.dir, record.norm = e.norm;
  record.classes = e.data.train->classes, record.eval_batch_size = 1000;
  record.other = {{"handset_scale", filters::scale_name(e.handset_options.scale)},
                  {"handset_color", filters::color_name(e.handset_options.color)},
                  {"variant", r.name},
                  {"handset_filters", r.handset}};
  record.settings.epochs = e.epochs, record.settings.test_limit = e.data.test_limit, record.settings.seed = r.runs.front().seed;
  record.keep_only_settings({"epochs", "seed", "test_limit"});
  return record.to_json().dump();
}

// The model of one variant and seed: the seed's random weights, then the first conv hand-set
// and/or frozen as the variant says.
std::unique_ptr<Sequential> build_variant(const Experiment& e, const VariantInfo& v, std::uint64_t seed) {
  manual_seed(seed);
  auto model = build_model(e.spec, e.input);
  Conv2d& conv = conv_at(*model, e.conv_path);
  if (v.handset) {
    filters::HandsetOptions o = e.handset_options;
    if (v.raw) o.scale = filters::HandsetScale::raw;
    filters::set_handset(conv, e.handset, o);
  }
  if (v.frozen) {
    conv.weight().frozen = true;
    if (conv.has_bias()) conv.bias().frozen = true;
  }
  return model;
}

// Trains one model for every epoch, evaluating after each; a run that diverges stops there and
// says so (its last accuracy stands for the epochs it did not train).
void train_run(const Experiment& e, Sequential& model, const VariantInfo& v, std::size_t seed_index, SeedRun& run,
               ExperimentProgress& progress) {
  const RunSettings settings = run_settings(e);
  const auto optimizer = make_optimizer(settings, model.parameters());
  DataLoader loader(*e.data.train, e.batch_size, true, run.seed, e.norm);  // the same order for every variant
  Trainer trainer(model, *optimizer, loader);
  trainer.set_schedule(make_schedule(settings));
  for (std::size_t ep = 0; ep < e.epochs; ++ep) {
    double running = 0;
    try {
      const auto rep = trainer.run_epoch(ep, 0, [&](const BatchReport& r) {
        run.batch_loss.push_back(r.loss);
        running = r.running_loss;
        progress.batch(v.name, seed_index, e.seeds.size(), r, e.epochs);
      });
      run.seconds += rep.seconds;
      run.train_loss.push_back(rep.train_loss);
    } catch (const TrainingDiverged&) {
      run.diverged = "diverged in epoch " + std::to_string(ep + 1);
      run.train_loss.push_back(running);
      progress.done += e.epochs * loader.num_batches() - run.batch_loss.size();  // the batches it will not train
    }
    const EvalResult ev = evaluate(model, *e.data.test, e.norm);
    run.test_accuracy.push_back(ev.accuracy());
    run.test_loss.push_back(ev.loss);
    if (!run.diverged.empty()) {
      while (run.test_accuracy.size() < e.epochs) run.test_accuracy.push_back(ev.accuracy()), run.test_loss.push_back(ev.loss);
      while (run.train_loss.size() < e.epochs) run.train_loss.push_back(running);
      return;
    }
  }
}

void save_variant_checkpoint(const Experiment& e, Sequential& model, const VariantResult& r) {
  CheckpointInfo info;
  info.spec = model.spec();
  info.input_shape = e.input;
  info.extra_json = checkpoint_metadata(e, r);
  make_folders(e.out + "/" + r.name);
  save_checkpoint(e.out + "/" + r.name + "/model.npz", model, info);
}

VariantResult train_variant(const Experiment& e, const VariantInfo& v, ExperimentProgress& progress) {
  VariantResult r;
  r.name = v.name;
  if (v.handset) r.handset = e.handset;
  for (std::size_t s = 0; s < e.seeds.size(); ++s) {
    SeedRun run;
    run.seed = e.seeds[s];
    auto model = build_variant(e, v, run.seed);
    Conv2d& conv = conv_at(*model, e.conv_path);
    run.before = conv.weight().value;
    r.total = model->num_parameters();
    r.learned = model->num_parameters(true);
    train_run(e, *model, v, s, run, progress);
    run.after = conv.weight().value;
    run.kernels = analyze_kernels(run.after, run.before);
    ablate_kernels(conv, [&] { return evaluate(*model, e.ablation, e.norm).accuracy(); }, run.kernels);
    if (s == 0) {
      model->eval();
      model->forward(e.sample);
      const Tensor& y = conv.output();  // (1, OC, OH, OW)
      r.maps = y;
      r.maps.reshape({y.shape(1), y.shape(2), y.shape(3)});
    }
    r.runs.push_back(std::move(run));
    if (s == 0) save_variant_checkpoint(e, *model, r);
  }
  return r;
}

}  // namespace

std::vector<VariantResult> train_variants(const Experiment& e, const Callbacks& on) {
  make_folders(e.out);
  ExperimentProgress progress{on};
  progress.total = e.variants.size() * e.seeds.size() * e.epochs * DataLoader(*e.data.train, e.batch_size, false, 0).num_batches();
  std::vector<VariantResult> results;
  for (const auto& name : e.variants) {
    results.push_back(train_variant(e, variant_info(name), progress));
    if (on.variant) on.variant(results.back());
  }
  return results;
}

}  // namespace minicnn::compare
