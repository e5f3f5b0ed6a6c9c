#pragma once
// How a run ends, as a number: the exit codes of the minicnn tool (documented in `minicnn --help`)
// and the one mapping from an error to its code, used by the tool's main and by every rank of a
// data-parallel run.
#include <exception>
#include <stdexcept>
#include <string>

namespace minicnn {

constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 2, kExitNumerical = 3;

// A bad setting or a bad combination of them (a value out of range, --nesterov without momentum):
// the caller's mistake, exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// UsageError and SpecError (a model spec from the caller): kExitUsage; TrainingDiverged:
// kExitNumerical; anything else: kExitError.
int exit_code_of(const std::exception_ptr& error);
// what() of the error, or "unknown error".
std::string message_of(const std::exception_ptr& error);

}  // namespace minicnn
