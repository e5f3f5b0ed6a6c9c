#pragma once
// Everything a user of the library needs, in one include. The folders are the parts of the
// framework (docs/ARCHITECTURE.md): core, layers, loss, optim, data, io, vision, train, explain, web,
// experiment.

#include "minicnn/core/gradcheck.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/core/kernel_path.hpp"
#include "minicnn/core/layer.hpp"
#include "minicnn/core/options.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/sequential.hpp"
#include "minicnn/core/spec.hpp"
#include "minicnn/core/tensor.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/core/threads.hpp"

#include "minicnn/layers/adaptive_avg_pool2d.hpp"
#include "minicnn/layers/avg_pool2d.hpp"
#include "minicnn/layers/batch_norm2d.hpp"
#include "minicnn/layers/concat.hpp"
#include "minicnn/layers/constant_pad2d.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/layers/dropout.hpp"
#include "minicnn/layers/flatten.hpp"
#include "minicnn/layers/global_avg_pool2d.hpp"
#include "minicnn/layers/hardtanh.hpp"
#include "minicnn/layers/leaky_relu.hpp"
#include "minicnn/layers/linear.hpp"
#include "minicnn/layers/max_pool2d.hpp"
#include "minicnn/layers/relu.hpp"
#include "minicnn/layers/residual.hpp"
#include "minicnn/layers/sigmoid.hpp"
#include "minicnn/layers/tanh.hpp"

#include "minicnn/loss/softmax_cross_entropy.hpp"

#include "minicnn/optim/adam.hpp"
#include "minicnn/optim/lr_schedule.hpp"
#include "minicnn/optim/optimizer.hpp"
#include "minicnn/optim/sgd.hpp"

#include "minicnn/data/dataset.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/data/digit.hpp"
#include "minicnn/data/idx.hpp"

#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/image_io.hpp"
#include "minicnn/io/npy.hpp"
#include "minicnn/io/zip.hpp"

#include "minicnn/vision/analysis.hpp"
#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/filters.hpp"
#include "minicnn/vision/kernel_png.hpp"

#include "minicnn/train/data_source.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/train/evaluate.hpp"
#include "minicnn/train/run_folder.hpp"
#include "minicnn/train/run_record.hpp"
#include "minicnn/train/settings.hpp"
#include "minicnn/train/train.hpp"
#include "minicnn/train/training_run.hpp"

#include "minicnn/explain/attribution.hpp"
#include "minicnn/explain/gradients.hpp"
#include "minicnn/explain/pictures.hpp"
#include "minicnn/explain/receptive_field.hpp"
#include "minicnn/explain/report_section.hpp"
#include "minicnn/explain/synthesize.hpp"
#include "minicnn/explain/top_activations.hpp"

#include "minicnn/web/live.hpp"
#include "minicnn/web/serve_page.hpp"

#include "minicnn/experiment/compare.hpp"
