// minicnn.filters: the hand-set filter bank and filtering a picture with any kernels, through the
// library's Conv2d (so the responses are PyTorch's conv2d, a cross-correlation).
#include "bindings.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/vision/filters.hpp"

namespace minicnn::python {

namespace {

// kernels (K, kh, kw) over a grey picture (H, W): (K, H', W'), as conv2d(image[None, None],
// kernels[:, None], padding=padding, stride=stride)[0].
py::array_t<float> apply(const py::handle& image, const py::handle& kernels, std::size_t padding, std::size_t stride) {
  Tensor x = to_tensor(image, "image"), k = to_tensor(kernels, "kernels");
  if (x.dimension() != 2) throw std::invalid_argument("image: expected a grey picture (H, W), got " + shape_str(x.shape()));
  if (k.dimension() == 2) k.reshape({1, k.shape(0), k.shape(1)});
  if (k.dimension() != 3) throw std::invalid_argument("kernels: expected (K, kh, kw) or one (kh, kw), got " + shape_str(k.shape()));
  if (stride == 0) throw std::invalid_argument("stride: expected a whole number of at least 1, got 0");
  Conv2d conv(Conv2dOptions(1, k.shape(0), Size2(k.shape(1), k.shape(2))).padding(padding).stride(stride).bias(false));
  std::copy(k.begin(), k.end(), conv.weight().value.begin());
  x.reshape({1, 1, x.shape(0), x.shape(1)});
  Tensor y;
  {
    py::gil_scoped_release release;
    conv.set_training(false);
    y = conv.forward(x);
  }
  y.reshape({y.shape(1), y.shape(2), y.shape(3)});
  return numpy_copy(y);
}

}  // namespace

void bind_vision(py::module_& m) {
  py::module_ f = m.def_submodule("filters", "hand-set kernels (edges, blur, sharpen, ...) and filtering a picture with them");
  f.def("bank", [] {
    py::dict d;
    for (const auto& filter : filters::bank()) d[py::str(filter.name)] = numpy_copy(filter.kernel);
    return d;
  }, "name -> kernel (float32 (k, k)) of every filter of the bank, in its order");
  f.def("describe", [](const std::string& name) {
    for (const auto& filter : filters::bank())
      if (filter.name == name) return filter.description + " (" + filters::kind_name(filter.kind) + ")";
    throw std::invalid_argument("no filter '" + name + "' in the bank");
  }, py::arg("name"), "what a filter of the bank detects or does");
  f.def("apply", &apply, py::arg("image"), py::arg("kernels"), py::arg("padding") = 1, py::arg("stride") = 1,
        "responses (K, H', W') of kernels (K, kh, kw) over a grey float32 picture (H, W), zero-padded by padding: "
        "torch.nn.functional.conv2d(image[None, None], kernels[:, None], padding=padding, stride=stride)[0]");
}

}  // namespace minicnn::python
