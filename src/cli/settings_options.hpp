#pragma once
// Private to the minicnn tool: `minicnn train`'s options, made from the library's settings table
// (train/settings.hpp), and the settings a resumed run may not change.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "minicnn/train/settings.hpp"

namespace minicnn::cli {

// Adds every setting as an option of `train`.
void add_run_options(CLI::App& cmd, RunSettings& s);
// Refuses (UsageError) a setting the checkpoint fixes, given with --resume.
void refuse_fixed_on_resume(const CLI::App& cmd);
// The keys (run_settings_table) of the settings given on the command line.
std::vector<std::string> given_settings(const CLI::App& cmd);

}  // namespace minicnn::cli
