#include "minicnn/train/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace minicnn {

Trainer::Trainer(Sequential& model, Optimizer& optimizer, DataLoader& loader)
    : model_(model), optimizer_(optimizer), loader_(loader), params_(model.parameters()) {
  schedule_.base_lr = optimizer.lr();
}

void keep_frozen_layers_in_eval(Sequential& model) {
  for (auto& [path, layer] : named_layers(model)) {
    if (!layer->children().empty() || layer->buffers().empty()) continue;
    const NamedParameters params = layer->parameters();
    if (!params.empty() && std::all_of(params.begin(), params.end(), [](const auto& p) { return p.second->frozen; }))
      layer->set_training(false);
  }
}

namespace {

bool all_finite(const Tensor& t) {
  const float* p = t.data();
  for (std::size_t i = 0, n = t.size(); i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}
}  // namespace

std::string find_nonfinite(Sequential& model, const Tensor& x) {
  for (auto& [n, p] : model.parameters())
    if (!all_finite(p->value)) return "parameter '" + n + "' value";
  const Tensor* h = &x;
  if (!all_finite(x)) return "the input batch";
  for (std::size_t i = 0; i < model.size(); ++i) {
    h = &model[i].forward(*h);
    if (!all_finite(*h)) return "layer " + std::to_string(i) + " (" + model[i].name() + ") output";
  }
  return {};
}

EpochReport Trainer::run_epoch(std::size_t epoch, std::size_t start_batch,
                               const std::function<void(const BatchReport&)>& on_batch,
                               const std::function<bool()>& should_stop, EpochTotals carried) {
  using clock = std::chrono::steady_clock;
  model_.train();
  keep_frozen_layers_in_eval(model_);
  model_.set_needs_input_grad(false);  // nobody reads d(loss)/d(images): skip it in the first layer
  loader_.set_epoch(epoch);
  const std::size_t nb = loader_.num_batches();
  const auto t0 = clock::now();
  double loss_sum = carried.loss_sum;
  std::size_t seen = carried.seen, correct = carried.correct, seen_this_run = 0;
  EpochReport rep{epoch + 1, 0, 0, 0, 0, false, 0, 0, {}};
  std::size_t b = start_batch;
  for (; b < nb; ++b) {
    loader_.load_batch(b, x_, labels_);
    optimizer_.set_lr(schedule_.at(epoch, b, nb));
    const float l = loss_.forward(model_.forward(x_), labels_);
    BatchSums sums{static_cast<double>(l) * static_cast<double>(labels_.size()), loss_.correct(), labels_.size(), std::isfinite(l)};
    // The loss is the mean over the whole batch, of which x_ may be one process's slice.
    if (sums.finite || gradient_hook_) model_.backward(loss_.backward(loader_.batch_length(b)));
    if (gradient_hook_) gradient_hook_(sums);
    const bool loss_ok = sums.finite;
    const char* bad_grad = nullptr;
    for (std::size_t i = 0; loss_ok && !bad_grad && i < params_.size(); ++i)
      if (!params_[i].second->frozen && !all_finite(params_[i].second->grad)) bad_grad = params_[i].first.c_str();
    if (!loss_ok || bad_grad) {
      std::string where = bad_grad ? "the gradient of parameter '" + std::string(bad_grad) + "'" : find_nonfinite(model_, x_);
      if (where.empty()) where = "the loss (every layer output is finite)";
      throw TrainingDiverged("training diverged at epoch " + std::to_string(epoch + 1) + ", batch " + std::to_string(b + 1) +
                                 ": the loss is " + (loss_ok ? "finite" : "not finite") + "; first non-finite value in " +
                                 where + ". Try a smaller --lr.",
                             epoch + 1, b + 1);
    }
    if (clip_ > 0.f) clip_grad_norm(params_, clip_);
    optimizer_.step();
    loss_sum += sums.loss_sum;
    correct += sums.correct;
    seen += sums.seen;
    seen_this_run += sums.seen;
    if (on_batch) {
      const double s = std::chrono::duration<double>(clock::now() - t0).count();
      const double ips = s > 0 ? static_cast<double>(seen_this_run) / s : 0.0;
      const double left = static_cast<double>(loader_.dataset().size()) - static_cast<double>((b + 1) * loader_.batch_size());
      const float batch_loss = static_cast<float>(sums.loss_sum / static_cast<double>(sums.seen));
      on_batch({epoch + 1, b + 1, nb, batch_loss, loss_sum / static_cast<double>(seen), static_cast<double>(correct) / static_cast<double>(seen),
                ips, ips > 0 && left > 0 ? left / ips : 0.0, {loss_sum, correct, seen}});
    }
    if (should_stop && b + 1 < nb && should_stop()) {
      rep.stopped_early = true;
      ++b;
      break;
    }
  }
  rep.batches_done = b;
  rep.num_batches = nb;
  rep.totals = {loss_sum, correct, seen};
  rep.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  rep.train_loss = seen ? loss_sum / static_cast<double>(seen) : 0.0;
  rep.train_accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
  rep.images_per_second = rep.seconds > 0 ? static_cast<double>(seen_this_run) / rep.seconds : 0.0;
  return rep;
}

}  // namespace minicnn
