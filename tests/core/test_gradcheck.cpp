#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {
// y = 3x, but backward claims dx = 2 dy: a deliberately wrong gradient.
class WrongScale final : public Layer {
 public:
  const Tensor& forward(const Tensor& x) override {
    y_ = 3.f * x;
    return y_;
  }
  const Tensor& backward(const Tensor& dy) override {
    dx_ = 2.f * dy;
    return dx_;
  }
  std::string name() const override { return "WrongScale()"; }

 private:
  Tensor y_, dx_;
};

// Correct dx, but forgets to write its parameter's grad (contract rule 3).
class ForgetsGrad final : public Layer {
 public:
  ForgetsGrad() {
    w_.value = Tensor{2.f};
    w_.grad = Tensor{0.f};
  }
  const Tensor& forward(const Tensor& x) override {
    y_ = w_.value(0) * x;
    return y_;
  }
  const Tensor& backward(const Tensor& dy) override {
    dx_ = w_.value(0) * dy;
    return dx_;
  }
  NamedParameters parameters() override { return {{"weight", &w_}}; }
  std::string name() const override { return "ForgetsGrad()"; }

 private:
  Parameter w_;
  Tensor y_, dx_;
};
}  // namespace

TEST_CASE("check_gradients fails on a wrong backward and says where") {
  WrongScale wrong;
  const auto r = check_gradients(wrong, randn({2, 3}, 1));
  CHECK_FALSE(r.ok());
  CHECK(r.wrong == 6);
  CHECK(r.checked == 6);
  CHECK(r.report.find("WrongScale():") == 0);
  CHECK(r.report.find("dx[0]: backward") != std::string::npos);
  CHECK(r.report.find("(6/6 wrong)") != std::string::npos);
}

TEST_CASE("check_gradients fails when backward leaves a parameter grad unwritten") {
  ForgetsGrad lazy;
  const auto r = check_gradients(lazy, randn({4}, 2));
  CHECK_FALSE(r.ok());
  CHECK(r.wrong == 1);  // dx is right; the grad still holds the NaN the checker planted
  CHECK(r.report.find("weight[0]") != std::string::npos);
}

TEST_CASE("check_gradients passes a correct layer") {
  manual_seed(3);
  Linear fc(3, 2);
  const auto r = check_gradients(fc, randn({2, 3}, 4));
  CHECK(r.ok());
  CHECK(r.checked == 6 + 6 + 2);
  CHECK(r.report.empty());
}
