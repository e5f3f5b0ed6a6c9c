#include "minicnn/lr_schedule.hpp"

#include <cmath>
#include <stdexcept>

namespace minicnn {

float LrSchedule::at(float base_lr, std::size_t epoch, std::size_t batch, std::size_t batches, std::size_t total) const {
  switch (kind) {
    case Kind::constant:
      return base_lr;
    case Kind::step:
      return base_lr * std::pow(gamma, static_cast<float>(epoch / (step_size ? step_size : 1)));
    case Kind::cosine: {
      const double T = static_cast<double>(total) * static_cast<double>(batches);
      const double t = static_cast<double>(epoch) * static_cast<double>(batches) + static_cast<double>(batch);
      return T > 0 ? static_cast<float>(base_lr * 0.5 * (1.0 + std::cos(M_PI * std::min(t / T, 1.0)))) : base_lr;
    }
  }
  return base_lr;
}

std::string LrSchedule::name() const {
  switch (kind) {
    case Kind::constant: return "constant";
    case Kind::step: return "step";
    case Kind::cosine: return "cosine";
  }
  return "constant";
}

LrSchedule::Kind LrSchedule::parse(const std::string& name) {
  if (name == "constant") return Kind::constant;
  if (name == "step") return Kind::step;
  if (name == "cosine") return Kind::cosine;
  throw std::invalid_argument("unknown learning-rate schedule '" + name + "' (expected constant, step or cosine)");
}

}  // namespace minicnn
