// Normalisation with statistics of the data itself — batch normalisation in training mode and
// instance normalisation — as kernels of the addon (the N-API module is defined in nativeKernels.cc):
// the forward pass with its statistics, the whole backward pass, and the update of batch
// normalisation's moving statistics.
//
// tfjs computes both with `tf.moments` and broadcasting arithmetic, whose gradients together issue
// about 25 full-size elementwise ops and reductions per layer and step (tfjs' FusedBatchNorm
// gradient, then those of Mean, Square, Sub and RealDiv); here the forward reads the input three
// times and the backward reads x and dy twice (two per-channel sums, then dx), as PyTorch's CPU
// kernels do. Every pass is split between the calling thread and helper threads (helperThreads.h).
//
// Layout: x is [groups, rows, channels] — NHWC with the axes before the last flattened into
// groups × rows: one group for batch normalisation (statistics over N, H and W), N groups of H·W
// rows for instance normalisation. Statistics are [groups, channels]. Sums are accumulated in double
// precision as in `sumMiddleAxis` (channelLoops.h), so the result depends only on the data.
//
// The forward is, operation for operation, what tfjs computes with the native kernels
// (nativeKernels.cc `sumMiddleAxis` and `batchNorm`, the native Sub and RealDiv, wasm's Square,
// Add and Sqrt): the same float32 values bit for bit, in either of the two forms the callers use —
//   affine (tf.batchNorm):       y = x · k + b, k = scale / sqrt(variance + ε), b = offset − mean · k;
//   centred (InstanceNormalization): y = (x − mean) / sqrt(variance + ε).
// The backward is the analytic gradient of that forward (formula below); it differs from tfjs'
// chain of ops by rounding only.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "channelLoops.h"
#include "helperThreads.h"
#include "napiArgs.h"

namespace scanselect {
namespace {

struct Layout {
  int64_t groups, rows, channels;
  int64_t count() const { return groups * rows * channels; }
  int64_t stats() const { return groups * channels; }
};

Layout layoutArg(napi_env env, napi_value groups, napi_value rows, napi_value channels) {
  Layout l{countArg(env, groups, "groups"), countArg(env, rows, "rows"), countArg(env, channels, "channels")};
  if (static_cast<double>(l.groups) * static_cast<double>(l.rows) * static_cast<double>(l.channels) > 4e9) throw std::runtime_error("too many elements");
  return l;
}

/** An optional tensor of `count` floats: byte offset −1 means absent. */
const float* optionalArg(napi_env env, const Heap& heap, napi_value v, int64_t count, const char* what) {
  return numberArg(env, v, what) < 0 ? nullptr : heap.at(offsetArg(env, v, what), count, what);
}

// normalizeForward(heap, x, groups, rows, channels, scale (−1: none), offset (−1: none), epsilon, centred, y, mean, variance):
//   mean[g,c] = Σ_r x[g,r,c] / rows;  variance[g,c] = Σ_r (x[g,r,c] − mean[g,c])² / rows (biased, as tf.moments);
//   y in the affine form (centred = 0; scale and offset per channel, optional) or the centred one (1; no scale or offset).
napi_value normalizeForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 12);
    Heap heap = heapArg(env, a[0]);
    const Layout l = layoutArg(env, a[2], a[3], a[4]);
    const float* x = tensorArg(env, heap, a[1], l.count(), "x");
    const float* scale = optionalArg(env, heap, a[5], l.channels, "scale");
    const float* offset = optionalArg(env, heap, a[6], l.channels, "offset");
    const float epsilon = static_cast<float>(numberArg(env, a[7], "epsilon"));
    const bool centred = numberArg(env, a[8], "centred") != 0;
    if (centred && (scale || offset)) throw std::runtime_error("the centred form takes no scale or offset");
    float* y = tensorArg(env, heap, a[9], l.count(), "y");
    float* mean = tensorArg(env, heap, a[10], l.stats(), "mean");
    float* variance = tensorArg(env, heap, a[11], l.stats(), "variance");
    const double inverseRows = 1.0 / static_cast<double>(l.rows);
    std::vector<double> acc(static_cast<size_t>(l.channels));
    std::vector<float> k(static_cast<size_t>(l.channels)), b(static_cast<size_t>(l.channels));
    forChannels(l.channels, [&](auto channels) {
      const int64_t q = channels;
      // The elementwise pass is split between threads (helperThreads.h) in chunks of whole rows.
      const int64_t rowChunk = std::max<int64_t>(1, kParallelChunk / q);
      for (int64_t g = 0; g < l.groups; g++) {
        const float* __restrict xg = x + g * l.rows * q;
        float* __restrict yg = y + g * l.rows * q;
        float* m = mean + g * q;
        float* v = variance + g * q;
        columnSums(l.rows, channels, acc.data(), [&](int64_t i, int64_t) { return static_cast<double>(xg[i]); });
        for (int64_t c = 0; c < q; c++) m[c] = static_cast<float>(acc[c] * inverseRows);
        columnSums(l.rows, channels, acc.data(), [&](int64_t i, int64_t c) {
          const float d = xg[i] - m[c];
          return static_cast<double>(d * d);
        });
        for (int64_t c = 0; c < q; c++) v[c] = static_cast<float>(acc[c] * inverseRows);
        const float* __restrict kc = k.data();
        const float* __restrict bc = b.data();
        if (centred) {
          for (int64_t c = 0; c < q; c++) k[c] = std::sqrt(v[c] + epsilon);
          parallelRanges(l.rows, rowChunk, [&](int64_t r0, int64_t r1) {
            for (int64_t i = r0 * q; i < r1 * q; i += q) {
              for (int64_t c = 0; c < channels; c++) yg[i + c] = (xg[i + c] - m[c]) / kc[c];
            }
          });
        } else {
          for (int64_t c = 0; c < q; c++) {
            k[c] = (scale ? scale[c] : 1.0f) / std::sqrt(v[c] + epsilon);
            b[c] = (offset ? offset[c] : 0.0f) - m[c] * k[c];
          }
          parallelRanges(l.rows, rowChunk, [&](int64_t r0, int64_t r1) {
            for (int64_t i = r0 * q; i < r1 * q; i += q) {
              for (int64_t c = 0; c < channels; c++) yg[i + c] = xg[i + c] * kc[c] + bc[c];
            }
          });
        }
      }
    });
  });
}

// normalizeBackward(heap, x, dy, groups, rows, channels, mean, variance, scale (−1: none), epsilon,
//                   dMean (−1: none), dVariance (−1: none), dx, dScale (−1: none), dOffset (−1: none)):
// for each group, with n = rows, s = 1/sqrt(variance + ε), γ = scale (1 when absent), d = x − mean,
// Σdy = Σ_r dy and Σdyd = Σ_r dy·d (double precision):
//   dx = γ·s·dy − γ·s·Σdy/n − γ·s³·Σdyd/n · d     (through y, which depends on x, mean and variance)
//        + dMean/n + 2·dVariance/n · d              (through the mean and variance outputs)
//   dOffset = Σ_groups Σdy;  dScale = Σ_groups s·Σdyd   (per channel, shared by the groups)
// The per-channel coefficients are computed in double and rounded once to float32. Both forward forms
// have this gradient (they differ by rounding only).
napi_value normalizeBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 15);
    Heap heap = heapArg(env, a[0]);
    const Layout l = layoutArg(env, a[3], a[4], a[5]);
    const float* x = tensorArg(env, heap, a[1], l.count(), "x");
    const float* dy = tensorArg(env, heap, a[2], l.count(), "dy");
    const float* mean = tensorArg(env, heap, a[6], l.stats(), "mean");
    const float* variance = tensorArg(env, heap, a[7], l.stats(), "variance");
    const float* scale = optionalArg(env, heap, a[8], l.channels, "scale");
    const float epsilon = static_cast<float>(numberArg(env, a[9], "epsilon"));
    const float* dMean = optionalArg(env, heap, a[10], l.stats(), "dMean");
    const float* dVariance = optionalArg(env, heap, a[11], l.stats(), "dVariance");
    float* dx = tensorArg(env, heap, a[12], l.count(), "dx");
    float* dScale = numberArg(env, a[13], "dScale") < 0 ? nullptr : tensorArg(env, heap, a[13], l.channels, "dScale");
    float* dOffset = numberArg(env, a[14], "dOffset") < 0 ? nullptr : tensorArg(env, heap, a[14], l.channels, "dOffset");

    const double n = static_cast<double>(l.rows);
    std::vector<double> sumDy(static_cast<size_t>(l.channels)), sumDyD(static_cast<size_t>(l.channels));
    std::vector<double> totalScale(static_cast<size_t>(l.channels), 0.0), totalOffset(static_cast<size_t>(l.channels), 0.0);
    // dx = kDy·dy + kD·d + k0 per channel of a group.
    std::vector<float> kDy(static_cast<size_t>(l.channels)), kD(static_cast<size_t>(l.channels)), k0(static_cast<size_t>(l.channels));
    forChannels(l.channels, [&](auto channels) {
      const int64_t q = channels;
      // The elementwise pass is split between threads (helperThreads.h) in chunks of whole rows.
      const int64_t rowChunk = std::max<int64_t>(1, kParallelChunk / q);
      for (int64_t g = 0; g < l.groups; g++) {
        const float* xg = x + g * l.rows * q;
        const float* dyg = dy + g * l.rows * q;
        float* __restrict dxg = dx + g * l.rows * q;
        const float* m = mean + g * q;
        const float* v = variance + g * q;
        // Two passes: GCC vectorises each sum but not both in one loop (scratch benchmark).
        columnSums(l.rows, channels, sumDy.data(), [&](int64_t i, int64_t) { return static_cast<double>(dyg[i]); });
        columnSums(l.rows, channels, sumDyD.data(), [&](int64_t i, int64_t c) { return static_cast<double>(dyg[i]) * static_cast<double>(xg[i] - m[c]); });
        for (int64_t c = 0; c < q; c++) {
          const double s = 1.0 / std::sqrt(static_cast<double>(v[c]) + static_cast<double>(epsilon));
          const double gs = (scale ? static_cast<double>(scale[c]) : 1.0) * s;
          totalOffset[c] += sumDy[c];
          totalScale[c] += s * sumDyD[c];
          kDy[c] = static_cast<float>(gs);
          kD[c] = static_cast<float>(-gs * s * s * sumDyD[c] / n + (dVariance ? 2.0 * dVariance[g * q + c] / n : 0.0));
          k0[c] = static_cast<float>(-gs * sumDy[c] / n + (dMean ? dMean[g * q + c] / n : 0.0));
        }
        const float* __restrict a = kDy.data();
        const float* __restrict b = kD.data();
        const float* __restrict z = k0.data();
        parallelRanges(l.rows, rowChunk, [&](int64_t r0, int64_t r1) {
          for (int64_t i = r0 * q; i < r1 * q; i += q) {
            for (int64_t c = 0; c < channels; c++) {
              const float d = xg[i + c] - m[c];
              dxg[i + c] = a[c] * dyg[i + c] + b[c] * d + z[c];
            }
          }
        });
      }
    });
    for (int64_t c = 0; c < l.channels; c++) {
      if (dOffset) dOffset[c] = static_cast<float>(totalOffset[c]);
      if (dScale) dScale[c] = static_cast<float>(totalScale[c]);
    }
  });
}

// movingAverages(heap, channels, movingMean, movingVariance, mean, variance, decay, newMean, newVariance):
// tfjs-layers' update of the moving statistics, v' = v − (v − batch) · decay with decay = 1 − momentum,
// each operation rounded to float32 as its three ops (Sub, Multiply, Sub) round them.
napi_value movingAverages(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 9);
    Heap heap = heapArg(env, a[0]);
    const int64_t channels = countArg(env, a[1], "channels");
    const float* moving[2] = {tensorArg(env, heap, a[2], channels, "movingMean"), tensorArg(env, heap, a[3], channels, "movingVariance")};
    const float* batch[2] = {tensorArg(env, heap, a[4], channels, "mean"), tensorArg(env, heap, a[5], channels, "variance")};
    const float decay = static_cast<float>(numberArg(env, a[6], "decay"));
    float* updated[2] = {tensorArg(env, heap, a[7], channels, "newMean"), tensorArg(env, heap, a[8], channels, "newVariance")};
    for (int k = 0; k < 2; k++) {
      for (int64_t c = 0; c < channels; c++) {
        const float v = moving[k][c];
        updated[k][c] = v - (v - batch[k][c]) * decay;
      }
    }
  });
}

}  // namespace

void defineNormalization(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"normalizeForward", nullptr, normalizeForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"normalizeBackward", nullptr, normalizeBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"movingAverages", nullptr, movingAverages, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace scanselect
