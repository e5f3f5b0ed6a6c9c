#pragma once
// The training loop, shared by `minicnn train`, `minicnn compare` and the examples. Evaluation is
// train/evaluate.hpp, included here since every training run evaluates.
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "minicnn/data/dataset.hpp"
#include "minicnn/optim/lr_schedule.hpp"
#include "minicnn/optim/optimizer.hpp"
#include "minicnn/core/sequential.hpp"
#include "minicnn/loss/softmax_cross_entropy.hpp"
#include "minicnn/train/evaluate.hpp"

namespace minicnn {

// Thrown when the loss or a gradient stops being finite (learning rate too high, bad data).
// what() names the epoch, the batch, and where the first non-finite value is: the first layer
// whose output is not finite, or the first parameter whose value or gradient is not.
struct TrainingDiverged : std::runtime_error {
  TrainingDiverged(const std::string& what, std::size_t epoch_, std::size_t batch_)
      : std::runtime_error(what), epoch(epoch_), batch(batch_) {}
  std::size_t epoch, batch;  // 1-based
};

// Where the first non-finite number appears when x goes through the model: "layer 3 (Conv2d(...))
// output", "parameter '3.weight' value", ... or an empty string if everything is finite.
std::string find_nonfinite(Sequential& model, const Tensor& x);

// The running sums of an epoch's training loss and accuracy: what a run interrupted in the middle
// of an epoch saves, so that the resumed epoch reports its whole loss, not only the part after.
struct EpochTotals {
  double loss_sum = 0;  // sum over images of their loss
  std::size_t correct = 0, seen = 0;
};

// What one batch adds to its epoch's totals: this process's part of the batch until a gradient
// hook has added up every process's.
struct BatchSums {
  double loss_sum = 0;  // sum over the batch's images of their loss
  std::size_t correct = 0, seen = 0;
  bool finite = true;  // the loss is finite
};

struct BatchReport {
  std::size_t epoch, batch, num_batches;  // batch is 1-based: batches done in this epoch
  float loss;                             // this batch's mean loss
  double running_loss, running_accuracy;  // over the epoch so far
  double images_per_second, eta_seconds;  // for this epoch
  EpochTotals totals;                     // the sums behind running_loss and running_accuracy
};

struct EpochReport {
  std::size_t epoch;  // 1-based
  double train_loss, train_accuracy, seconds, images_per_second;
  bool stopped_early = false;  // the stop callback ended the epoch before its last batch
  std::size_t batches_done = 0, num_batches = 0;
  EpochTotals totals;  // including the carried-in part
};

// Puts the layers whose parameters are all frozen and that keep state (BatchNorm2d and its running
// statistics) in eval mode, after model.train(): a frozen part then computes exactly what it did.
// Trainer::run_epoch calls it; so does anything that times or imitates training.
void keep_frozen_layers_in_eval(Sequential& model);

// One epoch of mini-batch training: forward, loss, backward, optimiser step for each batch.
class Trainer {
 public:
  Trainer(Sequential& model, Optimizer& optimizer, DataLoader& loader);
  // Sets the optimiser's learning rate before every batch from the schedule, which owns the base
  // rate and the run's length (default: constant at the optimiser's rate).
  void set_schedule(const LrSchedule& schedule) { schedule_ = schedule; }
  // The schedule in use: the one place the learning rate lives while training (the live page's
  // changes are added to its multipliers).
  LrSchedule& schedule() { return schedule_; }
  // Clips the gradients' joint L2 norm to max_norm before every optimiser step (0: off).
  void set_clip_grad_norm(float max_norm) { clip_ = max_norm; }
  // Data-parallel training (train/distributed.hpp) hooks in here: the hook is called after every
  // backward pass, before the gradients are checked and the optimiser steps, and sums the
  // gradients and the batch's totals over the processes. With a hook the backward pass runs even
  // when this process's loss is not finite, so that every process joins the sum (and all stop).
  using GradientHook = std::function<void(BatchSums& sums)>;
  void set_gradient_hook(GradientHook hook) { gradient_hook_ = std::move(hook); }

  // Trains epoch `epoch` (0-based: it fixes the shuffle order) from batch start_batch on. It puts
  // the model in training mode, except the layers that keep buffers and whose every parameter is
  // frozen (a frozen BatchNorm2d normalises with its running statistics and leaves them as they
  // are, so a frozen layer computes what it computed before training), and calls
  // set_needs_input_grad(false) on it (nobody reads the gradient with respect to the images); call
  // set_needs_input_grad(true) to get dx again.
  // on_batch is called after every batch; if should_stop returns true after a batch, the
  // epoch ends there (the batch is complete and the model consistent). Throws TrainingDiverged
  // as soon as the loss or a gradient is not finite, before the optimiser applies it.
  // carried: the totals of the batches before start_batch (when resuming mid-epoch).
  EpochReport run_epoch(std::size_t epoch, std::size_t start_batch = 0,
                        const std::function<void(const BatchReport&)>& on_batch = {},
                        const std::function<bool()>& should_stop = {}, EpochTotals carried = {});

 private:
  Sequential& model_;
  Optimizer& optimizer_;
  DataLoader& loader_;
  SoftmaxCrossEntropy loss_;
  LrSchedule schedule_;
  float clip_ = 0.f;
  GradientHook gradient_hook_;
  Tensor x_;
  std::vector<int> labels_;
  NamedParameters params_;  // cached: walked after every batch to catch non-finite gradients
};

}  // namespace minicnn
