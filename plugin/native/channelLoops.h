// Per-channel sums over NHWC tensors seen as [rows, channels] (nativeKernels.cc `sumMiddleAxis`,
// normalization.cc), with the channel count known at compile time for the common counts, and split
// into blocks of rows that the calling thread and helper threads share.
//
// With a run-time count the compiler keeps per-channel accumulators in memory and loads and stores
// them on every row; with a constant one it keeps them in registers and unrolls the row: several
// times faster for few channels in a scratch benchmark (the addon is built with -fPIC, which stops
// GCC from specialising the run-time loops itself).
//
// Sums are in double precision: each block of rows is summed row after row, then the block sums
// are added in block order. The blocks depend only on the channel count, so the result depends
// only on the data — not on the thread count or on which thread took which block.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "helperThreads.h"

namespace scanselect {

/** Calls body(std::integral_constant<int64_t, C>) for the common channel counts, body(channels) otherwise. */
template <typename Body>
void forChannels(int64_t channels, Body body) {
  switch (channels) {
    case 1: return body(std::integral_constant<int64_t, 1>{});
    case 2: return body(std::integral_constant<int64_t, 2>{});
    case 3: return body(std::integral_constant<int64_t, 3>{});
    case 4: return body(std::integral_constant<int64_t, 4>{});
    case 8: return body(std::integral_constant<int64_t, 8>{});
    case 16: return body(std::integral_constant<int64_t, 16>{});
    case 32: return body(std::integral_constant<int64_t, 32>{});
    case 64: return body(std::integral_constant<int64_t, 64>{});
    default: return body(channels);
  }
}

/** acc[c] = Σ_{r0 ≤ r < r1} term(r·channels + c, c), in double precision, row after row. */
template <typename Channels, typename Term>
void rowRangeSums(int64_t r0, int64_t r1, Channels channels, double* acc, Term term) {
  const int64_t q = channels;
  if constexpr (std::is_integral_v<Channels>) {
    for (int64_t c = 0; c < q; c++) acc[c] = 0.0;
    for (int64_t r = r0; r < r1; r++) {
      for (int64_t c = 0; c < q; c++) acc[c] += term(r * q + c, c);
    }
  } else {
    double local[Channels::value] = {};
    for (int64_t r = r0; r < r1; r++) {
      for (int64_t c = 0; c < Channels::value; c++) local[c] += term(r * Channels::value + c, c);
    }
    for (int64_t c = 0; c < q; c++) acc[c] = local[c];
  }
}

/** Rows per block of {@link columnSums}: about kParallelChunk elements. */
inline int64_t sumBlockRows(int64_t channels) { return std::max<int64_t>(1, kParallelChunk / channels); }

/**
 * acc[c] = Σ_r term(r·channels + c, c) over `rows` rows (see the file comment for the order).
 * `Channels` is an int64_t or a std::integral_constant from {@link forChannels}.
 */
template <typename Channels, typename Term>
void columnSums(int64_t rows, Channels channels, double* acc, Term term) {
  const int64_t q = channels;
  const int64_t blockRows = sumBlockRows(q);
  const int64_t blocks = (rows + blockRows - 1) / blockRows;
  if (blocks <= 1) return rowRangeSums(0, rows, channels, acc, term);
  std::vector<double> partial(static_cast<size_t>(blocks * q));
  parallelRanges(rows, blockRows, [&](int64_t r0, int64_t r1) {
    // Ranges start at a block boundary; one may span several blocks (all of them on one thread).
    for (int64_t b0 = r0; b0 < r1; b0 += blockRows) rowRangeSums(b0, std::min(r1, b0 + blockRows), channels, partial.data() + (b0 / blockRows) * q, term);
  });
  for (int64_t c = 0; c < q; c++) acc[c] = 0.0;
  for (int64_t b = 0; b < blocks; b++) {
    for (int64_t c = 0; c < q; c++) acc[c] += partial[static_cast<size_t>(b * q + c)];
  }
}

}  // namespace scanselect
