#pragma once
// Private: how optimisers spread their update over threads. Every update is elementwise, so the
// parameters are treated as one long array cut into contiguous slices, one per thread: each thread
// then updates the weights it may still hold in its own cache, and the result is the same bits for
// any number of threads. Done by one thread, the update waits for cache lines the other cores
// have just read (bench/RESULTS.md).
#include <algorithm>
#include <cstddef>

#include "core/parallel.hpp"
#include "minicnn/core/layer.hpp"

namespace minicnn {

// Calls fn(i, k0, k1) for element ranges [k0, k1) of each unfrozen parameter i, together covering
// every element once. fn must not throw.
template <class F>
void for_each_parameter_slice(const NamedParameters& params, F&& fn) {
  constexpr std::size_t kGrain = 16384;  // fewer elements than this are not worth a second thread
  std::size_t total = 0;
  for (const auto& np : params)
    if (!np.second->frozen) total += np.second->value.size();
  parallel_for(total, [&](std::size_t b, std::size_t e, int) {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < params.size() && offset < e; ++i) {
      const Parameter& p = *params[i].second;
      if (p.frozen) continue;
      const std::size_t n = p.value.size(), k0 = std::max(b, offset), k1 = std::min(e, offset + n);
      if (k0 < k1) fn(i, k0 - offset, k1 - offset);
      offset += n;
    }
  }, kGrain);
}

}  // namespace minicnn
