// Hand-set vs learned first layers, in the C++ API: trains lenet5 twice on the same batches,
// once from random weights and once with a frozen first layer of classical filters, then says
// which classical filter each learned kernel is closest to.
//   compare_filters [DATA_DIR] [TRAIN_IMAGES]     (defaults: data/mnist, 10000)
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <xtensor/xview.hpp>

#include "minicnn/vision/analysis.hpp"
#include "minicnn/vision/filters.hpp"
#include "minicnn/minicnn.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/train/train.hpp"

int main(int argc, char** argv) try {
  using namespace minicnn;
  const std::string dir = argc > 1 ? argv[1] : "data/mnist";
  Dataset train = load_mnist(dir, "train"), test = load_mnist(dir, "test");
  truncate(train, argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 10000);
  truncate(test, 2000);
  const Normalization norm = compute_normalization(train);

  for (const bool handset : {false, true}) {
    manual_seed(1);  // the same initial weights for everything but the first layer
    auto model = build_model("lenet5", {1, 28, 28});
    auto& conv = dynamic_cast<Conv2d&>((*model)[0]);
    if (handset) {
      filters::set_handset(conv, filters::default_handset(6, 5));  // sobel_x, sobel_y, laplacian8, ...
      conv.weight().frozen = conv.bias().frozen = true;
    }
    SGD opt(model->parameters(), 0.05f, 0.9f);
    DataLoader loader(train, 64, true, 1, norm);  // the same batches in the same order
    Trainer trainer(*model, opt, loader);
    trainer.run_epoch(0);
    std::printf("%s first layer: test accuracy %.2f%%\n", handset ? "hand-set, frozen" : "random, learned",
                100 * evaluate(*model, test, norm).accuracy());
    if (!handset)
      for (const KernelInfo& k : analyze_kernels(conv.weight().value))
        std::printf("  kernel %zu: nearest %-18s |cos| %.2f, %s, %s\n", k.out_channel, k.match.label().c_str(),
                    k.match.cosine, k.pass.c_str(), k.orientation.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "compare_filters: %s\n", e.what());
  return 1;
}
