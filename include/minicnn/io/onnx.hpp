#pragma once
// ONNX (https://onnx.ai): a model as an ONNX graph that onnxruntime, Netron, OpenCV's dnn module
// or a browser (onnxruntime-web) can run or show, and models from torch.onnx.export back into
// minicnn. The files are written and read with Debian's libonnx (the ONNX protobuf classes and
// checker); no ONNX or protobuf header is visible here. A build without libonnx has the same
// functions, which say how to get it (onnx_available(), at the end).
//
// Export writes opset 13 (ir_version 7). The graph takes RAW PIXELS IN [0, 1] as input "input"
// (N, C, H, W) with a dynamic batch N: the input normalisation (x - mean) / std the model was
// trained with is the first two nodes (Sub, Div). Its output is "logits" (N, classes), or
// "probabilities" with a final Softmax. Every built-in layer has an operator:
//
//   Conv2d -> Conv (strides, pads, dilations, group)   Linear -> Gemm (transB=1)
//   ReLU, LeakyReLU, Tanh, Sigmoid -> Relu, LeakyRelu, Tanh, Sigmoid
//   MaxPool2d, AvgPool2d -> MaxPool, AveragePool (pads, ceil_mode, dilations, count_include_pad)
//   GlobalAvgPool2d -> GlobalAveragePool, Flatten       ConstantPad2d -> Pad (mode constant)
//   Hardtanh, ReLU6 -> Clip (min and max as inputs)
//   AdaptiveAvgPool2d -> GlobalAveragePool (1x1), AveragePool (bins alike for the input size), else refused
//   Flatten -> Flatten   BatchNorm2d -> BatchNormalization (running statistics)   Dropout -> nothing
//   Residual -> its branches, Add (and Relu for post=relu)    Sequential -> its layers in order
//   Concat -> its branches, Concat (axis=1)
//
// Initializers are named as the checkpoint names the tensors ("0.weight", "3.body.0.running_mean").
// The class names are metadata ("classes", a JSON list), with the normalisation, the spec and the
// dataset. A layer with no operator (a layer of your own) is refused with its path and name.
//
// Import reads opsets 7 to 17 (and older files whose operators are as in opset 7) and the
// operators above as torch.onnx.export writes them: weights as initializers (raw_data or
// float_data), Conv with or without bias, Gemm with transB 0 or 1, alpha, beta and a bias that
// broadcasts over the batch, MatMul (+ Add) for a Linear, Flatten(axis=1) or the
// Shape/Gather/Unsqueeze/Concat/Reshape of x.view(x.size(0), -1), MaxPool/AveragePool with pads
// per side, ceil_mode, dilations and count_include_pad, auto_pad (SAME_UPPER, SAME_LOWER, VALID)
// on Conv and the pools (a Conv's uneven pads become a pad layer before it), Pad of H and W with a
// constant, Clip (relu6, hardtanh, relu), Dropout, Identity, a residual Add of two branches (a
// Residual block; a Relu after it becomes post=relu), a Concat of activations by channel (a Concat
// block, one branch per input), BatchNormalization in eval
// mode, a Sub/Div normalisation of the input, and a final Softmax (left out: minicnn models output
// logits). Anything else is refused with the node's name and op type. The input is (N, C, H, W)
// or (N, F); the output may be class scores or feature maps (a graph that ends in a Conv).
//
// Big models: the file is mapped, not read into memory, and the weights' bytes are left out of the
// parse and copied once, straight from the file into the model's tensors, so an import takes about
// the model's weight bytes of memory (torchvision's VGG-11, 531 MB of weights: 1.33x at its peak).
//
// Files are untrusted: one larger than the memory limit (core/memory.hpp: half the machine's
// memory, or MINICNN_MAX_MEMORY), one whose weights and parse together would take more than it,
// one whose parse without the weights would take more memory than kOnnxMaxParseBytes plus
// kOnnxParseBytesPerFileByte per byte (estimated by walking the wire format before parsing: an
// empty sub-message costs 2 bytes on disk and ~150 in memory), nesting deeper
// than kOnnxMaxDepth, more than kOnnxMaxNodes nodes, a tensor whose data disagrees with its dims,
// external data, a cycle or a dangling input: each gets one std::runtime_error naming the file and
// what was wrong. The model built from it then meets build_model's limits (core/registry.hpp).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "minicnn/core/sequential.hpp"

namespace minicnn {

constexpr int kOnnxOpset = 13;                              // what export writes
constexpr int kOnnxMinOpset = 7, kOnnxMaxOpset = 17;        // what import reads
constexpr std::uint64_t kOnnxMaxParseBytes = 64ull << 20;   // 64 MiB, plus...
constexpr std::uint64_t kOnnxParseBytesPerFileByte = 4;     // ...4 bytes of memory per byte of file
constexpr int kOnnxMaxDepth = 32;                           // messages inside messages
constexpr std::size_t kOnnxMaxNodes = 4096;

struct OnnxExportOptions {
  // The normalisation the model was trained with, per channel (or one value for all), as the
  // first nodes; empty: the model takes [0, 1] pixels as they are.
  std::vector<float> mean, std;
  std::vector<std::string> classes;  // metadata "classes"; their number must match the output
  bool softmax = false;              // append Softmax: output "probabilities" instead of "logits"
  std::string dataset;               // metadata "dataset" (e.g. "mnist"), if given
};

// The model as the bytes of an ONNX file, for per-sample inputs of input_shape (C, H, W). Checked
// with the ONNX checker and strict shape inference before it is returned. Throws
// std::invalid_argument for a layer with no operator or options that do not fit the model.
std::string onnx_bytes(Sequential& model, const Shape& input_shape, const OnnxExportOptions& options = {});
// The same, written atomically to path.
void export_onnx(Sequential& model, const Shape& input_shape, const std::string& path,
                 const OnnxExportOptions& options = {});

// What import_onnx read: a model, built and loaded, and what the file says around it.
struct OnnxImport {
  std::unique_ptr<Sequential> model;
  std::string spec;                  // the architecture, as build_model reads it
  Shape input_shape;                 // per sample (C, H, W)
  std::vector<float> mean, std;      // the Sub/Div normalisation found at the front (empty: none)
  std::vector<std::string> classes;  // from metadata "classes" (empty: the file names none)
  std::map<std::string, std::string> metadata;
  std::string producer;              // "pytorch 1.13.0"
  int opset = 0;
  std::vector<std::string> notes;    // what the import changed or left out, for the user
};

OnnxImport import_onnx(const std::string& path);
// The same from bytes in memory; name is used in error messages.
OnnxImport parse_onnx(const std::uint8_t* data, std::size_t size, const std::string& name);

// Whether this build has ONNX (CMake's MINICNN_ONNX: AUTO uses libonnx when found, OFF builds
// without). Without it, every function above throws std::runtime_error(onnx_missing_message()):
// one line saying so and how to get it.
bool onnx_available();
std::string onnx_missing_message();

}  // namespace minicnn
