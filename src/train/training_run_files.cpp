// A training run's folder: config.json, the checkpoints (with their RunRecord), metrics.csv and
// the first conv layer's kernels after every epoch.
#include "minicnn/core/init.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/image_io.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/train/run_report.hpp"
#include "minicnn/train/training_run.hpp"
#include "minicnn/vision/kernel_png.hpp"

namespace minicnn {

// config.json: the command and every setting (again when the learning rate is changed by hand).
void TrainingRun::write_config() {
  if (!writes()) return;
  nlohmann::json config = settings_to_json(s_);
  config.update({{"command", command_},
                 {"model", s_.model},
                 {"spec", spec_},
                 {"dataset", s_.dataset},
                 {"data", record_.data},
                 {"input_shape", input_},
                 {"normalize", normalization_json(record_.norm)},
                 {"classes", train_.classes},
                 {"resumed_from", s_.resume.empty() ? nlohmann::json() : nlohmann::json(s_.resume)},
                 {"processes", dist_.world_size()},
                 {"environment", environment_}});
  write_text_atomic(s_.out + "/config.json", config.dump(2) + "\n");
}

void TrainingRun::save(const std::string& path, std::size_t epochs_done, std::size_t batches_done, const EpochTotals& partial) {
  if (writes()) save_checkpoint(path, *model_, checkpoint_info(epochs_done, batches_done, partial), opt_.get());
  if (!s_.out.empty())  // every rank, so each says the same if training diverges
    last_saved_ = path + ", after " +
                  (batches_done ? std::to_string(batches_done) + (batches_done == 1 ? " batch" : " batches") + " of epoch " +
                                      std::to_string(epochs_done + 1)
                                : std::to_string(epochs_done) + (epochs_done == 1 ? " epoch" : " epochs"));
}

CheckpointInfo TrainingRun::checkpoint_info(std::size_t epochs_done, std::size_t batches_done, const EpochTotals& partial) {
  record_.has_settings = true;
  record_.settings = s_;
  record_.settings_missing.clear();
  record_.progress = TrainingProgress{epochs_done, batches_done, batches_per_epoch_, partial};
  record_.rng = global_rng().state();
  CheckpointInfo info;
  info.spec = spec_;
  info.input_shape = input_;
  record_.write_to(info);
  return info;
}

// The first conv layer's kernels after an epoch: a PNG, and a frame for the filmstrip (kept in every
// checkpoint, so a resumed run draws the same filmstrip as an uninterrupted one).
void TrainingRun::snapshot_kernels(std::size_t epoch) {
  if (!conv_) return;
  KernelImageOptions titled;
  titled.title = "layer " + conv_path_ + " after epoch " + std::to_string(epoch) + ": " + conv_->name();
  if (writes()) save_png(s_.out + "/kernels_epoch" + std::to_string(epoch) + ".png", render_kernels(conv_->weight().value, titled));
  record_.kernel_history.emplace_back(epoch, conv_->weight().value);
}

// Every epoch's kernels side by side on one colour scale (the largest |w| of any epoch), so a
// kernel that grows looks stronger.
void TrainingRun::write_filmstrip() const {
  if (record_.kernel_history.empty() || !writes()) return;
  const std::string title = "layer " + conv_path_ + " (" + conv_->name() + "), its kernels after each epoch";
  save_png(s_.out + "/kernels_filmstrip.png", kernel_filmstrip(record_.kernel_history, title));
}

// metrics.csv: every epoch in the history, with the timings known for this folder.
void TrainingRun::write_metrics(std::size_t epoch, const EpochReport& rep) {
  std::vector<EpochMetrics> rows;
  for (const EpochMetrics& h : *record_.history) {
    EpochMetrics m = h;
    for (const auto& old : metrics_)
      if (old.epoch == m.epoch) m.seconds = old.seconds, m.images_per_second = old.images_per_second;
    if (m.epoch == epoch + 1) m.seconds = rep.seconds, m.images_per_second = rep.images_per_second;
    rows.push_back(m);
  }
  metrics_ = rows;
  if (writes()) write_metrics_csv(s_.out + "/metrics.csv", metrics_);
}

}  // namespace minicnn
