#include <thread>

#include "helpers.hpp"
#include "minicnn/core/threads.hpp"

using namespace minicnn;

TEST_CASE("set_num_threads_this_thread overrides the count on its own thread only") {
  const int before = num_threads();
  set_num_threads(3);
  int seen_inside = 0, seen_after = 0;
  std::thread helper([&] {
    set_num_threads_this_thread(1);
    seen_inside = num_threads();
    set_num_threads_this_thread(0);
    seen_after = num_threads();
  });
  helper.join();
  CHECK(seen_inside == 1);
  CHECK(seen_after == 3);
  CHECK(num_threads() == 3);  // the main thread never saw the override
  CHECK_THROWS_AS(set_num_threads_this_thread(-1), std::invalid_argument);
  set_num_threads(before);
}
