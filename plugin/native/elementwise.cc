// Elementwise kernels of the addon (the N-API module is defined in nativeKernels.cc): binary
// arithmetic and comparisons with NumPy broadcasting, PReLU, select, softmax, ReLU's gradient,
// seeded dropout and Adam's update, on float32 tensors in the wasm heap, split between the calling thread and helper
// threads that join when they are awake (helperThreads.h; as many threads in all as OpenMP would use).
//
// Every result is the IEEE float32 operation itself (no FMA contraction: built with
// -ffp-contract=off, and the default x86-64 target has no FMA), so it equals the wasm and cpu
// backends' results bit for bit — except softmax, whose exponential is the C library's (equal to
// theirs up to rounding). Every element (softmax: every row) is computed on its own, so no result
// depends on how the work was split between threads.
//
// Broadcasting arrives as a 4-d iteration space: the output is [d0, d1, d2, d3] (row-major,
// contiguous) and input k reads element Σ i_j · s_kj. The caller merges dimensions so that the
// innermost stride of each input is 1 (it varies along d3) or 0 (it is broadcast along d3).
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "helperThreads.h"
#include "napiArgs.h"

namespace scanselect {
namespace {

// Loops are split into chunks of this many elements (helperThreads.h `parallelRanges`).
constexpr int64_t kChunk = kParallelChunk;

enum Op { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kPrelu = 4, kGreater = 10, kGreaterEqual = 11, kLess = 12, kLessEqual = 13 };

inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float fromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

template <int OP>
inline float arith(float x, float y) {
  if constexpr (OP == kAdd) return x + y;
  if constexpr (OP == kSub) return x - y;
  if constexpr (OP == kMul) return x * y;
  if constexpr (OP == kDiv) return x / y;
  if constexpr (OP == kPrelu) {
    // x < 0 ? y·x : x as a bit blend: GCC will not if-convert the branch (the product might trap
    // under its default -ftrapping-math), and a branch mispredicts on random signs.
    const uint32_t mask = 0u - static_cast<uint32_t>(x < 0.0f);
    return fromBits((bits(y * x) & mask) | (bits(x) & ~mask));
  }
  return 0.0f;
}

template <int OP>
inline uint8_t compare(float x, float y) {
  if constexpr (OP == kGreater) return x > y;
  if constexpr (OP == kGreaterEqual) return x >= y;
  if constexpr (OP == kLess) return x < y;
  if constexpr (OP == kLessEqual) return x <= y;
  return 0;
}

/** `n` contiguous outputs; each input advances by 1 (SA/SB = 1) or stays put (0). */
template <int OP, int SA, int SB, typename Out>
void row(const float* __restrict a, const float* __restrict b, Out* __restrict out, int64_t n) {
  if constexpr (OP >= kGreater) {
    for (int64_t i = 0; i < n; i++) out[i] = compare<OP>(a[SA * i], b[SB * i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = arith<OP>(a[SA * i], b[SB * i]);
  }
}

struct Space {
  int64_t d[4], sa[4], sb[4];
  int64_t count() const { return d[0] * d[1] * d[2] * d[3]; }
  /** One past the last element input `s` reads (the heap check refuses anything too large). */
  static int64_t extent(const int64_t* d, const int64_t* s) {
    unsigned __int128 last = 0;
    for (int j = 0; j < 4; j++) last += static_cast<unsigned __int128>(d[j] - 1) * static_cast<uint64_t>(s[j]);
    if (last >= (static_cast<unsigned __int128>(1) << 40)) throw std::runtime_error("broadcast geometry: strides reach outside any heap");
    return static_cast<int64_t>(last) + 1;
  }
};

/**
 * Rows [r0, r1) of the space (row r is the d3-long output run at (i0, i1, i2) with
 * r = (i0·d1 + i1)·d2 + i2), stepping pointers along d2 instead of recomputing offsets per row:
 * NHWC per-channel broadcasts have rows of only C elements.
 */
template <int OP, int SA, int SB, typename Out>
void rows(const Space& s, const float* a, const float* b, Out* out, int64_t r0, int64_t r1) {
  int64_t i2 = r0 % s.d[2], rest = r0 / s.d[2];
  int64_t i1 = rest % s.d[1], i0 = rest / s.d[1];
  for (int64_t r = r0; r < r1;) {
    const int64_t n = std::min(s.d[2] - i2, r1 - r);
    const float* pa = a + i0 * s.sa[0] + i1 * s.sa[1] + i2 * s.sa[2];
    const float* pb = b + i0 * s.sb[0] + i1 * s.sb[1] + i2 * s.sb[2];
    Out* po = out + r * s.d[3];
    for (int64_t k = 0; k < n; k++, pa += s.sa[2], pb += s.sb[2], po += s.d[3]) row<OP, SA, SB>(pa, pb, po, s.d[3]);
    r += n;
    i2 = 0;
    if (++i1 == s.d[1]) i1 = 0, ++i0;
  }
}

template <int OP, int SA, int SB, typename Out>
void spaceOp(const Space& s, const float* a, const float* b, Out* out) {
  const int64_t rowCount = s.d[0] * s.d[1] * s.d[2];
  if (s.d[3] >= kChunk) {
    // Few long rows: each row is split between threads.
    for (int64_t r = 0; r < rowCount; r++) {
      const int64_t i2 = r % s.d[2], i1 = r / s.d[2] % s.d[1], i0 = r / s.d[2] / s.d[1];
      const float* pa = a + i0 * s.sa[0] + i1 * s.sa[1] + i2 * s.sa[2];
      const float* pb = b + i0 * s.sb[0] + i1 * s.sb[1] + i2 * s.sb[2];
      Out* po = out + r * s.d[3];
      parallelRanges(s.d[3], kChunk, [&](int64_t begin, int64_t end) { row<OP, SA, SB>(pa + SA * begin, pb + SB * begin, po + begin, end - begin); });
    }
  } else {
    // Many short rows: whole rows go to threads, about kChunk elements at a time.
    parallelRanges(rowCount, std::max<int64_t>(1, kChunk / s.d[3]), [&](int64_t r0, int64_t r1) { rows<OP, SA, SB>(s, a, b, out, r0, r1); });
  }
}

template <int OP, typename Out>
void binaryOp(const Space& s, const float* a, const float* b, Out* out) {
  switch (s.sa[3] * 2 + s.sb[3]) {
    case 3: return spaceOp<OP, 1, 1>(s, a, b, out);
    case 2: return spaceOp<OP, 1, 0>(s, a, b, out);
    case 1: return spaceOp<OP, 0, 1>(s, a, b, out);
    default: return spaceOp<OP, 0, 0>(s, a, b, out);
  }
}

Space spaceArg(napi_env env, napi_value v) {
  int64_t g[12];
  integerArrayArg(env, v, 12, 4e9, g, "broadcast geometry");
  Space s;
  for (int j = 0; j < 4; j++) s.d[j] = g[j], s.sa[j] = g[4 + j], s.sb[j] = g[8 + j];
  for (int j = 0; j < 4; j++) {
    if (s.d[j] < 1) throw std::runtime_error("broadcast geometry: sizes must be at least 1");
  }
  if (s.sa[3] > 1 || s.sb[3] > 1) throw std::runtime_error("broadcast geometry: innermost strides must be 0 or 1");
  if (s.count() > int64_t{1} << 32) throw std::runtime_error("broadcast geometry: too many elements");
  return s;
}

// binary(heap, op, a, b, out, geometry[12]): out = a op b over the broadcast space (op: see Op;
// 0–4 write float32, 10–13 write bool bytes).
napi_value binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto v = args(env, info, 6);
    Heap heap = heapArg(env, v[0]);
    const double opArg = numberArg(env, v[1], "op");
    const Space s = spaceArg(env, v[5]);
    const float* a = tensorArg(env, heap, v[2], Space::extent(s.d, s.sa), "a");
    const float* b = tensorArg(env, heap, v[3], Space::extent(s.d, s.sb), "b");
    const int op = static_cast<int>(opArg);
    if (static_cast<double>(op) != opArg) throw std::runtime_error("unknown op");
    if (op >= kGreater) {
      uint8_t* out = heap.bytesAt(offsetArg(env, v[4], "out"), s.count(), 1, "out");
      switch (op) {
        case kGreater: return binaryOp<kGreater>(s, a, b, out);
        case kGreaterEqual: return binaryOp<kGreaterEqual>(s, a, b, out);
        case kLess: return binaryOp<kLess>(s, a, b, out);
        case kLessEqual: return binaryOp<kLessEqual>(s, a, b, out);
        default: throw std::runtime_error("unknown op");
      }
    }
    float* out = tensorArg(env, heap, v[4], s.count(), "out");
    switch (op) {
      case kAdd: return binaryOp<kAdd>(s, a, b, out);
      case kSub: return binaryOp<kSub>(s, a, b, out);
      case kMul: return binaryOp<kMul>(s, a, b, out);
      case kDiv: return binaryOp<kDiv>(s, a, b, out);
      case kPrelu: return binaryOp<kPrelu>(s, a, b, out);
      default: throw std::runtime_error("unknown op");
    }
  });
}

// select(heap, condition (bool bytes), t, e, out, count): out = condition ? t : e, same shapes.
napi_value select(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto v = args(env, info, 6);
    Heap heap = heapArg(env, v[0]);
    const int64_t count = countArg(env, v[5], "count");
    const uint8_t* c = heap.bytesAt(offsetArg(env, v[1], "condition"), count, 1, "condition");
    const float* t = tensorArg(env, heap, v[2], count, "t");
    const float* e = tensorArg(env, heap, v[3], count, "e");
    float* out = tensorArg(env, heap, v[4], count, "out");
    parallelRanges(count, kChunk, [&](int64_t begin, int64_t end) {
      // Both branches loaded and blended by a mask: vectorised, and no branch to mispredict.
      for (int64_t i = begin; i < end; i++) {
        const uint32_t mask = 0u - static_cast<uint32_t>(c[i] != 0);
        out[i] = fromBits((bits(t[i]) & mask) | (bits(e[i]) & ~mask));
      }
    });
  });
}

// reluGrad(heap, dy, x, out, count): out = dy · step(x), step(x) = 1 where x > 0, 0 elsewhere and NaN
// where x is NaN — tfjs' ReLU gradient `dy · cast(step(x))` (Step, Cast, Multiply) bit for bit, in one pass.
napi_value reluGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto v = args(env, info, 5);
    Heap heap = heapArg(env, v[0]);
    const int64_t count = countArg(env, v[4], "count");
    const float* dy = tensorArg(env, heap, v[1], count, "dy");
    const float* x = tensorArg(env, heap, v[2], count, "x");
    float* out = tensorArg(env, heap, v[3], count, "out");
    parallelRanges(count, kChunk, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) {
        const float xi = x[i];
        const float step = xi != xi ? xi : (xi > 0.0f ? 1.0f : 0.0f);
        out[i] = dy[i] * step;
      }
    });
  });
}

// softmax(heap, logits, out, rows, classes): per row, y = exp(x − max) / Σ exp(x − max) in float32,
// tfjs' formula (its cpu kernel: max, sub, exp, sum, div), one row at a time. The stock wasm kernel
// (XNNPACK's) was a visible share of a 128² training step and inference (scratch profile).
napi_value softmax(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto v = args(env, info, 5);
    Heap heap = heapArg(env, v[0]);
    const int64_t rows = countArg(env, v[3], "rows");
    const int64_t classes = countArg(env, v[4], "classes");
    if (static_cast<double>(rows) * static_cast<double>(classes) > 4e9) throw std::runtime_error("too many elements");
    const float* x = tensorArg(env, heap, v[1], rows * classes, "logits");
    float* y = tensorArg(env, heap, v[2], rows * classes, "out");
    parallelRanges(rows, std::max<int64_t>(1, kChunk / classes), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const float* xr = x + r * classes;
        float* yr = y + r * classes;
        float top = xr[0];
        for (int64_t c = 1; c < classes; c++) top = xr[c] > top || xr[c] != xr[c] ? xr[c] : top;
        float sum = 0.0f;
        for (int64_t c = 0; c < classes; c++) sum += (yr[c] = std::exp(xr[c] - top));
        for (int64_t c = 0; c < classes; c++) yr[c] /= sum;
      }
    });
  });
}

// dropout(heap, x, out, multiplier, count, s0, s1, s2, c, keepProbability): tfjs' `tf.dropout` with
// a seed, bit for bit — its uniform noise is seedrandom's Alea generator (tfjs' UniformRandom), one
// value per element in order, each rounded to float32; then multiplier = floor(noise + keep) / keep
// and out = x · multiplier, in float32 (tfjs' Add, Floor, RealDiv and Multiply). The generator's
// state after seeding (s0, s1, s2, c) comes from JavaScript.
//
// Alea's step in doubles, t = 2091639·s0 + c·2⁻³², c' = ⌊t⌋, s' = t − c' (seedrandom 3 alea.js), is
// exact: the s are multiples of 2⁻³² below 1 and 2091639·2³² + c < 2⁵³, so with X = s·2³² it is the
// integer multiply-with-carry T = 2091639·X + c, c' = T >> 32, X' = T mod 2³² — the same numbers,
// with a carry chain of an add and a shift instead of a float-to-int conversion and back. The
// sequence runs on the calling thread; the float32 pass after it is split between threads.
napi_value dropout(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto v = args(env, info, 10);
    Heap heap = heapArg(env, v[0]);
    const int64_t count = countArg(env, v[4], "count");
    const float* x = tensorArg(env, heap, v[1], count, "x");
    float* out = tensorArg(env, heap, v[2], count, "out");
    float* multiplier = tensorArg(env, heap, v[3], count, "multiplier");
    uint64_t state[3];
    for (int k = 0; k < 3; k++) {
      const double sk = numberArg(env, v[5 + k], "state") * 4294967296.0;
      if (!(sk >= 0 && sk < 4294967296.0) || sk != static_cast<double>(static_cast<uint64_t>(sk))) throw std::runtime_error("Alea state must be multiples of 2^-32 in [0, 1)");
      state[k] = static_cast<uint64_t>(sk);
    }
    const double c0 = numberArg(env, v[8], "c");
    if (!(c0 >= 0 && c0 < 2091640.0) || c0 != static_cast<double>(static_cast<uint64_t>(c0))) throw std::runtime_error("Alea carry must be an integer in [0, 2091640)");
    const float keep = static_cast<float>(numberArg(env, v[9], "keepProbability"));
    uint64_t x0 = state[0], x1 = state[1], x2 = state[2], carry = static_cast<uint64_t>(c0);
    for (int64_t i = 0; i < count; i++) {
      const uint64_t t = 2091639u * x0 + carry;
      x0 = x1;
      x1 = x2;
      carry = t >> 32;
      x2 = t & 0xffffffffu;
      multiplier[i] = static_cast<float>(static_cast<double>(x2) * 2.3283064365386963e-10);  // the noise, for now
    }
    parallelRanges(count, kChunk, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) {
        const float m = std::floor(multiplier[i] + keep) / keep;
        multiplier[i] = m;
        out[i] = x[i] * m;
      }
    });
  });
}

struct AdamConstants {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, negLr, oneMinusAccBeta1, oneMinusAccBeta2;
};

void adamRange(const AdamConstants k, const float* __restrict value, const float* __restrict grad, const float* __restrict m,
               const float* __restrict v, float* __restrict newM, float* __restrict newV, float* __restrict newValue, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i];
    const float m1 = m[i] * k.beta1 + g * k.oneMinusBeta1;
    const float v1 = v[i] * k.beta2 + (g * g) * k.oneMinusBeta2;
    const float mHat = m1 / k.oneMinusAccBeta1;
    const float vHat = v1 / k.oneMinusAccBeta2;
    newM[i] = m1;
    newV[i] = v1;
    newValue[i] = mHat / (std::sqrt(vHat) + k.epsilon) * k.negLr + value[i];
  }
}

// adam(heap, count, value, gradient, m, v, oneMinusAccBeta1, oneMinusAccBeta2, newM, newV, newValue,
//      beta1, 1 − beta1, beta2, 1 − beta2, epsilon, −learningRate):
// tfjs' AdamOptimizer.applyGradients for one variable, each step rounded to float32 in its order:
//   m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2);
//   value' = (m' / (1−β1^t)) / (sqrt(v' / (1−β2^t)) + ε) · (−lr) + value.
// The two 1−β^t are float32 scalars in the heap (tfjs computes them as tensors); the constants
// arrive as JavaScript numbers and are rounded to float32 here, as tfjs' scalars are.
napi_value adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto v = args(env, info, 17);
    Heap heap = heapArg(env, v[0]);
    const int64_t count = countArg(env, v[1], "count");
    const float* value = tensorArg(env, heap, v[2], count, "value");
    const float* grad = tensorArg(env, heap, v[3], count, "gradient");
    const float* m = tensorArg(env, heap, v[4], count, "m");
    const float* sq = tensorArg(env, heap, v[5], count, "v");
    const float oma1 = *tensorArg(env, heap, v[6], 1, "oneMinusAccBeta1");
    const float oma2 = *tensorArg(env, heap, v[7], 1, "oneMinusAccBeta2");
    float* newM = tensorArg(env, heap, v[8], count, "newM");
    float* newV = tensorArg(env, heap, v[9], count, "newV");
    float* newValue = tensorArg(env, heap, v[10], count, "newValue");
    float c[6];
    for (int k = 0; k < 6; k++) c[k] = static_cast<float>(numberArg(env, v[11 + k], "constant"));
    const AdamConstants k{c[0], c[1], c[2], c[3], c[4], c[5], oma1, oma2};
    parallelRanges(count, kChunk, [&](int64_t begin, int64_t end) {
      adamRange(k, value + begin, grad + begin, m + begin, sq + begin, newM + begin, newV + begin, newValue + begin, end - begin);
    });
  });
}

// elementwiseThreads(n): the elementwise kernels use at most n threads from now on (0: OpenMP's
// maximum, the default). Results do not depend on it.
napi_value elementwiseThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto v = args(env, info, 1);
    const double n = numberArg(env, v[0], "threads");
    if (!(n >= 0 && n <= 1024) || static_cast<double>(static_cast<int>(n)) != n) throw std::runtime_error("threads must be an integer in [0, 1024]");
    parallelThreadLimit() = static_cast<int>(n);
  });
}

}  // namespace

void defineElementwise(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"binary", nullptr, binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"select", nullptr, select, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGrad", nullptr, reluGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dropout", nullptr, dropout, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, adam, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"elementwiseThreads", nullptr, elementwiseThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace scanselect
