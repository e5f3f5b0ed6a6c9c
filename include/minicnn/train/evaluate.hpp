#pragma once
// The one evaluation pass: a model over a dataset in eval mode, batch by batch within a memory
// budget, giving the loss, the accuracy, the confusion matrix and every image's answer. `minicnn
// train`, `eval`, `report` and `compare`, the data-parallel run (train/distributed.hpp: each rank
// takes a shard and the shards are added up) and the examples all call it.
#include <cstddef>
#include <vector>

#include "minicnn/core/options.hpp"
#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"

namespace minicnn {

struct EvalResult {
  double loss = 0;  // mean cross-entropy over the images evaluated
  std::size_t correct = 0, total = 0;
  std::vector<std::vector<std::size_t>> confusion;  // [true class][predicted class]
  // Per image of the dataset, in dataset order: the predicted class and its probability (-1 and 0
  // for images of another shard).
  std::vector<int> predicted;
  std::vector<float> confidence;
  // Per batch of the whole dataset: its loss summed over its images (0 for another shard's
  // batches), so that shards add up to exactly what one pass over everything computes.
  std::vector<double> batch_losses;
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
};

struct EvalOptions {
  // Images per batch; 0: eval_batch_size(model, data.sample_shape()), within the memory budget.
  MINICNN_ARG(std::size_t, batch_size) = 0;
  // This process's share in a data-parallel run: batches rank, rank + world, ... of the dataset.
  MINICNN_ARG(std::size_t, rank) = 0;
  MINICNN_ARG(std::size_t, world) = 1;
};

// Runs the model over the dataset in eval mode (the mode is restored afterwards), inputs normalised
// with norm. Throws std::invalid_argument if the model's output is not (N, data.num_classes()).
EvalResult evaluate(Sequential& model, const Dataset& data, const Normalization& norm, const EvalOptions& options = {});

// The evaluation batch size for a model on samples of sample_shape: 1000, or fewer where a batch
// of 1000 would hold more than memory_budget bytes of tensors in the forward pass (every layer's
// output, nested ones too, and each conv's unfolded input). lenet5 gets 1000; a 32x32 colour
// network with 32-channel 3x3 convs about 80, instead of needing gigabytes.
constexpr std::size_t kEvalMemoryBudget = std::size_t(256) << 20;
std::size_t eval_batch_size(Sequential& model, const Shape& sample_shape, std::size_t memory_budget = kEvalMemoryBudget);

}  // namespace minicnn
