#include "minicnn/optim/lr_schedule.hpp"

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
    case Kind::onecycle: {
      const double T = static_cast<double>(total) * static_cast<double>(batches);
      const double f = T > 0 ? std::min((static_cast<double>(epoch) * batches + batch) / T, 1.0) : 1.0;
      auto anneal = [](double from, double to, double pct) { return to + (from - to) / 2.0 * (1.0 + std::cos(M_PI * pct)); };
      const double start = base_lr / 25.0, end = start / 1e4, warm = 0.3;
      return static_cast<float>(f < warm ? anneal(start, base_lr, f / warm) : anneal(base_lr, end, (f - warm) / (1 - warm)));
    }
  }
  return base_lr;
}

std::string LrSchedule::name() const {
  switch (kind) {
    case Kind::constant: return "constant";
    case Kind::step: return "step";
    case Kind::cosine: return "cosine";
    case Kind::onecycle: return "onecycle";
  }
  return "constant";
}

LrSchedule::Kind LrSchedule::parse(const std::string& name) {
  if (name == "constant") return Kind::constant;
  if (name == "step") return Kind::step;
  if (name == "cosine") return Kind::cosine;
  if (name == "onecycle") return Kind::onecycle;
  throw std::invalid_argument("unknown learning-rate schedule '" + name + "' (expected constant, step, cosine or onecycle)");
}

}  // namespace minicnn
