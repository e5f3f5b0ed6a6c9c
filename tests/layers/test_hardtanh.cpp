#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Hardtanh and ReLU6: values, gradients, names and errors") {
  Hardtanh h(-0.5f, 0.7f);
  CHECK(h.name() == "Hardtanh(min_val=-0.5, max_val=0.7)");
  CHECK(h.spec() == "hardtanh min=-0.5 max=0.699999988");
  const Tensor x{{-2.f, -0.5f, 0.1f, 0.7f, 3.f}};
  CHECK(h.forward(x) == Tensor{{-0.5f, -0.5f, 0.1f, 0.7f, 0.7f}});
  // Gradient 1 strictly inside the band, 0 on its edges and outside (PyTorch's hardtanh_backward).
  CHECK(h.backward(Tensor{{1.f, 1.f, 1.f, 1.f, 1.f}}) == Tensor{{0.f, 0.f, 1.f, 0.f, 0.f}});
  Tensor away = distinct({2, 3, 4}, 1);  // distinct values in (-1, 1); none within 0.05 of the edges
  for (float& v : away)
    if (std::abs(v + 0.5f) < 0.05f || std::abs(v - 0.7f) < 0.05f) v += 0.11f;
  CHECK_GRADIENTS(h, away);
  Hardtanh relu6(0.f, 6.f);
  CHECK(relu6.name() == "ReLU6()");
  CHECK(relu6.spec() == "relu6");
  CHECK(relu6.forward(Tensor{{-1.f, 3.f, 7.f}}) == Tensor{{0.f, 3.f, 6.f}});
  CHECK(Hardtanh().spec() == "hardtanh");
  CHECK(build_model("relu6, hardtanh min=-2", {3})->spec() == "relu6, hardtanh min=-2");
  CHECK_THROWS_WITH_AS(Hardtanh(1.f, 1.f), "Hardtanh: min_val 1 must be smaller than max_val 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Hardtanh().backward(Tensor{1.f}), "Hardtanh(min_val=-1, max_val=1): backward called before forward",
                       std::logic_error);
  check_no_hidden_state(h, distinct({2, 3, 4}, 2));
}
