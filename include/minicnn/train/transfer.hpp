#pragma once
// Transfer learning, as `minicnn train --from MODEL --freeze-until PATH --new-head CLASSES` does it:
// start from another model's layers and weights (a minicnn checkpoint, or an ONNX file imported on
// the fly), give it a fresh classifier for the data's classes, and freeze its first layers.
//
//   SourceModel src = read_source_model("resnet18.onnx");       // the layers' spec, input, weights
//   Transfer t = transfer_model(std::move(src), {3, 64, 64}, classes, 0, seed);
//   FreezeCounts f = freeze_until(*t.model, "8");                // layers 0 to 8 keep their weights
//
// The head is the model's last top-level layer with weights, when it is a Linear or a 1x1 Conv2d
// (SqueezeNet ends in a 1x1 convolution, ReLU, global average pool and flatten, no Linear): it is
// replaced by the same kind of layer with one output per class, initialised as build_model
// initialises it (the caller seeds the generator). Every other parameter and buffer is copied.
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"

namespace minicnn {

// What a model to start from holds: its architecture, the per-sample input it was made for, its
// classes and normalisation (when it records them), and its tensors by state_dict name.
struct SourceModel {
  std::string path;  // as given, for messages
  std::string spec;
  Shape input_shape;                 // (C, H, W)
  std::vector<std::string> classes;  // empty: the model names none
  Normalization norm;                // empty: none recorded
  std::vector<std::pair<std::string, Tensor>> tensors;  // parameters and buffers, no optimiser state
};

// An .onnx file (imported as `minicnn import` does), or a minicnn checkpoint (.npz, or a run
// folder: its model.npz). Throws std::runtime_error naming the file.
SourceModel read_source_model(const std::string& path);

struct Transfer {
  std::shared_ptr<Sequential> model;
  std::string spec;
  std::string head_path;  // the top-level index of the head ("10")
  std::string old_head;   // "Linear(512, 1000)"
  std::string new_head;   // "Linear(512, 2)", or empty when the head was kept
};

// The source's layers built for per-sample input (C, H, W) (the data's, usually the source's own),
// with its weights. new_head: the number of outputs of a fresh head; 0 replaces the head by one with
// classes.size() outputs unless the source's classes are these very classes (then it is kept).
// Throws UsageError (train/errors.hpp) naming --from, --new-head or --image-size for a source with
// no replaceable head, a head size that is not the data's class count, or layers that do not fit
// the input.
Transfer transfer_model(SourceModel source, const Shape& input, const std::vector<std::string>& classes,
                        std::size_t new_head);

struct FreezeCounts {
  std::size_t frozen = 0, trainable = 0;  // parameter values
  std::string first, last;                // the frozen layers' range: "0" to "8" (top-level paths)
};

// Freezes every parameter of the layers up to and including the layer at path, in the depth-first
// order of named_layers ("3.body.0" freezes 0, 1, 2, 3.body.0 and everything inside it; not the rest
// of block 3). Throws UsageError naming --freeze-until for a path the model does not have, or one
// that leaves nothing to train.
FreezeCounts freeze_until(Sequential& model, const std::string& path);

}  // namespace minicnn
