#pragma once
// Learning-rate schedules as pure functions of the position in training, so a resumed run gets
// exactly the learning rate the uninterrupted run had, with no state to save.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace minicnn {

struct LrSchedule {
  enum class Kind {
    constant,  // lr
    step,      // lr * gamma^floor(epoch / step_size), as torch.optim.lr_scheduler.StepLR
    cosine,    // lr * (1 + cos(pi * t / T)) / 2 per batch, t batches done of T, as CosineAnnealingLR to 0
    onecycle,  // PyTorch's OneCycleLR (cosine): lr/25 up to lr over the first 30% of batches, then
               // down to lr/25/1e4 (Smith & Topin, 2017)
  };
  Kind kind = Kind::constant;
  std::size_t step_size = 1;  // epochs between decays (step)
  float gamma = 0.1f;         // decay factor (step)
  // Changes made by hand while training (the live page's learning-rate control): from batch
  // position p on (epoch * batches_per_epoch + batch, 0-based) the schedule's rate is multiplied
  // by factor, until the next change. Kept in the run's settings, so the rate stays a pure
  // function of the position and a resumed run repeats them. Sorted by position.
  std::vector<std::pair<std::size_t, float>> multipliers;
  float base_lr = 0.01f;       // the rate the schedule starts from (onecycle: its peak)
  std::size_t epochs = 1;      // the run's length, which cosine and onecycle span

  // The learning rate for batch `batch` (0-based) of epoch `epoch` (0-based), from base_lr over epochs.
  float at(std::size_t epoch, std::size_t batch, std::size_t batches_per_epoch) const {
    return at(base_lr, epoch, batch, batches_per_epoch, epochs);
  }
  // The same from another base rate and length.
  float at(float base_lr, std::size_t epoch, std::size_t batch, std::size_t batches_per_epoch,
           std::size_t total_epochs) const;
  // The schedule's rate alone, before the multipliers.
  float scheduled(float base_lr, std::size_t epoch, std::size_t batch, std::size_t batches_per_epoch,
                  std::size_t total_epochs) const;
  // The multiplier in force at a batch position (1 before the first change).
  float multiplier_at(std::size_t position) const;
  std::string name() const;  // "constant", "step", "cosine", "onecycle"
  static Kind parse(const std::string& name);  // throws std::invalid_argument on an unknown name

  // "POSITION:FACTOR,..." (e.g. "1200:0.5,3000:1") and back. Parsing checks every factor is a
  // number in (0, 1000] and the positions rise; it throws std::invalid_argument naming the item.
  // Factors are printed with 9 significant digits, so parse(format(m)) == m exactly.
  static std::vector<std::pair<std::size_t, float>> parse_multipliers(const std::string& text);
  static std::string format_multipliers(const std::vector<std::pair<std::size_t, float>>& multipliers);
};

}  // namespace minicnn
