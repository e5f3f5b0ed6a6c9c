#pragma once
// The report of one training run: its curves, the first layer's kernels over the epochs, what the
// model gets wrong on the test set, the model and the settings that reproduce it, as one Report
// (train/report.hpp: report.html that opens from disk, and report.md). `minicnn train` writes it
// at the end of every run; `minicnn report RUN` rebuilds it from the run folder, also for runs
// made before reports existed (from their metrics.csv and checkpoints).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"
#include "minicnn/train/evaluate.hpp"
#include "minicnn/train/report.hpp"
#include "minicnn/train/run_folder.hpp"

namespace minicnn {

// A section a caller adds to the report, after what the model gets wrong: it receives the report so
// far, the model, the test set with its normalisation and the evaluation of every test image (so
// it need not evaluate again). A part above train fills it, e.g. explain/report_section.hpp's
// what_filters_detect, which train cannot include.
using ReportSection = std::function<void(Report& report, Sequential& model, const Dataset& test, const Normalization& norm,
                                         const EvalResult& evaluation)>;

// What the report shows besides the model and its test set, as the run folder holds it. Parts
// left empty are left out of the report (an older run has no per-batch losses, for instance).
struct RunReportInput {
  std::string title;                         // "runs/mnist"
  std::string about;                         // one line: what was trained on what
  std::vector<EpochMetrics> epochs;          // metrics.csv
  std::vector<float> batch_loss, batch_lr;   // per batch, in training order (NaN: not recorded)
  std::size_t batches_per_epoch = 0;         // 0: unknown (per-batch curves are then drawn per batch)
  std::vector<std::pair<std::size_t, Tensor>> kernels;  // (epoch, first conv weight), the filmstrip
  std::string kernels_layer;                 // "layer 0: Conv2d(1, 6, ...)"
  std::vector<std::pair<std::string, std::string>> settings;  // name, value
  std::string command;                       // reproduces the run
  std::vector<std::string> notes;            // what the reader should know about missing parts
  std::vector<ReportSection> sections;       // added in order after the mistakes, before the model
};

// The whole report. Evaluates the model on test (inputs normalised with norm).
Report run_report(const RunReportInput& run, Sequential& model, const Shape& input_shape, const Dataset& test,
                  const Normalization& norm);

// The pictures it is made of, usable alone (the kernel filmstrip is vision/kernel_png.hpp's).
// The confusion matrix as SVG: rows true classes, columns predicted, named; the diagonal in blue,
// mistakes in red (shaded by their share of the row), counts in the cells, per-class accuracy.
std::string confusion_svg(const std::vector<std::vector<std::size_t>>& confusion, const std::vector<std::string>& classes);

}  // namespace minicnn
