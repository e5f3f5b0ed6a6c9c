// Edge, sharpen and blur on a photo with minicnn's own Conv2d, through the C++ API.
//   hand_filters [IMAGE] [OUT_DIR]     (defaults: data/chelsea.png, current folder)
#include <cstdio>
#include <exception>

#include <xtensor/xview.hpp>

#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/filters.hpp"
#include "minicnn/io/image_io.hpp"

int main(int argc, char** argv) try {
  using namespace minicnn;
  const std::string path = argc > 1 ? argv[1] : "data/chelsea.png", out = argc > 2 ? argv[2] : ".";
  const Tensor gray = to_grayscale(load_image(path));  // (H, W), BT.601 luma, 0..255

  // One Conv2d, three hand-set output channels, frozen: the filters are the weights.
  auto conv = filters::make_conv({"laplacian8", "sharpen", "box_blur"});
  std::printf("%s\n", conv->name().c_str());
  Tensor x = gray;
  x.reshape({1, 1, gray.shape(0), gray.shape(1)});  // NCHW, a batch of one
  const Tensor& y = conv->forward(x);                // (1, 3, H, W)

  std::vector<Panel> panels{{"original", gray_image(gray)}};
  const char* names[] = {"edge", "sharpen", "blur"};
  const Mapping maps[] = {Mapping::abs, Mapping::clip, Mapping::clip};  // edges: |response|; the rest: pixels
  for (std::size_t k = 0; k < 3; ++k) {
    const Tensor response = xt::view(y, 0, k);
    const Image img = gray_image(map_to_pixels(response, maps[k]));
    save_png(out + "/" + names[k] + ".png", img);
    panels.push_back({names[k], img, kernel_card(xt::view(conv->weight().value, k, 0))});
  }
  save_png(out + "/montage.png", montage(panels));
  std::printf("wrote %s/edge.png, sharpen.png, blur.png and montage.png\n", out.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "hand_filters: %s\n", e.what());
  return 1;
}
