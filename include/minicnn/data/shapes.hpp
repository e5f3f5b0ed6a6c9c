#pragma once
// A generated colour dataset for the learner who has no pictures at hand, and for tests: circles,
// squares, triangles and striped patches in random colours, sizes, places and turns, on textured
// backgrounds. Every image is drawn from (seed, index) alone, so the same seed gives the same set.
#include <cstdint>

#include "minicnn/data/dataset.hpp"

namespace minicnn {

std::vector<std::string> shape_classes();  // "circle", "square", "stripes", "triangle" (sorted, as folders read)

// n images of size x size RGB, classes in turn (image i has class i % 4); images first..first+n-1
// of the sequence for `seed` (so a test set can continue where the training set stopped).
Dataset make_shapes(std::size_t n, std::size_t size = 32, std::uint64_t seed = 1, std::size_t first = 0);

// Writes a dataset as an image folder: dir/<class>/<index>.png, class names made safe for file
// names ('/' and other unsafe characters become '-'), indices (Dataset::source_index: a subset keeps the full set's numbers) zero-padded.
void save_image_folder(const Dataset& data, const std::string& dir);

}  // namespace minicnn
