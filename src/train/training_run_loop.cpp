// A training run's epochs: every batch (its loss and learning rate kept, the observer's pause,
// stop and learning-rate requests), every epoch's evaluation and checkpoints, and stopping early.
#include <csignal>
#include <limits>

#include "minicnn/train/errors.hpp"
#include "minicnn/train/training_run.hpp"

namespace minicnn {

int TrainingRun::train() {
  if (record_.kernel_history.empty()) snapshot_kernels(start_epoch_);
  DataLoader loader(train_, s_.batch_size, /*shuffle=*/true, s_.seed, record_.norm, augment_);
  batches_per_epoch_ = loader.num_batches();
  // One value per batch trained so far (NaN for batches of a checkpoint that predates them).
  for (auto* v : {&record_.batch_loss, &record_.batch_lr}) {
    v->resize(start_epoch_ * batches_per_epoch_ + start_batch_, std::numeric_limits<float>::quiet_NaN());
    v->reserve(s_.epochs * batches_per_epoch_);
  }
  observer_.starting(*this);
  Trainer trainer(*model_, *opt_, loader);
  trainer.set_schedule(schedule_);
  trainer.set_clip_grad_norm(s_.clip_grad_norm);
  if (const std::string shared = dist_.attach(*model_, trainer, loader, s_.sync_batchnorm, s_.out); !shared.empty())
    observer_.note(shared);
  for (std::size_t epoch = start_epoch_; epoch < s_.epochs; ++epoch) {
    EpochReport rep;
    try {
      rep = trainer.run_epoch(
        epoch, epoch == start_epoch_ ? start_batch_ : 0,
        [&](const BatchReport& r) {
          after_batch(r, trainer);
          if (s_.checkpoint_every && r.batch % s_.checkpoint_every == 0 && r.batch < r.num_batches)
            save(s_.out + "/model.npz", epoch, r.batch, r.totals);
        },
        [&] { return stop_signal() != 0; }, epoch == start_epoch_ ? carried_ : EpochTotals{});
    } catch (const TrainingDiverged& e) {
      throw TrainingDiverged(std::string(e.what()) + "\n" + diverged_note(), e.epoch, e.batch);
    }
    if (rep.stopped_early) return interrupted(epoch, rep);
    finish_epoch(epoch, rep);
    if (epoch + 1 < s_.epochs && stop_signal()) return interrupted(epoch + 1, EpochReport{});
  }
  write_filmstrip();
  observer_.finished(*this);
  return kExitOk;
}

// What is left after training diverged: only a checkpoint that exists is promised.
std::string TrainingRun::diverged_note() const {
  if (!last_saved_.empty()) return "The last checkpoint written before this batch is kept: " + last_saved_ + ".";
  if (s_.out.empty()) return "This run writes no checkpoints (no run folder).";
  return "No checkpoint was written yet" + (resuming_ ? "; " + s_.resume + ", which this run resumed from, is unchanged." : ".");
}

// The signal every rank agrees to stop for (under mpirun), or 0. A collective.
int TrainingRun::stop_signal() { return stop_signal_ = dist_.agree_on_signal(observer_.stop_signal()); }

// Every batch: its loss and learning rate for the checkpoints, then the observer: a pause (held
// here, between batches), a new learning-rate multiplier from the next batch on.
void TrainingRun::after_batch(const BatchReport& r, Trainer& trainer) {
  record_.batch_loss.push_back(r.loss);
  record_.batch_lr.push_back(opt_->lr());
  observer_.after_batch(r, *this);
  while (observer_.paused() && !observer_.stop_signal()) observer_.idle(*this);
  if (const auto m = observer_.take_lr_request()) change_lr(*m, (r.epoch - 1) * r.num_batches + r.batch, trainer);
}

// The learning rate times `multiplier` from batch `position` on: kept in the settings (so
// checkpoints and config.json carry it and a resumed run repeats it) and read back from the
// settings' text, so this run uses exactly the number a resumed one will. The Trainer's schedule
// is the only learning rate in use.
void TrainingRun::change_lr(float multiplier, std::size_t position, Trainer& trainer) {
  auto changes = trainer.schedule().multipliers;
  changes.emplace_back(position, multiplier);
  s_.lr_changes = LrSchedule::format_multipliers(changes);
  trainer.schedule().multipliers = LrSchedule::parse_multipliers(s_.lr_changes);
  write_config();
  observer_.lr_changed(position, trainer.schedule().multipliers.back().second, *this);
}

void TrainingRun::finish_epoch(std::size_t epoch, const EpochReport& rep) {
  const EvalResult ev = dist_.evaluate(*model_, test_, record_.norm, epoch + 1, record_.eval_batch_size);
  last_accuracy_ = ev.accuracy();
  EpochMetrics h;
  h.epoch = epoch + 1;
  h.train_loss = rep.train_loss, h.train_accuracy = rep.train_accuracy;
  h.test_loss = ev.loss, h.test_accuracy = ev.accuracy();
  h.lr = opt_->lr();
  record_.history->push_back(h);
  snapshot_kernels(epoch + 1);  // before the checkpoints, which carry the kernel history
  save(s_.out + "/checkpoints/epoch_" + std::to_string(epoch + 1) + ".npz", epoch + 1, 0);
  save(s_.out + "/model.npz", epoch + 1, 0);
  write_metrics(epoch, rep);
  observer_.after_epoch(rep, ev, *this);
}

// Stopped (Ctrl-C, SIGTERM, the observer's stop): the batch in hand is finished; save a resumable
// checkpoint and return 130 / 143, as a shell expects of a process ended by those signals.
int TrainingRun::interrupted(std::size_t epoch, const EpochReport& partial) {
  save(s_.out + "/model.npz", epoch, partial.batches_done, partial.totals);
  const int sig = stop_signal_ ? stop_signal_ : SIGINT;  // a stop without a signal counts as Ctrl-C
  const std::string where = partial.batches_done ? "in epoch " + std::to_string(epoch + 1) + " after batch " +
                                                       std::to_string(partial.batches_done) + " of " + std::to_string(partial.num_batches)
                                                 : "after epoch " + std::to_string(epoch);
  observer_.stopped(sig, where, *this);
  return 128 + sig;
}

}  // namespace minicnn
