#pragma once
// Learning-rate schedules as pure functions of the position in training, so a resumed run gets
// exactly the learning rate the uninterrupted run had, with no state to save.
#include <cstddef>
#include <string>

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

  // The learning rate for batch `batch` (0-based) of epoch `epoch` (0-based).
  float at(float base_lr, std::size_t epoch, std::size_t batch, std::size_t batches_per_epoch,
           std::size_t total_epochs) const;
  std::string name() const;  // "constant", "step", "cosine", "onecycle"
  static Kind parse(const std::string& name);  // throws std::invalid_argument on an unknown name
};

}  // namespace minicnn
