#include "minicnn/io/checkpoint.hpp"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <sys/stat.h>

#include "minicnn/core/registry.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/npy.hpp"
#include "minicnn/io/zip.hpp"

namespace minicnn {

namespace {

constexpr const char* kMetaName = "__minicnn__";
constexpr const char* kOptimizerPrefix = "optimizer.";
constexpr const char* kExtraPrefix = "extra.";

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw std::runtime_error(name + ": " + what); }

std::string json_text(const CheckpointInfo& info) {
  nlohmann::json extra;
  try {
    extra = nlohmann::json::parse(info.extra_json);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("save_checkpoint: extra_json is not valid JSON: ") + e.what());
  }
  nlohmann::json j{{"format", "minicnn"},
                   {"version", info.version},
                   {"spec", info.spec},
                   {"input_shape", info.input_shape},
                   {"extra", extra}};
  return j.dump(1);
}

// The JSON metadata entry, validated.
CheckpointInfo parse_meta(const NpyArray& a, const std::string& name, const std::string& where) {
  if (a.descr == "<f4" || a.bytes > kCheckpointMaxMetaBytes) fail(where, "is not the JSON metadata minicnn writes");
  CheckpointInfo info;
  try {
    const nlohmann::json j = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(a.data), a.bytes));
    if (j.at("format").get<std::string>() != "minicnn") throw std::runtime_error("format is not 'minicnn'");
    info.version = j.at("version").get<int>();
    info.spec = j.at("spec").get<std::string>();
    info.input_shape = j.at("input_shape").get<Shape>();
    info.extra_json = j.value("extra", nlohmann::json::object()).dump();
  } catch (const std::exception& e) {
    fail(where, std::string("metadata is not valid: ") + e.what());
  }
  if (info.version != kCheckpointVersion)
    fail(name, "checkpoint format version " + std::to_string(info.version) + "; this minicnn reads version " +
                   std::to_string(kCheckpointVersion));
  return info;
}

}  // namespace

const Tensor* CheckpointFile::find(const std::string& name) const {
  for (const auto& [n, t] : arrays)
    if (n == name) return &t;
  return nullptr;
}

void save_checkpoint(const std::string& path, Sequential& model, const CheckpointInfo& info, Optimizer* optimizer) {
  // Every entry streams from the tensor it holds: only the .npy headers are made here, so saving
  // takes no memory in proportion to the model (ResNet-18's 45 MB or VGG's 507 MB of weights).
  std::vector<std::pair<std::string, const Tensor*>> tensors;
  for (auto& [n, p] : model.parameters()) tensors.emplace_back(n, &p->value);
  for (auto& [n, b] : model.buffers()) tensors.emplace_back(n, b);
  if (optimizer)
    for (auto& [n, s] : optimizer->state()) tensors.emplace_back(kOptimizerPrefix + n, s);
  for (const auto& [n, a] : info.arrays) tensors.emplace_back(kExtraPrefix + n, &a);
  const std::string meta = json_text(info);
  std::vector<std::string> headers;  // reserved: the entries point into them
  headers.reserve(tensors.size() + 1);
  std::vector<ZipEntry> entries;
  for (const auto& [n, t] : tensors) {
    headers.push_back(npy_header(shape_of(*t), "<f4"));
    entries.push_back({n + ".npy", {{headers.back().data(), headers.back().size()}, {t->data(), t->size() * sizeof(float)}}});
  }
  headers.push_back(npy_header(Shape{meta.size()}, "|u1"));
  entries.push_back({std::string(kMetaName) + ".npy", {{headers.back().data(), headers.back().size()}, {meta.data(), meta.size()}}});
  zip_write(path, entries);
}

CheckpointFile parse_checkpoint(const std::uint8_t* data, std::size_t size, const std::string& name) {
  CheckpointFile file;
  std::vector<std::pair<std::string, Tensor>> extra;
  bool have_meta = false;
  const ZipLimits limits{kCheckpointMaxEntries, kCheckpointMaxEntryBytes, kCheckpointMaxTotalBytes};
  zip_for_each(data, size, name, limits, [&](const std::string& entry_name, const std::uint8_t* bytes, std::size_t n) {
    if (entry_name.size() < 5 || entry_name.compare(entry_name.size() - 4, 4, ".npy") != 0)
      fail(name, "entry '" + entry_name + "' is not a .npy array");
    const std::string entry = entry_name.substr(0, entry_name.size() - 4);
    const std::string where = name + " entry '" + entry_name + "'";
    const NpyArray a = parse_npy(bytes, n, where);
    if (entry == kMetaName) {
      file.info = parse_meta(a, name, where);
      have_meta = true;
      return;
    }
    if (a.descr != "<f4") fail(where, "has dtype '" + a.descr + "'; expected float32 ('<f4')");
    if (file.find(entry)) fail(name, "holds '" + entry + "' twice");
    Tensor t = Tensor::from_shape(a.shape);
    if (a.bytes) std::memcpy(t.data(), a.data, a.bytes);
    if (entry.rfind(kExtraPrefix, 0) == 0) extra.emplace_back(entry.substr(std::string(kExtraPrefix).size()), std::move(t));
    else file.arrays.emplace_back(entry, std::move(t));
  });
  if (!have_meta) fail(name, "has no '__minicnn__' metadata; it was not written by minicnn");
  file.info.arrays = std::move(extra);
  return file;
}

CheckpointFile read_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  const std::streamoff size = in.tellg();
  if (size <= 0) fail(path, "is empty; expected a .npz checkpoint");
  if (static_cast<std::uint64_t>(size) > kCheckpointMaxTotalBytes) fail(path, "is larger than the 2 GiB checkpoint limit");
  std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(data.data()), size)) fail(path, "read error");
  return parse_checkpoint(data.data(), data.size(), path);
}

void load_into(const CheckpointFile& file, const std::string& name, Sequential& model, Optimizer* optimizer,
               bool optimizer_state_optional) {
  std::vector<std::pair<std::string, Tensor*>> targets;
  for (auto& [n, p] : model.parameters()) targets.emplace_back(n, &p->value);
  for (auto& [n, b] : model.buffers()) targets.emplace_back(n, b);
  bool has_optimizer_state = false;
  for (const auto& [n, a] : file.arrays) has_optimizer_state = has_optimizer_state || n.rfind(kOptimizerPrefix, 0) == 0;
  if (optimizer && (has_optimizer_state || !optimizer_state_optional))
    for (auto& [n, s] : optimizer->state()) targets.emplace_back(kOptimizerPrefix + n, s);
  // Check everything before changing anything, so a failed load leaves the model as it was.
  for (const auto& [n, t] : targets) {
    const Tensor* src = file.find(n);
    if (!src)
      fail(name, "has no tensor '" + n + "', which the model expects with shape " + shape_str(t->shape()) +
                     " (checkpoint architecture: " + file.info.spec + ")");
    if (src->shape() != t->shape())
      fail(name, "tensor '" + n + "' has shape " + shape_str(src->shape()) + ", but the model expects " +
                     shape_str(t->shape()));
  }
  for (const auto& [n, a] : file.arrays) {
    const bool is_opt = n.rfind(kOptimizerPrefix, 0) == 0;
    if (is_opt && !optimizer) continue;  // optimiser state is optional when only the model is wanted
    bool known = false;
    for (const auto& [tn, t] : targets) known = known || tn == n;
    if (!known)
      fail(name, "holds tensor '" + n + "', which the model" + (optimizer ? " and optimiser do" : " does") + " not have");
  }
  for (const auto& [n, t] : targets) copy_into(*t, *file.find(n));
}

std::unique_ptr<Sequential> load_model(const std::string& path, CheckpointInfo* info) {
  const CheckpointFile file = read_checkpoint(path);
  std::unique_ptr<Sequential> model;
  try {
    model = build_model(file.info.spec, file.info.input_shape);
  } catch (const std::invalid_argument& e) {
    fail(path, std::string("cannot rebuild its architecture: ") + e.what());
  }
  load_into(file, path, *model);
  if (info) *info = file.info;
  return model;
}

std::string checkpoint_path(const std::string& arg) {
  struct stat st {};
  if (::stat(arg.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return arg;
  const std::string model = (arg.size() > 1 && arg.back() == '/' ? arg.substr(0, arg.size() - 1) : arg) + "/model.npz";
  if (!path_exists(model)) throw std::runtime_error(arg + " is a folder with no model.npz (give a checkpoint or a run folder)");
  return model;
}

}  // namespace minicnn
