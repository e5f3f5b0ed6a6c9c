// A training run's set-up: settings (from the caller, or the checkpoint being resumed), data,
// model and optimiser, and the run folder. The run folder's files are in training_run_files.cpp,
// the epochs in training_run_loop.cpp.
#include "minicnn/train/training_run.hpp"

#include <algorithm>

#include "minicnn/core/init.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/spec.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/train/errors.hpp"

namespace minicnn {

TrainingRun::TrainingRun(RunSettings settings, std::vector<std::string> given, DistributedRun& dist, TrainingObserver& observer)
    : s_(std::move(settings)), given_(std::move(given)), dist_(dist), observer_(observer) {
  record_.history.emplace();
}

void TrainingRun::set_origin(std::string command, nlohmann::json environment) {
  command_ = std::move(command);
  environment_ = std::move(environment);
}

void TrainingRun::use_model(std::shared_ptr<Sequential> model, std::string spec) {
  model_ = std::move(model);
  spec_ = std::move(spec);
}

void TrainingRun::use_data(DataSplits data, DataSource source) { given_data_.emplace(std::move(data), std::move(source)); }

bool TrainingRun::given(const char* key) const { return std::find(given_.begin(), given_.end(), key) != given_.end(); }

int TrainingRun::run() {
  if (!s_.resume.empty() && (!s_.from.empty() || s_.new_head))  // before a finished checkpoint's "nothing to do"
    throw UsageError(std::string(s_.from.empty() ? "--new-head" : "--from") +
                     " starts a new run from a model; --resume continues one, whose checkpoint already holds its head and frozen layers");
  if (!s_.resume.empty() && !read_resumed_settings()) return kExitOk;
  augment_ = check_settings(s_);
  if (dist_.world_size() > 1 && !given("threads")) s_.threads = dist_.threads_per_rank();
  refuse_used_folder();
  observer_.settings_ready(*this);
  s_.threads = use_threads(s_.threads);
  if (!s_.from.empty()) read_source_model();
  load_data();
  build_model_and_optimizer();
  dist_.check_same_everywhere(settings_to_json(s_), spec_, train_, test_, *model_);
  dist_.writer_first([&] { prepare_folder(); });
  return train();
}

// A resumed run takes every stored setting from its checkpoint; the settings it does not fix
// (--epochs, --threads) follow the caller when given there, else the run continues as planned.
// It writes into the checkpoint's own run folder unless --out says otherwise. Returns false when
// the checkpoint has already trained every epoch asked for: the same resume command run twice
// has nothing left to do, which is not an error.
namespace {
// What a resumed run calls its model (the checkpoint keeps the spec, not the --model word): the
// preset whose spec it still is, else where an import came from, else the spec when it is short.
std::string model_word(const RunRecord& record, const std::string& spec) {
  for (const Preset& p : presets())
    if (expand_preset(p.name, record.classes.size()) == spec) return p.name;
  if (record.imported_from) return "the model imported from " + record.imported_from->file;
  return spec.size() <= 80 ? spec : "the model of the checkpoint";
}
}  // namespace

bool TrainingRun::read_resumed_settings() {
  resume_file_ = read_checkpoint(s_.resume);
  resuming_ = true;
  try {
    record_ = RunRecord::read_from(resume_file_.info, /*for_resume=*/true);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(s_.resume + ": not a resumable training checkpoint (" + e.what() + ")");
  }
  const RunSettings asked = s_;
  for (const auto& info : run_settings_table())
    if (info.stored)
      std::visit([&](auto m) { s_.*m = !info.fixed && given(info.key.c_str()) ? asked.*m : record_.settings.*m; }, info.member);
  spec_ = resume_file_.info.spec;
  s_.model = model_word(record_, spec_);
  s_.dataset = record_.dataset;
  if (!given("data")) s_.data = record_.data;
  if (!given("out") && !run_folder_of(s_.resume).empty()) s_.out = run_folder_of(s_.resume);
  s_.normalize = !record_.norm.empty();
  start_epoch_ = record_.progress->epochs_done;
  start_batch_ = record_.progress->batches_done;
  carried_ = record_.progress->partial;
  // An import, trained 0 steps, holds no optimiser state: a fresh optimiser is exactly its state.
  resume_fresh_optimizer_ = record_.imported_from && start_epoch_ == 0 && start_batch_ == 0;
  record_.imported_from.reset();  // what this run writes is its own
  record_.other = nlohmann::json::object();
  if (start_epoch_ >= s_.epochs && start_batch_ == 0) {
    observer_.note(s_.resume + " has already trained " + std::to_string(start_epoch_) + " of " + std::to_string(s_.epochs) +
                   " epochs: nothing to do (to train further, ask for more with --epochs " + std::to_string(start_epoch_ + 1) + " or higher)");
    return false;
  }
  return true;
}

// --from: the model to start from, read before the data (a file that is no model fails at once),
// and the data's images resized to its input unless --image-size or --channels say otherwise.
void TrainingRun::read_source_model() {
  source_ = minicnn::read_source_model(s_.from);
  const Shape& in = source_->input_shape;
  const std::string size = std::to_string(in[1]) + "x" + std::to_string(in[2]);
  s_.model = "from " + s_.from;
  if (!given("image_size")) s_.image_size = size;
  if (!given("channels")) s_.channels = in[0];
  std::size_t height = 0, width = 0;
  parse_image_size(s_.image_size, height, width);
  observer_.note("--from " + s_.from + ": a model for inputs " + shape_str(in) + "; " +
                 (given("image_size") ? "the data's images are resized to " + std::to_string(height) + "x" + std::to_string(width) + " (--image-size)"
                                      : "the data's images are resized to its " + size + " (--image-size to choose)"));
}

// The training and test sets, as the settings (or the resumed checkpoint) say; the data's actual
// shape is recorded in the settings, so a resumed run and eval read it the same way.
void TrainingRun::load_data() {
  const DataSource src = given_data_ ? given_data_->second : resolve_data(s_.dataset, s_.data);
  if (!src.note.empty()) observer_.note(src.note);
  std::size_t height = 0, width = 0;
  parse_image_size(s_.image_size, height, width);
  DataOptions o = data_options(src, s_.val_split, s_.seed, s_.channels, height, width);
  o.folder.skip_bad = s_.skip_bad_images;
  o.folder.max_bytes = parse_bytes("--max-dataset-memory", s_.max_dataset_memory);
  o.folder.progress = [&](std::size_t done, std::size_t total) { observer_.reading_images(done, total); };
  DataSplits d = given_data_ ? std::move(given_data_->first) : minicnn::load_data(o);
  given_data_.reset();
  observer_.data_loaded(d, s_.val_split);
  s_.dataset = record_.dataset = src.dataset;
  record_.data = src.dir;
  train_ = std::move(d.train);
  test_ = std::move(d.test);
  s_.channels = train_.channels;
  s_.image_size = std::to_string(train_.rows) + "x" + std::to_string(train_.cols);
  for (const std::string& note : {apply_limit(train_, s_.limit, s_.seed, "--limit"),
                                   apply_limit(test_, s_.test_limit, kTestSubsetSeed, "--test-limit")})
    if (!note.empty()) observer_.note(note);
  record_.classes = train_.classes;
  if (!s_.normalize) record_.norm = {};
  else if (!resuming_) {
    // A model to start from expects its inputs normalised as they were when it was trained.
    const bool theirs = source_ && !source_->norm.empty() &&
                        (source_->norm.mean.size() == 1 || source_->norm.mean.size() == train_.channels);
    record_.norm = theirs ? source_->norm : compute_normalization(train_);
    if (theirs) observer_.note("inputs normalised as " + s_.from + " records: " + record_.norm.str());
  }
  input_ = train_.sample_shape();
  record_.image_stats = image_statistics(train_);
  apply_data_defaults(s_, d.format, input_, given("lr") || resuming_);
  if (!given("batch_size") && !resuming_)
    if (const std::string note = fit_batch_size_to_set(s_, train_.size()); !note.empty()) observer_.note(note);
  if (spec_.empty() && !model_ && !source_) spec_ = expand_preset(s_.model, train_.num_classes());
}

void TrainingRun::build_model_and_optimizer() {
  if (source_) build_from_source();
  if (!model_) {  // not given by use_model
    manual_seed(s_.seed);
    try {
      model_ = build_model(spec_, input_);
    } catch (const SpecError& e) {  // from the caller: a usage error; from a checkpoint: a file error
      if (!resuming_) throw;
      throw std::runtime_error(s_.resume + ": cannot rebuild its architecture: " + e.what());
    }
  }
  if (!s_.freeze_until.empty()) freeze_layers();
  opt_ = make_optimizer(s_, model_->parameters());
  schedule_ = make_schedule(s_);
  conv_ = first_layer<Conv2d>(*model_, &conv_path_);
  record_.eval_batch_size = eval_batch_size(*model_, input_);
  if (!resuming_) return;
  if (resume_file_.info.input_shape != input_)
    throw std::runtime_error(s_.resume + ": was trained on inputs " + shape_str(resume_file_.info.input_shape) + " but " +
                             record_.data + " holds " + shape_str(input_));
  // A model made for other classes (an import of an ImageNet model, say) would train a whole epoch
  // and only then fail in evaluation: say so before training, and what to run instead.
  if (const Shape out = sample_output_shape(*model_, input_); out.size() == 1 && out[0] != train_.num_classes())
    throw std::runtime_error(s_.resume + ": outputs " + std::to_string(out[0]) + " classes but " + record_.data + " holds " +
                             std::to_string(train_.num_classes()) + "; to train it on these classes, start from it with a new head: "
                             "train --from " + s_.resume + " --data " + record_.data);
  load_into(resume_file_, s_.resume, *model_, opt_.get(), resume_fresh_optimizer_);
  if (!record_.rng.empty()) global_rng().set_state(record_.rng);
}

// The source's layers for the data's input, with a new head for its classes (seeded as a new
// model is) unless the source was trained on these very classes.
void TrainingRun::build_from_source() {
  manual_seed(s_.seed);
  Transfer t = transfer_model(std::move(*source_), input_, train_.classes, s_.new_head);
  source_.reset();
  model_ = std::move(t.model);
  spec_ = std::move(t.spec);
  if (t.new_head.empty())
    observer_.note("head: layer " + t.head_path + ", " + t.old_head + ", kept: the model's classes are the data's (--new-head " +
                   std::to_string(train_.num_classes()) + " gives it a fresh one)");
  else
    observer_.note("head: layer " + t.head_path + ", " + t.old_head + ", replaced by a fresh " + t.new_head + " for the data's " +
                   std::to_string(train_.num_classes()) + " classes (" + join(train_.classes) + ")");
}

void TrainingRun::freeze_layers() {
  const FreezeCounts c = freeze_until(*model_, s_.freeze_until);
  observer_.note("frozen: layers " + c.first + " to " + c.last + " (--freeze-until " + s_.freeze_until + "), " +
                 std::to_string(c.frozen) + " parameters; trainable: " + std::to_string(c.trainable));
}

// Never replace someone's checkpoint by accident. Checked before the data is read, so the refusal
// is the first thing a run says (not after the data's notes and minutes of reading a folder).
void TrainingRun::refuse_used_folder() const {
  if (s_.out.empty()) return;
  const std::string& out = s_.out;
  const bool resuming_in_place = resuming_ && same_file(s_.resume, out + "/model.npz");
  if (path_exists(out + "/model.npz") && !s_.force && !resuming_in_place)
    throw UsageError(out + " already holds a model.npz; choose another --out, resume from it with --resume " + out +
                     "/model.npz, or pass --force to replace it");
}

// The run folder (refuse_used_folder said it is free), and the run's settings in config.json.
// An empty out: no run folder.
void TrainingRun::prepare_folder() {
  if (s_.out.empty()) return;
  const std::string& out = s_.out;
  make_folders(out + "/checkpoints");
  // A kill -9 during a write leaves "<file>.tmp.<pid>": remove those of processes that are gone.
  for (const std::string& dir : {out, out + "/checkpoints"})
    for (const auto& f : remove_stale_temporaries(dir))
      observer_.note("removed " + dir + "/" + f + ", a temporary file left by a run that was killed while writing");
  write_config();
  // Wall-clock timings are kept out of checkpoints (which must be bit-identical run to run): a run
  // resumed in its own folder takes earlier epochs' timings from the metrics.csv already there.
  if (resuming_) metrics_ = read_metrics_csv(out + "/metrics.csv");
}

}  // namespace minicnn
