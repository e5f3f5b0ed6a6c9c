#pragma once
// "What the filters detect", the section a training run's report (train/run_report.hpp) takes from
// its caller: for the first two conv layers, every channel's 9 strongest test images cut to what
// the channel sees (Zeiler & Fergus 2014), and for every class one correctly and one wrongly
// classified test image with its Grad-CAM map (Selvaraju et al. 2017), so a reader sees both what
// the filters respond to and where the network looked when it was right and when it was wrong.
#include "minicnn/train/run_report.hpp"

namespace minicnn::explain {

// Adds the section to report (a ReportSection: RunReportInput::sections.push_back(explain::what_filters_detect)).
// Pictures: report/filters_<layer>.png per conv layer and report/gradcam_classes.png. A model with
// neither conv layers nor maps for Grad-CAM gets one paragraph saying so.
void what_filters_detect(Report& report, Sequential& model, const Dataset& test, const Normalization& norm,
                         const EvalResult& evaluation);

// The Grad-CAM examples alone: one row per class, its first correctly and first wrongly classified
// test image (in test-set order), each as the picture and the map laid over it at `layer`, the
// wrong one captioned with the model's answer. evaluation.predicted holds each test image's answer.
Image gradcam_examples(Sequential& model, const Dataset& test, const Normalization& norm, const EvalResult& evaluation,
                       const std::string& layer);

}  // namespace minicnn::explain
