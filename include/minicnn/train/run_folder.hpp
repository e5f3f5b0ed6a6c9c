#pragma once
// The files of a run folder that `minicnn train` writes besides checkpoints: metrics.csv, one row
// per epoch, read and written by column name. (kernels_filmstrip.png, the first conv layer's
// kernels after every epoch side by side, is drawn by vision/kernel_png.hpp's kernel_filmstrip.)
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace minicnn {

struct EpochMetrics {
  static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  std::size_t epoch = 0;  // 1-based
  double train_loss = kUnknown, train_accuracy = kUnknown, test_loss = kUnknown, test_accuracy = kUnknown;
  double seconds = kUnknown, images_per_second = kUnknown;  // wall clock: unknown for epochs of another run
  double lr = kUnknown;                                      // at the end of the epoch
};

// The columns of metrics.csv, in order.
const std::vector<std::string>& metrics_columns();
// Writes the rows (unknown values as empty cells).
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows);
// Reads metrics.csv by its header's column names: columns it does not know are skipped, missing
// ones stay unknown. Returns no rows if the file does not exist; throws std::runtime_error naming
// the file and line for a malformed one.
std::vector<EpochMetrics> read_metrics_csv(const std::string& path);

// The run folder a checkpoint belongs to, where `train --resume` continues: DIR for DIR/model.npz,
// RUN for RUN/checkpoints/NAME.npz; "" for a checkpoint anywhere else (an imported model.npz
// keeps the default --out).
std::string run_folder_of(const std::string& checkpoint);

}  // namespace minicnn
