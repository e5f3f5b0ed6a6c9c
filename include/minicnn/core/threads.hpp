#pragma once
// How many threads minicnn's layers use. Layers split the batch into num_threads() contiguous
// chunks (per-image products, pooling, ...); BLAS itself stays single-threaded, because on
// minicnn's small, skinny matrices OpenBLAS threads cost more than they give.
// The chunking depends only on the batch size and this number, so a run is bit-reproducible
// for a fixed seed and thread count (sums over chunks are added in chunk order).
namespace minicnn {

void set_num_threads(int n);  // n >= 1; throws std::invalid_argument otherwise
int num_threads();            // 1 until set; on a thread with its own count (below), that count

// Gives the calling thread its own count (n >= 1), or takes it back (n == 0): a helper thread,
// such as the live training page drawing feature maps, runs a model on one core without
// changing how the training thread splits its batches.
void set_num_threads_this_thread(int n);

// The thread count the command-line tool uses unless told otherwise: the CPUs this process may
// run on (its affinity mask, e.g. from taskset or a container's cpuset), lowered to a container's
// CPU quota (cgroup cpu.max) when it has one. Threads beyond that would only queue for the same CPUs.
int default_num_threads();

}  // namespace minicnn
