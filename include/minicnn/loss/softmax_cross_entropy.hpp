#pragma once
#include <vector>

#include "minicnn/core/gradcheck.hpp"
#include "minicnn/core/tensor.hpp"

namespace minicnn {

// Softmax followed by the negative log-likelihood, averaged over the batch, as PyTorch's
// nn.CrossEntropyLoss on raw logits:
//   loss = (1/N) sum_n [ log sum_k exp(z[n, k]) - z[n, label_n] ]
// It is not a Layer because it needs the labels. logits z (N, K), labels in [0, K).
class SoftmaxCrossEntropy {
 public:
  // Returns the mean loss. Computed with the log-sum-exp trick (subtract each row's max before
  // exp), so logits of 1e4 give a finite loss rather than inf/NaN.
  float forward(const Tensor& logits, const std::vector<int>& labels);
  // dL/dz = (softmax(z) - onehot(labels)) / N, shape (N, K). In data-parallel training these N
  // rows are one process's slice of a batch of batch_size rows, and the loss is the mean over the
  // whole batch: pass batch_size, and the division is by it (0: by N).
  const Tensor& backward(std::size_t batch_size = 0);

  const Tensor& probabilities() const { return p_; }  // softmax(z) from the last forward
  // How many rows of the last forward have their largest logit at the label.
  std::size_t correct() const;
  std::string name() const { return "SoftmaxCrossEntropy()"; }

 private:
  Tensor p_, dz_;
  std::vector<int> labels_;
};

// The gradient check for the loss: backward() against central differences of forward(logits, labels).
GradCheckResult check_loss_gradients(SoftmaxCrossEntropy& loss, Tensor logits, const std::vector<int>& labels,
                                     const GradCheckOptions& options = {});

}  // namespace minicnn
