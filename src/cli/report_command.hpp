#pragma once
// Private to the minicnn tool: a run folder's report (report.html, report.md and report/), as
// `minicnn train` writes it at the end of a run and `minicnn report` rebuilds it.
#include <string>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"

namespace minicnn::cli {

// Reads the run folder (model.npz, metrics.csv, config.json) and writes its report; returns the
// path of report.html. test: the run's test set if the caller has it (otherwise it is read again,
// from data_dir if given, else from where the checkpoint says). program: how to name the tool in
// the command that reproduces the run. trained: the model just saved to the run folder, if the
// caller still holds it; it is used instead of a second copy rebuilt from model.npz, whose
// evaluation buffers would sit beside the first one's.
std::string write_run_report(const std::string& run_dir, const std::string& program, const Dataset* test = nullptr,
                             const std::string& data_dir = "", Sequential* trained = nullptr);

}  // namespace minicnn::cli
