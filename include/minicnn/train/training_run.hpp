#pragma once
// One training run, as `minicnn train` runs it: settings (as given, or from the checkpoint being
// resumed), data, model and optimiser, the run folder (model.npz, checkpoints/epoch_N.npz,
// metrics.csv, config.json, kernel pictures), then the epochs, each evaluated on the test set.
// It trains on any dataset kind resolve_data reads (train/data_source.hpp). With --from it starts
// from another model's layers and weights, with a new head and frozen layers (train/transfer.hpp).
//
// The run prints nothing itself: what a person (or a live page) should see goes to a
// TrainingObserver, whose methods all default to silence, so a program can train quietly.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/train/distributed_run.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/train/run_folder.hpp"
#include "minicnn/train/run_record.hpp"
#include "minicnn/train/settings.hpp"
#include "minicnn/train/train.hpp"
#include "minicnn/train/transfer.hpp"

namespace minicnn {

class TrainingRun;

// What a training run tells, and asks, whoever watches it. Called on the training thread.
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // The settings are decided (resumed and checked, before any data is read): the moment to
  // refuse a combination the run cannot know about, or to claim a resource such as a port.
  virtual void settings_ready(TrainingRun&) {}
  virtual void reading_images(std::size_t /*done*/, std::size_t /*total*/) {}
  // The data as read, before --limit (an image folder's report says what reading it changed).
  virtual void data_loaded(const DataSplits&, float /*val_split*/) {}
  virtual void note(const std::string& /*line*/) {}  // e.g. a stale temporary file removed
  virtual void starting(TrainingRun&) {}              // everything is ready; the first batch is next
  virtual void after_batch(const BatchReport&, TrainingRun&) {}
  // While paused() is true (and no stop is asked for), training waits between batches, calling idle().
  virtual bool paused() { return false; }
  virtual void idle(TrainingRun&) {}
  // A learning-rate multiplier asked for since the last call (from the next batch on), if any.
  virtual std::optional<float> take_lr_request() { return std::nullopt; }
  virtual void lr_changed(std::size_t /*position*/, float /*multiplier*/, TrainingRun&) {}
  // The signal to stop for (SIGINT, SIGTERM), or 0: asked between batches.
  virtual int stop_signal() { return 0; }
  virtual void after_epoch(const EpochReport&, const EvalResult&, TrainingRun&) {}
  // The run stopped early for `signal` (`where`: "in epoch 2 after batch 40 of 938") and saved a
  // resumable out/model.npz.
  virtual void stopped(int /*signal*/, const std::string& /*where*/, TrainingRun&) {}
  virtual void finished(TrainingRun&) {}  // every epoch trained, the filmstrip written
};

class TrainingRun {
 public:
  // given: the keys (run_settings_table) of the settings chosen by the caller; when resuming, these
  // of the settings a checkpoint does not fix override the checkpoint's. dist: this process alone
  // or one rank of an mpirun job (rank 0 writes).
  TrainingRun(RunSettings settings, std::vector<std::string> given, DistributedRun& dist, TrainingObserver& observer);
  // What config.json records besides the settings: the command that started the run, the machine.
  void set_origin(std::string command, nlohmann::json environment);
  // A model the caller built (or trained before) instead of the one the settings' model names:
  // trained in place, with spec recorded as its architecture. The generator is left as the caller
  // set it: seeded with the run's seed and then used to build this model, as `minicnn train` does,
  // the run repeats the tool's bit for bit.
  void use_model(std::shared_ptr<Sequential> model, std::string spec);
  // Data the caller has read from source (load_data, train/data_source.hpp) instead of what the
  // settings' dataset and data name; --limit and --test-limit still apply.
  void use_data(DataSplits data, DataSource source);
  // Trains; returns kExitOk (also when a resumed checkpoint already has every epoch asked for: the
  // observer hears a note, nothing is written), or 128 + the signal when stopped early. Throws UsageError for bad
  // settings, std::runtime_error for unreadable files, TrainingDiverged.
  int run();

  // ---- what an observer may read ----
  const RunSettings& settings() const { return s_; }
  const std::string& spec() const { return spec_; }
  const std::string& data_dir() const { return record_.data; }
  const Shape& input_shape() const { return input_; }
  const Dataset& train_set() const { return train_; }
  const Dataset& test_set() const { return test_; }
  const Normalization& normalization() const { return record_.norm; }
  const Augmentation& augmentation() const { return augment_; }
  Sequential& model() { return *model_; }
  float lr() const { return opt_->lr(); }  // the rate of the last batch
  const DistributedRun& dist() const { return dist_; }
  std::size_t start_epoch() const { return start_epoch_; }
  std::size_t start_batch() const { return start_batch_; }
  std::size_t batches_per_epoch() const { return batches_per_epoch_; }
  const std::vector<EpochMetrics>& history() const { return *record_.history; }
  const std::vector<float>& batch_loss() const { return record_.batch_loss; }
  const Conv2d* first_conv() const { return conv_; }  // its kernels are drawn after every epoch
  double last_accuracy() const { return last_accuracy_; }
  bool given(const char* key) const;  // the caller chose this setting (a run_settings_table key)
  // What a checkpoint of the model after epochs_done epochs and batches_done batches of the next
  // records besides the tensors: the architecture, the input shape and the run record.
  CheckpointInfo checkpoint_info(std::size_t epochs_done, std::size_t batches_done, const EpochTotals& partial = {});

 private:
  // Whether this process writes the run folder: rank 0, unless the settings' out is empty (no folder).
  bool writes() const { return dist_.writer() && !s_.out.empty(); }
  // Setting up (training_run.cpp).
  bool read_resumed_settings();
  void read_source_model();
  void load_data();
  void build_model_and_optimizer();
  void build_from_source();
  void freeze_layers();
  void refuse_used_folder() const;
  void prepare_folder();
  // The run folder (training_run_files.cpp).
  void write_config();
  void save(const std::string& path, std::size_t epochs_done, std::size_t batches_done, const EpochTotals& partial = {});
  void snapshot_kernels(std::size_t epoch);
  void write_filmstrip() const;
  void write_metrics(std::size_t epoch, const EpochReport& rep);
  // The epochs (training_run_loop.cpp).
  int train();
  int stop_signal();
  void after_batch(const BatchReport& r, Trainer& trainer);
  void change_lr(float multiplier, std::size_t position, Trainer& trainer);
  void finish_epoch(std::size_t epoch, const EpochReport& rep);
  int interrupted(std::size_t epoch, const EpochReport& partial);
  std::string diverged_note() const;

  RunSettings s_;
  std::vector<std::string> given_;
  DistributedRun& dist_;
  TrainingObserver& observer_;
  std::string command_;
  nlohmann::json environment_;
  std::string spec_;
  CheckpointFile resume_file_;
  bool resuming_ = false;
  bool resume_fresh_optimizer_ = false;  // resuming an import: its checkpoint holds no optimiser state
  RunRecord record_;  // what the checkpoints record: data, history, kernels, per-batch loss and rate
  std::size_t start_epoch_ = 0, start_batch_ = 0;
  EpochTotals carried_;  // a resumed epoch's loss and accuracy sums so far
  Dataset train_, test_;
  Augmentation augment_;
  Shape input_;
  std::shared_ptr<Sequential> model_;
  std::optional<SourceModel> source_;  // --from, until the model is built from it
  std::optional<std::pair<DataSplits, DataSource>> given_data_;  // use_data
  std::unique_ptr<Optimizer> opt_;
  LrSchedule schedule_;  // handed to the Trainer, which owns the learning rate from then on
  std::vector<EpochMetrics> metrics_;  // metrics.csv: the history with this folder's timings
  Conv2d* conv_ = nullptr;
  std::string conv_path_;
  double last_accuracy_ = 0;
  std::size_t batches_per_epoch_ = 0;
  int stop_signal_ = 0;  // the signal every rank agreed to stop for
  std::string last_saved_;  // "runs/x/model.npz, after 2 epochs": the newest checkpoint, or "" (none yet)
};

}  // namespace minicnn
