#include "minicnn/explain/receptive_field.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minicnn/explain/gradients.hpp"
#include "minicnn/layers/adaptive_avg_pool2d.hpp"
#include "minicnn/layers/avg_pool2d.hpp"
#include "minicnn/layers/constant_pad2d.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/layers/flatten.hpp"
#include "minicnn/layers/global_avg_pool2d.hpp"
#include "minicnn/layers/linear.hpp"
#include "minicnn/layers/max_pool2d.hpp"
#include "minicnn/layers/concat.hpp"
#include "minicnn/layers/residual.hpp"

namespace minicnn::explain {

namespace {

using Axis = ReceptiveFieldAxis;

Axis through(Axis a, std::size_t k, std::size_t stride, std::size_t pad, std::size_t dilation) {
  const double span = static_cast<double>((k - 1) * dilation);
  a.start += (span / 2 - static_cast<double>(pad)) * a.jump;
  a.size += span * a.jump;
  a.jump *= static_cast<double>(stride);
  return a;
}

// Both branches of a residual block feed one sum: the field is their union. The branches of a
// concat feed different channels: their union is the most any channel of it sees.
Axis merge(const Axis& a, const Axis& b, const std::string& where) {
  if (a.jump != b.jump)
    throw std::invalid_argument("receptive field of " + where + ": its branches move by different strides");
  const double lo = std::min(a.start - (a.size - 1) / 2, b.start - (b.size - 1) / 2);
  const double hi = std::max(a.start + (a.size - 1) / 2, b.start + (b.size - 1) / 2);
  return {hi - lo + 1, a.jump, (lo + hi) / 2};
}

// Walks the model, keeping the field and the per-sample shape at the current point.
struct Walker {
  ReceptiveField rf;
  Shape shape;
  Shape image;  // the model's input (C, H, W)

  void whole_picture() {
    rf.y = {static_cast<double>(image[1]), static_cast<double>(image[1]), (static_cast<double>(image[1]) - 1) / 2};
    rf.x = {static_cast<double>(image[2]), static_cast<double>(image[2]), (static_cast<double>(image[2]) - 1) / 2};
  }

  // The whole layer `l`, named `path` in messages.
  void pass(Layer& l, const std::string& path) {
    const Shape out = sample_output_shape(l, shape);
    if (auto* seq = dynamic_cast<Sequential*>(&l)) {
      for (std::size_t i = 0; i < seq->size(); ++i) pass((*seq)[i], path + "." + std::to_string(i));
    } else if (auto* res = dynamic_cast<Residual*>(&l)) {
      pass_residual(*res, path);
    } else if (auto* cat = dynamic_cast<Concat*>(&l)) {
      pass_concat(*cat, path);
    } else if (auto* c = dynamic_cast<Conv2d*>(&l)) {
      const auto& o = c->options();
      rf.y = through(rf.y, o.kernel_size().h, o.stride().h, o.padding().h, o.dilation().h);
      rf.x = through(rf.x, o.kernel_size().w, o.stride().w, o.padding().w, o.dilation().w);
    } else if (auto* m = dynamic_cast<MaxPool2d*>(&l)) {
      pool(m->kernel_size(), m->stride(), m->padding(), m->dilation());
    } else if (auto* a = dynamic_cast<AvgPool2d*>(&l)) {
      pool(a->kernel_size(), a->stride(), a->padding(), 1);
    } else if (auto* pad = dynamic_cast<ConstantPad2d*>(&l)) {
      pool(1, 1, pad->padding(), 1);  // shifts the picture by (top, left)
    } else if (auto* ad = dynamic_cast<AdaptiveAvgPool2d*>(&l)) {
      std::size_t kh, sh, kw, sw;  // uniform bins are a plain pooling; others have no single window
      if (AdaptiveAvgPool2d::uniform_bins(shape[1], ad->output_size().h, kh, sh) &&
          AdaptiveAvgPool2d::uniform_bins(shape[2], ad->output_size().w, kw, sw))
        pool(Size2(kh, kw), Size2(sh, sw), 0, 1);
      else
        whole_picture();
    } else if (dynamic_cast<GlobalAvgPool2d*>(&l) || dynamic_cast<Flatten*>(&l) || dynamic_cast<Linear*>(&l)) {
      whole_picture();
    } else if (!(out.size() == shape.size() && (shape.size() < 3 || (out[1] == shape[1] && out[2] == shape[2])))) {
      throw std::invalid_argument("receptive field: cannot follow layer " + path + " (" + short_name(l) +
                                  "): it changes the picture's size in a way minicnn does not know");
    }  // else elementwise (ReLU, BatchNorm2d, Dropout, ...): the field stays
    shape = out;
  }

  void pool(Size2 k, Size2 s, const Pads2d& p, Size2 d) {
    rf.y = through(rf.y, k.h, s.h, p.top, d.h);
    rf.x = through(rf.x, k.w, s.w, p.left, d.w);
  }

  // Both branches from the same start, then their union.
  void pass_residual(Residual& r, const std::string& path) {
    Walker body = *this, shortcut = *this;
    body.pass(r.body(), path + ".body");
    if (r.shortcut()) shortcut.pass(*r.shortcut(), path + ".shortcut");
    rf.y = merge(body.rf.y, shortcut.rf.y, path);
    rf.x = merge(body.rf.x, shortcut.rf.x, path);
    shape = body.shape;
  }

  // Every branch from the same start, then their union.
  void pass_concat(Concat& c, const std::string& path) {
    Walker first = *this;
    first.pass(c.branch(0), path + ".0");
    for (std::size_t i = 1; i < c.size(); ++i) {
      Walker b = *this;
      b.pass(c.branch(i), path + "." + std::to_string(i));
      first.rf.y = merge(first.rf.y, b.rf.y, path);
      first.rf.x = merge(first.rf.x, b.rf.x, path);
    }
    rf = first.rf;
  }

  // Up to and including the layer at `rest` inside `l` (named `path`).
  void walk(Layer& l, const std::string& path, const std::string& rest) {
    if (rest.empty()) return pass(l, path);
    const std::size_t dot = rest.find('.');
    const std::string head = rest.substr(0, dot), tail = dot == std::string::npos ? "" : rest.substr(dot + 1);
    const std::string child_path = path.empty() ? head : path + "." + head;
    if (auto* seq = dynamic_cast<Sequential*>(&l)) {
      const std::size_t i = std::stoul(head);
      for (std::size_t j = 0; j < i; ++j) pass((*seq)[j], path.empty() ? std::to_string(j) : path + "." + std::to_string(j));
      return walk((*seq)[i], child_path, tail);
    }
    if (auto* r = dynamic_cast<Residual*>(&l)) {
      if (head == "body") return walk(r->body(), child_path, tail);
      if (head == "shortcut") return walk(*r->shortcut(), child_path, tail);
      pass_residual(*r, path);  // "post": after the sum
      return;
    }
    if (auto* c = dynamic_cast<Concat*>(&l)) {
      const std::size_t i = std::stoul(head);
      if (i < c->size()) return walk(c->branch(i), child_path, tail);
    }
    throw std::invalid_argument("receptive field: cannot look inside layer " + path + " (" + short_name(l) + ")");
  }
};

}  // namespace

ReceptiveField::Window ReceptiveField::window(std::size_t oy, std::size_t ox) const {
  auto edge = [](const Axis& a, std::size_t o) {
    return static_cast<long>(std::floor(a.start + static_cast<double>(o) * a.jump - (a.size - 1) / 2 + 0.5));
  };
  return {edge(y, oy), edge(x, ox), static_cast<long>(y.size), static_cast<long>(x.size)};
}

std::string ReceptiveField::str() const {
  auto n = [](double v) { return std::to_string(static_cast<long>(v)); };
  return n(y.size) + "x" + n(x.size) + " pixels" + (y.jump == x.jump ? ", stride " + n(y.jump) : "");
}

ReceptiveField receptive_field(Sequential& model, const std::string& path, const Shape& input_shape) {
  layer_at(model, path);  // an unknown path: the usual message
  if (input_shape.size() != 3)
    throw std::invalid_argument("receptive field: expected an input shape (C, H, W), got " + shape_str(input_shape));
  TrainingModeGuard eval(model, false);
  Walker w;
  w.shape = w.image = input_shape;
  w.walk(model, "", path);
  return w.rf;
}

}  // namespace minicnn::explain
