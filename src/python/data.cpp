// minicnn.datasets: MNIST, Fashion-MNIST, image folders, CIFAR-10 and the generated shapes, read by
// the library's readers; each split's images and labels are numpy views of its bytes.
#include "bindings.hpp"
#include "minicnn/data/shapes.hpp"

namespace minicnn::python {

namespace {

std::shared_ptr<Data> read(const std::string& dataset, const std::string& dir, const std::string& image_size, std::size_t channels,
                           double val_split, std::uint64_t seed) {
  return about_files([&] {
    auto d = std::make_shared<Data>();
    std::size_t height = 0, width = 0;
    parse_image_size(image_size, height, width);
    if (channels > 3) throw std::invalid_argument("channels: expected 1 or 3 (or 0: from the data), got " + std::to_string(channels));
    if (!(val_split > 0 && val_split <= 0.99)) throw std::invalid_argument("val_split: expected a number above 0 and at most 0.99");
    d->source = resolve_data(dataset, dir);
    DataOptions o = data_options(d->source, val_split, seed, channels, height, width);
    py::gil_scoped_release release;
    d->splits = load_data(o);
    return d;
  });
}

std::string image_size_text(const py::object& size) {
  if (size.is_none()) return "auto";
  if (py::isinstance<py::str>(size)) return size.cast<std::string>();  // "32", "32x24": checked by parse_image_size
  if (py::isinstance<py::int_>(size)) return std::to_string(size.cast<long long>());
  std::vector<long long> hw;
  if (py::isinstance<py::tuple>(size) || py::isinstance<py::list>(size)) hw = size.cast<std::vector<long long>>();
  if (hw.size() != 2) throw std::invalid_argument("image_size: expected a size or a (height, width) pair, got " + std::string(py::repr(size)));
  return std::to_string(hw[0]) + "x" + std::to_string(hw[1]);
}

}  // namespace

void bind_data(py::module_& m) {
  py::module_ d = m.def_submodule("datasets", "datasets read by minicnn's readers: .train and .test splits, .classes");
  py::class_<Split>(d, "Split", "one split of a dataset: .images uint8 (N, C, H, W) and .labels int32 (N,), numpy views")
      .def_property_readonly("images", [](const Split& s) {
        return numpy_view<std::uint8_t>(s.set->pixels.data(), {s.set->size(), s.set->channels, s.set->rows, s.set->cols}, s.owner);
      })
      .def_property_readonly("labels", [](const Split& s) {
        static_assert(sizeof(int) == 4, "labels are int32");
        return numpy_view<int>(s.set->labels.data(), {s.set->size()}, s.owner);
      })
      .def_property_readonly("classes", [](const Split& s) { return s.set->classes; })
      .def_property_readonly("name", [](const Split& s) { return s.set->name; })
      .def("__len__", [](const Split& s) { return s.set->size(); })
      .def("__repr__", [](const Split& s) {
        return "<" + s.set->name + ": " + std::to_string(s.set->size()) + " images " + shape_str(s.set->sample_shape()) + ">";
      });
  py::class_<Data, std::shared_ptr<Data>>(d, "Dataset", "a dataset's training and test splits")
      .def_property_readonly("train", [](const std::shared_ptr<Data>& self) { return Split{self, &self->splits.train}; })
      .def_property_readonly("test", [](const std::shared_ptr<Data>& self) { return Split{self, &self->splits.test}; })
      .def_property_readonly("classes", [](const Data& self) { return self.splits.train.classes; })
      .def_property_readonly("folder", [](const Data& self) { return self.source.dir; })
      .def_property_readonly("kind", [](const Data& self) { return self.source.dataset; })
      .def("__repr__", [](const Data& self) {
        return "<minicnn dataset " + self.source.dataset + " " + self.source.dir + ": " + std::to_string(self.splits.train.size()) +
               " training and " + std::to_string(self.splits.test.size()) + " test images>";
      });
  d.def("mnist", [](const std::string& dir) { return read("mnist", dir, "auto", 0, 0.1, 1); }, py::arg("path") = "",
        "MNIST's IDX files (default data/mnist)");
  d.def("fashion_mnist", [](const std::string& dir) { return read("fashion-mnist", dir, "auto", 0, 0.1, 1); }, py::arg("path") = "",
        "Fashion-MNIST's IDX files (default data/fashion-mnist or Debian's)");
  d.def("cifar10", [](const std::string& dir) { return read("cifar10", dir, "auto", 0, 0.1, 1); }, py::arg("path"),
        "CIFAR-10's binary batches");
  d.def("image_folder", [](const std::string& dir, const py::object& image_size, std::size_t channels, double val_split, std::uint64_t seed) {
    return read("folder", dir, image_size_text(image_size), channels, val_split, seed);
  }, py::arg("path"), py::arg("image_size") = py::none(), py::arg("channels") = 0, py::arg("val_split") = 0.1, py::arg("seed") = 1,
     "one subfolder of images per class (split into train/ and test/, or not: val_split holds out that fraction)");
  d.def("shapes", [](std::size_t train, std::size_t test, std::size_t size, std::uint64_t seed) {
    if (train == 0 || test == 0) throw std::invalid_argument("shapes: expected at least 1 training and 1 test image");
    auto data = std::make_shared<Data>();
    data->splits.train = make_shapes(train, size, seed);
    data->splits.test = make_shapes(test, size, seed, train);
    data->splits.format = DataFormat::folder;
    data->source = DataSource{"folder", "", "", DataFormat::folder};
    return data;
  }, py::arg("train") = 2000, py::arg("test") = 400, py::arg("size") = 32, py::arg("seed") = 1,
     "the generated colour shapes (circle, square, stripes, triangle), drawn from seed");
}

}  // namespace minicnn::python
