#include "minicnn/train/run_record.hpp"

#include <algorithm>
#include <string>

#include "minicnn/train/data_source.hpp"

namespace minicnn {

namespace {

const char* const kKernelPrefix = "kernels.epoch_";

nlohmann::json stats_json(const ImageStats& st) {
  return {{"mean_mean", st.mean_mean}, {"mean_std", st.mean_std}, {"std_mean", st.std_mean},
          {"std_std", st.std_std},     {"mid_mean", st.mid_mean},   {"mid_std", st.mid_std}};
}

ImageStats stats_from_json(const nlohmann::json& j) {
  return {j.at("mean_mean").get<double>(), j.at("mean_std").get<double>(), j.at("std_mean").get<double>(),
          j.at("std_std").get<double>(),   j.at("mid_mean").get<double>(), j.at("mid_std").get<double>()};
}

nlohmann::json training_json(const RunRecord& r) {
  nlohmann::json t = settings_to_json(r.settings);
  for (const auto& key : r.settings_missing) t.erase(key);
  if (r.progress) {
    const TrainingProgress& p = *r.progress;
    t["epochs_done"] = p.epochs_done;
    t["batches_done"] = p.batches_done;
    if (p.batches_per_epoch) t["batches_per_epoch"] = p.batches_per_epoch;
    if (p.batches_done > 0)
      t.update({{"epoch_loss_sum", p.partial.loss_sum}, {"epoch_correct", p.partial.correct}, {"epoch_seen", p.partial.seen}});
  }
  return t;
}

void read_training(RunRecord& r, const nlohmann::json& t, bool for_resume) {
  r.has_settings = true;
  settings_from_json(r.settings, t, /*only_present=*/!for_resume);
  for (const auto& info : run_settings_table())
    if (info.stored && !t.contains(info.key)) r.settings_missing.push_back(info.key);
  if (!for_resume && !t.contains("epochs_done")) return;
  TrainingProgress p;
  p.epochs_done = t.at("epochs_done").get<std::size_t>();
  p.batches_done = t.at("batches_done").get<std::size_t>();
  p.batches_per_epoch = t.value("batches_per_epoch", std::size_t(0));
  if (p.batches_done > 0)
    p.partial = {t.value("epoch_loss_sum", 0.0), t.value("epoch_correct", std::size_t(0)), t.value("epoch_seen", std::size_t(0))};
  r.progress = p;
}

}  // namespace

nlohmann::json history_to_json(const std::vector<EpochMetrics>& history) {
  nlohmann::json j = nlohmann::json::array();
  for (const EpochMetrics& m : history)
    j.push_back({{"epoch", m.epoch},
                 {"train_loss", m.train_loss},
                 {"train_accuracy", m.train_accuracy},
                 {"test_loss", m.test_loss},
                 {"test_accuracy", m.test_accuracy},
                 {"lr", m.lr}});
  return j;
}

std::vector<EpochMetrics> history_from_json(const nlohmann::json& j) {
  // A number, or unknown when missing or null (as an unknown number is written).
  const auto number = [](const nlohmann::json& h, const char* key) {
    return h.contains(key) && !h[key].is_null() ? h[key].get<double>() : EpochMetrics::kUnknown;
  };
  std::vector<EpochMetrics> rows;
  for (const auto& h : j) {
    EpochMetrics m;
    m.epoch = h.value("epoch", std::size_t(0));
    m.train_loss = number(h, "train_loss"), m.train_accuracy = number(h, "train_accuracy");
    m.test_loss = number(h, "test_loss"), m.test_accuracy = number(h, "test_accuracy");
    m.lr = number(h, "lr");
    rows.push_back(m);
  }
  return rows;
}

void RunRecord::keep_only_settings(const std::vector<std::string>& keys) {
  has_settings = true;
  settings_missing.clear();
  for (const auto& info : run_settings_table())
    if (info.stored && std::find(keys.begin(), keys.end(), info.key) == keys.end()) settings_missing.push_back(info.key);
}

nlohmann::json RunRecord::to_json() const {
  nlohmann::json j = other;
  if (version > 1) j["version"] = version;
  j.update({{"dataset", dataset}, {"data", data}, {"normalize", normalization_json(norm)}, {"classes", classes}});
  if (image_stats) j["image_stats"] = stats_json(*image_stats);
  if (eval_batch_size) j["eval_batch_size"] = eval_batch_size;
  if (has_settings) j["training"] = training_json(*this);
  if (history) j["history"] = history_to_json(*history);
  if (!rng.empty()) j["rng"] = rng;
  if (imported_from)
    j["imported_from"] = {{"file", imported_from->file}, {"producer", imported_from->producer}, {"opset", imported_from->opset}};
  return j;
}

RunRecord RunRecord::from_json(const nlohmann::json& j, bool for_resume) {
  RunRecord r;
  r.version = j.value("version", 1);
  if (r.version > kVersion)
    throw std::runtime_error("the checkpoint's run record is version " + std::to_string(r.version) +
                             ", newer than this minicnn reads (" + std::to_string(kVersion) + "); use a newer minicnn");
  r.dataset = for_resume ? j.at("dataset").get<std::string>() : j.value("dataset", r.dataset);
  r.data = j.value("data", std::string());
  if (for_resume || j.contains("normalize")) r.norm = normalization_from_json(j.at("normalize"));
  if (j.contains("classes")) r.classes = j["classes"].get<std::vector<std::string>>();
  if (j.contains("image_stats") && j["image_stats"].contains("mid_mean")) r.image_stats = stats_from_json(j["image_stats"]);
  r.eval_batch_size = j.value("eval_batch_size", std::size_t(0));
  if (for_resume || j.contains("training")) read_training(r, j.at("training"), for_resume);
  if (for_resume || j.contains("history")) r.history = history_from_json(j.at("history"));
  r.rng = j.value("rng", std::string());
  if (j.contains("imported_from")) {
    const auto& f = j["imported_from"];
    r.imported_from = ImportSource{f.value("file", std::string()), f.value("producer", std::string()), f.value("opset", 0)};
  }
  const nlohmann::json known = r.to_json();
  for (const auto& [key, value] : j.items())
    if (!known.contains(key) && key != "version") r.other[key] = value;
  return r;
}

void RunRecord::write_to(CheckpointInfo& info) const {
  info.extra_json = to_json().dump();
  for (const auto& [e, w] : kernel_history) info.arrays.emplace_back(kKernelPrefix + std::to_string(e), w);
  for (const auto& [name, v] : {std::pair("batch_loss", &batch_loss), std::pair("batch_lr", &batch_lr)}) {
    Tensor t = Tensor::from_shape({v->size()});
    std::copy(v->begin(), v->end(), t.begin());
    if (!v->empty()) info.arrays.emplace_back(name, std::move(t));
  }
}

RunRecord RunRecord::read_from(const CheckpointInfo& info, bool for_resume) {
  RunRecord r = from_json(nlohmann::json::parse(info.extra_json), for_resume);
  const std::string prefix = kKernelPrefix;
  for (const auto& [n, a] : info.arrays)
    if (n.rfind(prefix, 0) == 0) r.kernel_history.emplace_back(std::stoul(n.substr(prefix.size())), a);
    else if (n == "batch_loss") r.batch_loss.assign(a.begin(), a.end());
    else if (n == "batch_lr") r.batch_lr.assign(a.begin(), a.end());
  return r;
}

}  // namespace minicnn
