// minicnn.train, minicnn.evaluate and minicnn.save: a TrainingRun (train/training_run.hpp) on the
// caller's model and data, with the settings of `minicnn train` (dashes as underscores), its
// defaults and its range checks; the GIL released while C++ trains, Ctrl-C stopping at the next
// batch.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>

#include "bindings.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/train/evaluate.hpp"
#include "minicnn/train/training_run.hpp"

namespace minicnn::python {

namespace {

// Settings that belong elsewhere from Python: the data's are chosen when it is read, the model is
// the one given, and the page, the run's processes and resuming are the command line's.
const std::map<std::string, std::string>& not_here() {
  static const std::map<std::string, std::string> m{
      {"model", "the model is the net given to train"},
      {"dataset", "the data is the dataset given to train"},
      {"data", "the data is the dataset given to train"},
      {"channels", "choose it when reading the data: minicnn.datasets.image_folder(path, channels=...)"},
      {"image_size", "choose it when reading the data: minicnn.datasets.image_folder(path, image_size=...)"},
      {"val_split", "choose it when reading the data: minicnn.datasets.image_folder(path, val_split=...)"},
      {"skip_bad_images", "not available from Python"},
      {"max_dataset_memory", "not available from Python"},
      {"resume", "resume a run with `minicnn train --resume`"},
      {"live", "the live page is the command line's (minicnn train --live)"},
      {"port", "the live page is the command line's"},
      {"host", "the live page is the command line's"},
      {"distributed", "data-parallel runs are the command line's (scripts/mpirun.sh)"},
      {"sync_batchnorm", "data-parallel runs are the command line's (scripts/mpirun.sh)"},
      {"from", "the model is the net given to train (transfer learning with a new head: minicnn train --from)"},
      {"new_head", "the model is the net given to train"},
  };
  return m;
}

std::string range_text(const SettingInfo& info, bool whole) {
  char b[128];
  if (info.max <= 0) return whole ? "a whole number of at least 0" : "a number";
  if (whole) std::snprintf(b, sizeof b, "a whole number from %.0f to %.0f", info.min, info.max);
  else std::snprintf(b, sizeof b, "a number %s %g and at most %g", info.min_open ? "above" : "of at least", info.min, info.max);
  return b;
}

// One keyword argument into its setting, checked as the command line checks the option.
void set_setting(RunSettings& s, const SettingInfo& info, const py::handle& value) {
  const std::string got = py::str(py::repr(value));
  std::visit([&](auto member) {
    using T = std::decay_t<decltype(s.*member)>;
    if constexpr (std::is_same_v<T, bool>) {
      if (!py::isinstance<py::bool_>(value)) throw std::invalid_argument(info.key + ": expected True or False, got " + got);
      s.*member = value.cast<bool>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!py::isinstance<py::str>(value)) throw std::invalid_argument(info.key + ": expected a string, got " + got);
      const std::string v = value.cast<std::string>();
      if (!info.choices.empty() && std::find(info.choices.begin(), info.choices.end(), v) == info.choices.end()) {
        std::string known;
        for (const auto& c : info.choices) known += (known.empty() ? "" : ", ") + c;
        throw std::invalid_argument(info.key + ": expected one of " + known + ", got " + got);
      }
      s.*member = v;
    } else {
      constexpr bool whole = std::is_integral_v<T>;
      const bool is_number = !py::isinstance<py::bool_>(value) && (py::isinstance<py::int_>(value) || (!whole && py::isinstance<py::float_>(value)));
      const double v = is_number ? value.cast<double>() : 0;
      const bool in_range = info.max <= 0 ? !(whole && v < 0) : (info.min_open ? v > info.min : v >= info.min) && v <= info.max;
      if (!is_number || !in_range) throw std::invalid_argument(info.key + ": expected " + range_text(info, whole) + ", got " + got);
      s.*member = static_cast<T>(whole ? value.cast<long long>() : v);
    }
  }, info.member);
}

py::dict metrics_dict(const EpochMetrics& e) {
  py::dict d;
  d["epoch"] = e.epoch;
  d["train_loss"] = e.train_loss, d["train_accuracy"] = e.train_accuracy;
  d["test_loss"] = e.test_loss, d["test_accuracy"] = e.test_accuracy;
  d["seconds"] = e.seconds, d["images_per_second"] = e.images_per_second;
  d["lr"] = e.lr;
  return d;
}

// What Python sees of a run: the callbacks after every batch and epoch, the history, and Ctrl-C.
// Called on the training thread with the GIL released; each call takes it for a moment.
class PythonObserver : public TrainingObserver {
 public:
  PythonObserver(py::object on_batch, py::object on_epoch) : on_batch_(std::move(on_batch)), on_epoch_(std::move(on_epoch)) {}
  void after_batch(const BatchReport& r, TrainingRun&) override {
    if (on_batch_.is_none() || error_) return;
    py::gil_scoped_acquire gil;
    py::dict d;
    d["epoch"] = r.epoch, d["batch"] = r.batch, d["batches"] = r.num_batches, d["loss"] = r.loss;
    d["running_loss"] = r.running_loss, d["running_accuracy"] = r.running_accuracy, d["images_per_second"] = r.images_per_second;
    call(on_batch_, d);
  }
  void after_epoch(const EpochReport& rep, const EvalResult&, TrainingRun& run) override {
    EpochMetrics e = run.history().back();
    e.seconds = rep.seconds, e.images_per_second = rep.images_per_second;
    py::gil_scoped_acquire gil;
    py::dict row = metrics_dict(e);
    history_.append(row);
    if (!on_epoch_.is_none() && !error_) call(on_epoch_, row);
  }
  // Ctrl-C (Python's handler raises KeyboardInterrupt here) or a callback's exception: stop after
  // this batch, then raise it.
  int stop_signal() override {
    if (error_) return SIGINT;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) error_.emplace();
    return error_ ? SIGINT : 0;
  }
  std::optional<py::error_already_set>& error() { return error_; }
  py::list history() { return history_; }

 private:
  void call(const py::object& f, const py::dict& d) {
    try {
      f(d);
    } catch (py::error_already_set& e) {
      error_.emplace(std::move(e));
    }
  }
  py::object on_batch_, on_epoch_;
  py::list history_;
  std::optional<py::error_already_set> error_;
};

py::list train(Model& m, Data& data, const py::object& on_batch, const py::object& on_epoch, const py::kwargs& kwargs) {
  RunSettings s;
  s.out.clear();  // no run folder unless out= names one
  std::vector<std::string> given;
  for (const auto& [k, v] : kwargs) {
    const std::string key = py::str(k);
    if (auto why = not_here().find(key); why != not_here().end())
      throw std::invalid_argument("train: " + key + " is not a setting of minicnn.train: " + why->second);
    const auto& table = run_settings_table();
    const auto info = std::find_if(table.begin(), table.end(), [&](const SettingInfo& i) { return i.key == key; });
    if (info == table.end()) {
      std::string known;
      for (const auto& i : table)
        if (!not_here().count(i.key)) known += (known.empty() ? "" : ", ") + i.key;
      throw std::invalid_argument("train: unknown setting '" + key + "' (known: " + known + ", on_batch, on_epoch)");
    }
    set_setting(s, *info, v);
    given.push_back(key);
  }
  if (std::find(given.begin(), given.end(), "seed") == given.end()) s.seed = m.seed;  // the seed the model was built with
  if (m.spec.empty() && !s.out.empty())
    throw std::invalid_argument("train: out=" + s.out + ": a model with a layer written in Python cannot be saved; train it without out=");
  if (data.splits.train.sample_shape() != m.input_shape)
    throw std::invalid_argument("train: the model takes inputs " + shape_str(m.input_shape) + ", the data's images are " +
                                shape_str(data.splits.train.sample_shape()));
  if (!m.setting.empty()) s.model = m.setting;
  s.dataset = data.source.dataset;
  s.data = data.source.dir;
  DistributedRun dist(false, "minicnn");
  PythonObserver observer(on_batch, on_epoch);
  TrainingRun run(s, given, dist, observer);
  run.use_model(m.net, m.spec);
  run.use_data(data.splits, data.source);
  // As `minicnn train`: the generator as it was right after the model was built from the seed.
  if (m.fresh_rng && s.seed == m.seed) global_rng().set_state(*m.fresh_rng);
  else manual_seed(s.seed);
  int code = 0;
  {
    py::gil_scoped_release release;
    code = run.run();
  }
  m.fresh_rng.reset();
  const std::size_t epochs_done = run.history().size();
  m.info = run.checkpoint_info(epochs_done, 0);
  m.data = read_data_record(*m.info);
  m.classes = m.data->classes;
  if (auto& e = observer.error()) {
    e->restore();
    throw py::error_already_set();
  }
  if (code != kExitOk) throw std::runtime_error("training stopped");
  return observer.history();
}

}  // namespace

void bind_train(py::module_& m) {
  m.def("train", &train, py::arg("net"), py::arg("data"), py::kw_only(), py::arg("on_batch") = py::none(),
        py::arg("on_epoch") = py::none(),
        "trains net on data.train, evaluating on data.test after every epoch; keyword settings are `minicnn train`'s options "
        "with dashes as underscores (epochs=3, lr=0.05, batch_size=64, seed=1, threads=1, limit=2000, augment='crop,flip', "
        "out='runs/x' to write a run folder, ...). Returns one dict per epoch with metrics.csv's columns.");
  m.def("evaluate", [](Model& net, const Split& split) {
    if (!net.data) throw std::invalid_argument("evaluate needs the model's normalisation: load a checkpoint or train the model first");
    const Dataset* set = split.set;
    const Normalization norm = net.data->norm;
    EvalResult r;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> hold(lock_of(net));  // evaluate runs (and frees) the model's buffers
      r = evaluate(*net.net, *set, norm);
    }
    py::dict d;
    d["accuracy"] = r.accuracy(), d["loss"] = r.loss, d["correct"] = r.correct, d["total"] = r.total;
    py::array_t<std::int64_t> confusion({r.confusion.size(), r.confusion.size()});
    for (std::size_t i = 0; i < r.confusion.size(); ++i)
      for (std::size_t j = 0; j < r.confusion.size(); ++j) confusion.mutable_at(i, j) = static_cast<std::int64_t>(r.confusion[i][j]);
    d["confusion"] = confusion;
    d["predicted"] = py::array_t<int>(r.predicted.size(), r.predicted.data());
    return d;
  }, py::arg("net"), py::arg("split"), "accuracy, loss and the confusion matrix [true][predicted] of net on a split (data.test)");
  m.def("save", [](Model& net, const std::string& path) {
    if (net.spec.empty()) throw std::invalid_argument("save: this model has no spec form (a Python layer cannot be saved)");
    CheckpointInfo info = net.info ? *net.info : CheckpointInfo{};
    info.spec = net.spec;
    info.input_shape = net.input_shape;
    about_files([&] {
      if (const auto slash = path.find_last_of('/'); slash != std::string::npos && slash > 0) make_folders(path.substr(0, slash));
      save_checkpoint(path, *net.net, info);
    });
  }, py::arg("net"), py::arg("path"), "writes a checkpoint (.npz) the minicnn tool reads, creating its folder as train's out does");
}

}  // namespace minicnn::python
