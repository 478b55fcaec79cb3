// The segmentation loss of plugin/src/models/losses.ts — soft Dice plus cross-entropy on softmax
// probabilities, MONAI's DiceCELoss — and its gradient, as two kernels of the addon (the N-API
// module is defined in nativeKernels.cc). tfjs builds it from about 20 ops forward and 30 backward
// on [batch, H, W, classes] tensors (clip, log, products, sums, their gradients); here the forward
// reads the tensors once and the backward twice. Sums are accumulated in double precision.
//
// With t the one-hot target and p the probabilities, [B, pixels, C] row-major, and per image b and
// class c: I = Σ_u t·p, G = Σ_u t, P = Σ_u p, N = 2I + s_nr, D = G + P + s_dr,
//   L = λ_dice · mean_{b,c} (1 − N / D) − λ_ce / (B · pixels) · Σ_{b,u,c} t · log(clip(p, ε, 1)).
// Gradient (times the upstream dy):
//   ∂L/∂p = −λ_dice / (B·C) · (2t·D − N) / D² − λ_ce / (B·pixels) · (ε ≤ p ≤ 1 ? t / p : 0)
//   ∂L/∂t = −λ_dice / (B·C) · (2p·D − N) / D² − λ_ce / (B·pixels) · log(clip(p, ε, 1))
// (tfjs' clipByValue passes the gradient where ε ≤ p ≤ 1, both ends included).
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "napiArgs.h"

namespace scanselect {
namespace {

struct LossShape {
  int64_t batch, pixels, classes;
  int64_t count() const { return batch * pixels * classes; }
};

struct LossConstants {
  double smoothNumerator, smoothDenominator, epsilon, lambdaDice, lambdaCe;
};

LossShape shapeArg(napi_env env, const std::vector<napi_value>& a, size_t at) {
  LossShape s{countArg(env, a[at], "batch"), countArg(env, a[at + 1], "pixels"), countArg(env, a[at + 2], "classes")};
  if (static_cast<double>(s.batch) * static_cast<double>(s.pixels) * static_cast<double>(s.classes) > 4e9) throw std::runtime_error("too many elements");
  return s;
}

LossConstants constantsArg(napi_env env, const std::vector<napi_value>& a, size_t at) {
  // ε as the float32 that tfjs' clipByValue compares with.
  const double epsilon = static_cast<float>(numberArg(env, a[at + 2], "epsilon"));
  return LossConstants{numberArg(env, a[at], "smoothNumerator"), numberArg(env, a[at + 1], "smoothDenominator"), epsilon,
                       numberArg(env, a[at + 3], "lambdaDice"), numberArg(env, a[at + 4], "lambdaCe")};
}

/** log(clip(p, ε, 1)) in double precision. */
inline double clippedLog(double p, double epsilon) { return std::log(std::min(std::max(p, epsilon), 1.0)); }

/** Per image and class: I, G, P ([B·C] each); returns Σ t·log(clip(p)). */
double sums(const LossShape& s, const float* t, const float* p, double epsilon, std::vector<double>& inter, std::vector<double>& truth, std::vector<double>& pred) {
  const size_t stats = static_cast<size_t>(s.batch * s.classes);
  inter.assign(stats, 0.0);
  truth.assign(stats, 0.0);
  pred.assign(stats, 0.0);
  double logSum = 0.0;
  for (int64_t b = 0; b < s.batch; b++) {
    double* i = inter.data() + b * s.classes;
    double* g = truth.data() + b * s.classes;
    double* q = pred.data() + b * s.classes;
    for (int64_t u = 0; u < s.pixels; u++) {
      const int64_t at = (b * s.pixels + u) * s.classes;
      for (int64_t c = 0; c < s.classes; c++) {
        const double tv = t[at + c];
        const double pv = p[at + c];
        i[c] += tv * pv;
        g[c] += tv;
        q[c] += pv;
        if (tv != 0.0) logSum += tv * clippedLog(pv, epsilon);
      }
    }
  }
  return logSum;
}

// diceCeForward(heap, target, probabilities, batch, pixels, classes, smoothNr, smoothDr, epsilon, lambdaDice, lambdaCe, out): out[0] = L.
napi_value diceCeForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 12);
    Heap heap = heapArg(env, a[0]);
    const LossShape s = shapeArg(env, a, 3);
    const LossConstants k = constantsArg(env, a, 6);
    const float* t = tensorArg(env, heap, a[1], s.count(), "target");
    const float* p = tensorArg(env, heap, a[2], s.count(), "probabilities");
    float* out = tensorArg(env, heap, a[11], 1, "out");
    std::vector<double> inter, truth, pred;
    const double logSum = sums(s, t, p, k.epsilon, inter, truth, pred);
    double dice = 0.0;
    for (size_t j = 0; j < inter.size(); j++) dice += 1.0 - (2.0 * inter[j] + k.smoothNumerator) / (truth[j] + pred[j] + k.smoothDenominator);
    const double n = static_cast<double>(s.batch);
    out[0] = static_cast<float>(k.lambdaDice * dice / (n * static_cast<double>(s.classes)) - k.lambdaCe * logSum / (n * static_cast<double>(s.pixels)));
  });
}

// diceCeBackward(heap, target, probabilities, batch, pixels, classes, smoothNr, smoothDr, epsilon, lambdaDice, lambdaCe, dy, wrtTarget, out):
// ∂L/∂p (wrtTarget = 0) or ∂L/∂t (1) of the file comment, times the scalar dy. One input at a time: in
// training only ∂L/∂p is asked for, and ∂L/∂t needs a logarithm per element.
napi_value diceCeBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 14);
    Heap heap = heapArg(env, a[0]);
    const LossShape s = shapeArg(env, a, 3);
    const LossConstants k = constantsArg(env, a, 6);
    const float* t = tensorArg(env, heap, a[1], s.count(), "target");
    const float* p = tensorArg(env, heap, a[2], s.count(), "probabilities");
    const double dy = *tensorArg(env, heap, a[11], 1, "dy");
    const bool wrtTarget = numberArg(env, a[12], "wrtTarget") != 0;
    float* out = tensorArg(env, heap, a[13], s.count(), "out");
    std::vector<double> inter, truth, pred;
    sums(s, t, p, k.epsilon, inter, truth, pred);
    // Per image and class, the Dice term is α·t + β (∂/∂p) or α·p + β (∂/∂t): α = 2D·w, β = −N·w, w = −dy·λ_dice/(B·C)/D².
    std::vector<double> alpha(inter.size()), beta(inter.size());
    const double diceWeight = -dy * k.lambdaDice / (static_cast<double>(s.batch) * static_cast<double>(s.classes));
    for (size_t j = 0; j < inter.size(); j++) {
      const double d = truth[j] + pred[j] + k.smoothDenominator;
      const double w = diceWeight / (d * d);
      alpha[j] = 2.0 * d * w;
      beta[j] = -(2.0 * inter[j] + k.smoothNumerator) * w;
    }
    const double ceWeight = -dy * k.lambdaCe / (static_cast<double>(s.batch) * static_cast<double>(s.pixels));
    for (int64_t b = 0; b < s.batch; b++) {
      const double* al = alpha.data() + b * s.classes;
      const double* be = beta.data() + b * s.classes;
      for (int64_t u = 0; u < s.pixels; u++) {
        const int64_t at = (b * s.pixels + u) * s.classes;
        for (int64_t c = 0; c < s.classes; c++) {
          const double tv = t[at + c];
          const double pv = p[at + c];
          if (wrtTarget) {
            out[at + c] = static_cast<float>(al[c] * pv + be[c] + ceWeight * clippedLog(pv, k.epsilon));
          } else {
            const bool inRange = pv >= k.epsilon && pv <= 1.0;
            out[at + c] = static_cast<float>(al[c] * tv + be[c] + (inRange && tv != 0.0 ? ceWeight * tv / pv : 0.0));
          }
        }
      }
    }
  });
}

}  // namespace

void defineDiceCe(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"diceCeForward", nullptr, diceCeForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"diceCeBackward", nullptr, diceCeBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace scanselect
