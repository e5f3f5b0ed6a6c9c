#include "helpers.hpp"
#include "minicnn/core/registry.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {
// Reseeds the global generator before every forward, so each forward of the check draws the
// same mask and the layer is a fixed function of x: what a gradient check needs.
class SameMask final : public Layer {
 public:
  explicit SameMask(float p) : d_(p) {}
  const Tensor& forward(const Tensor& x) override {
    manual_seed(42);
    return d_.forward(x);
  }
  const Tensor& backward(const Tensor& dy) override { return d_.backward(dy); }
  std::string name() const override { return d_.name(); }

 private:
  Dropout d_;
};
}  // namespace

TEST_CASE("Dropout backward matches finite differences in training mode") {
  SameMask d(0.3f);
  CHECK_GRADIENTS(d, randn({4, 5, 3}, 1));
}

TEST_CASE("Dropout zeroes about p of the inputs, scales the rest by 1/(1-p), and is identity in eval mode") {
  manual_seed(1);
  Dropout d(0.25f);
  const Tensor x = xt::ones<float>({100, 100});
  const Tensor y = d.forward(x);
  std::size_t zeros = 0;
  for (const float v : y) {
    CHECK((v == 0.f || v == doctest::Approx(1.f / 0.75f)));
    zeros += v == 0.f;
  }
  CHECK(zeros == doctest::Approx(2500).epsilon(0.1));
  CHECK(xt::mean(y)() == doctest::Approx(1.0).epsilon(0.05));
  const Tensor dx = d.backward(xt::ones<float>({100, 100}));
  CHECK(bit_identical(dx, y));  // the same mask, applied to dy
  d.set_training(false);
  CHECK(bit_identical(d.forward(x), x));
  CHECK(bit_identical(d.backward(x), x));
  manual_seed(1);
  Dropout again(0.25f);
  CHECK(bit_identical(again.forward(x), y));  // seeded: the same masks
}

TEST_CASE("Dropout errors, spec and eval-mode determinism") {
  CHECK_THROWS_WITH_AS(Dropout(1.f), "Dropout: p must be in [0, 1), got 1.000000", std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_model("flatten, dropout p=1.5", {4}), doctest::Contains("p must be in [0, 1), got 1.5"),
                       std::invalid_argument);
  CHECK(build_model("flatten, dropout p=0.25", {4})->spec() == "flatten, dropout p=0.25");
  Dropout d;
  CHECK_THROWS_WITH_AS(d.backward(Tensor{1.f}), "Dropout(p=0.5): backward called before forward", std::logic_error);
  d.set_training(false);
  check_no_hidden_state(d, randn({3, 4}, 2));
}
