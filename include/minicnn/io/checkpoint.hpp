#pragma once
// Checkpoints: one .npz file (a zip of .npy arrays) that numpy.load opens directly.
//
//   "0.weight" (6, 1, 5, 5), "0.bias" (6), ...   every parameter and buffer, named and shaped as
//                                                 PyTorch's state_dict of the same Sequential
//   "optimizer.0.weight.momentum_buffer", ...    optimiser state, when saved with an optimiser
//   "extra.kernels.epoch_1", ...                 arrays of the run (CheckpointInfo::arrays)
//   "__minicnn__"                                uint8 array holding UTF-8 JSON: format version,
//                                                 architecture spec, input shape, training state
//
// A PyTorch user loads the weights with
//   d = numpy.load("model.npz"); sd = {k: torch.from_numpy(d[k]) for k in d.files if "." in k and not k.startswith("optimizer.")}
// and reads the metadata with json.loads(d["__minicnn__"].tobytes()).
//
// Saving streams every tensor into a temporary file that is flushed and renamed into place
// (zip_write, through io/atomic_file.hpp's write_file_atomic_with), so a crash or kill at any moment
// leaves either the old file or the new one, never half of one, and saving takes no memory in
// proportion to the model. Loading checks every name, shape and dtype, and refuses files whose entries claim more data
// than the limits below (zip bombs) or than the file can hold.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "minicnn/core/layer.hpp"
#include "minicnn/optim/optimizer.hpp"
#include "minicnn/core/sequential.hpp"

namespace minicnn {

constexpr int kCheckpointVersion = 1;
constexpr std::size_t kCheckpointMaxEntries = 4096;
constexpr std::uint64_t kCheckpointMaxEntryBytes = 1ull << 30;  // 1 GiB for any one array
constexpr std::uint64_t kCheckpointMaxTotalBytes = 2ull << 30;  // 2 GiB for the whole file, uncompressed
constexpr std::size_t kCheckpointMaxMetaBytes = 1u << 20;       // 1 MiB of JSON

struct CheckpointInfo {
  int version = kCheckpointVersion;
  std::string spec;        // the architecture, as build_model() reads it
  Shape input_shape;       // one sample, e.g. {1, 28, 28}
  std::string extra_json = "{}";  // everything else (training state, config), a JSON object as text
  // Arrays that belong to the run rather than the model (e.g. the first layer's kernels after every
  // epoch, for the filmstrip), saved as "extra.<name>" entries and never loaded into a model.
  std::vector<std::pair<std::string, Tensor>> arrays;
};

// The arrays of a checkpoint file, in file order, and its metadata.
struct CheckpointFile {
  CheckpointInfo info;
  std::vector<std::pair<std::string, Tensor>> arrays;
  const Tensor* find(const std::string& name) const;
};

void save_checkpoint(const std::string& path, Sequential& model, const CheckpointInfo& info,
                     Optimizer* optimizer = nullptr);

// Reads and validates a checkpoint without a model (errors are std::runtime_error naming the file).
CheckpointFile read_checkpoint(const std::string& path);
CheckpointFile parse_checkpoint(const std::uint8_t* data, std::size_t size, const std::string& name);

// Copies a checkpoint's tensors into a model (and optimiser, if given). Every model tensor must be
// present with the same shape, and the checkpoint may hold no model tensor the model lacks.
// optimizer_state_optional: a file with no optimiser state at all leaves the optimiser's fresh
// state as it is (a model trained 0 steps, as minicnn import writes, has nothing to restore).
void load_into(const CheckpointFile& file, const std::string& name, Sequential& model, Optimizer* optimizer = nullptr,
               bool optimizer_state_optional = false);

// Where a checkpoint argument points: a run folder means its model.npz; throws std::runtime_error
// for a folder without one ("runs/m1 is a folder with no model.npz ..."). Anything else is returned
// as given.
std::string checkpoint_path(const std::string& path_or_run_folder);

// Rebuilds the model from the checkpoint's own spec and loads its tensors.
std::unique_ptr<Sequential> load_model(const std::string& path, CheckpointInfo* info = nullptr);

}  // namespace minicnn
