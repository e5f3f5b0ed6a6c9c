#include "minicnn/optim/lr_schedule.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace minicnn {

float LrSchedule::scheduled(float base_lr, std::size_t epoch, std::size_t batch, std::size_t batches, std::size_t total) const {
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

float LrSchedule::at(float base_lr, std::size_t epoch, std::size_t batch, std::size_t batches, std::size_t total) const {
  const float lr = scheduled(base_lr, epoch, batch, batches, total);
  return multipliers.empty() ? lr : lr * multiplier_at(epoch * batches + batch);
}

float LrSchedule::multiplier_at(std::size_t position) const {
  float m = 1.f;
  for (const auto& [p, factor] : multipliers) {
    if (p > position) break;
    m = factor;
  }
  return m;
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

std::vector<std::pair<std::size_t, float>> LrSchedule::parse_multipliers(const std::string& text) {
  std::vector<std::pair<std::size_t, float>> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    const auto colon = item.find(':');
    const std::string pos = item.substr(0, colon), factor = colon == std::string::npos ? "" : item.substr(colon + 1);
    char* end = nullptr;
    const double f = std::strtod(factor.c_str(), &end);
    const bool pos_ok = !pos.empty() && pos.size() <= 15 && pos.find_first_not_of("0123456789") == std::string::npos;
    if (!pos_ok || factor.empty() || *end != '\0' || !(f > 0 && f <= 1000))
      throw std::invalid_argument("'" + item + "': expected BATCH:FACTOR, a batch position and a factor in (0, 1000]");
    const std::size_t p = std::stoull(pos);
    if (!out.empty() && p <= out.back().first)
      throw std::invalid_argument("'" + item + "': positions must rise (the one before is " + std::to_string(out.back().first) + ")");
    out.emplace_back(p, static_cast<float>(f));
  }
  return out;
}

std::string LrSchedule::format_multipliers(const std::vector<std::pair<std::size_t, float>>& multipliers) {
  std::string s;
  for (const auto& [p, f] : multipliers) {
    char b[64];
    std::snprintf(b, sizeof b, "%s%zu:%.9g", s.empty() ? "" : ",", p, static_cast<double>(f));
    s += b;
  }
  return s;
}

}  // namespace minicnn
