#include "minicnn/train/errors.hpp"

#include "minicnn/core/spec.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn {

int exit_code_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const UsageError&) {
    return kExitUsage;
  } catch (const SpecError&) {
    return kExitUsage;
  } catch (const TrainingDiverged&) {
    return kExitNumerical;
  } catch (...) {
    return kExitError;
  }
}

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace minicnn
