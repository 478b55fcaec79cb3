// ScanSelect's optional native CPU kernels, called by the tfjs wasm backend's kernels on tensors
// that live in the wasm heap (no copies through JavaScript): 2-D convolution forward and its data
// and weight gradients on oneDNN (Debian's libdnnl, threaded by OpenMP), and a sum over the middle
// axis of a [p, r, q] tensor (reductions over leading axes of NHWC tensors, which the wasm backend
// does only after a full transpose), batch normalisation over the last axis, leaky ReLU, and
// column-block copies (Concat and SplitV along any axis). The elementwise kernels (broadcast
// arithmetic, comparisons, select, softmax, ReLU's gradient, Adam) are in elementwise.cc, batch and
// instance normalisation with their own statistics (forward and gradient) in normalization.cc, the
// Dice + cross-entropy loss in diceCe.cc; argument checks in napiArgs.h.
//
// Layouts are tfjs': activations NHWC, filters HWIO ([kh, kw, in, out]). Activations are passed to
// oneDNN as nhwc; filters are reordered to and from the primitive's preferred blocked layout.
//
// Every entry point takes the heap (an ArrayBuffer), byte offsets into it and shapes; it checks
// that each tensor lies inside the heap before touching memory. Errors become JS exceptions.
#include <node_api.h>

#include <dnnl.hpp>

#include "channelLoops.h"
#include "napiArgs.h"

#include <cstdint>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using namespace scanselect;
using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

/** Geometry of one convolution, in tfjs terms. */
struct ConvGeometry {
  int64_t n, ih, iw, ic, kh, kw, oc, oh, ow;
  int64_t strideH, strideW, dilH, dilW, padTop, padBottom, padLeft, padRight;
  memory::dims src() const { return {n, ic, ih, iw}; }
  memory::dims weights() const { return {oc, ic, kh, kw}; }
  memory::dims dst() const { return {n, oc, oh, ow}; }
  memory::dims strides() const { return {strideH, strideW}; }
  memory::dims dilates() const { return {dilH - 1, dilW - 1}; }
  memory::dims padL() const { return {padTop, padLeft}; }
  memory::dims padR() const { return {padBottom, padRight}; }
  int64_t srcCount() const { return n * ih * iw * ic; }
  int64_t weightCount() const { return kh * kw * ic * oc; }
  int64_t dstCount() const { return n * oh * ow * oc; }
};

/** Reads the 17 geometry numbers [n, ih, iw, ic, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pb, pl, pr]. */
ConvGeometry geometryArg(napi_env env, napi_value v) {
  int64_t g[17];
  integerArrayArg(env, v, 17, 1e9, g, "geometry");
  ConvGeometry c{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16]};
  if (c.n < 1 || c.ih < 1 || c.iw < 1 || c.ic < 1 || c.kh < 1 || c.kw < 1 || c.oc < 1 || c.oh < 1 || c.ow < 1 ||
      c.strideH < 1 || c.strideW < 1 || c.dilH < 1 || c.dilW < 1) {
    throw std::runtime_error("geometry sizes, strides and dilations must be at least 1");
  }
  // The output size must be the one these paddings give, or oneDNN would write out of bounds.
  const int64_t expectH = (c.ih + c.padTop + c.padBottom - ((c.kh - 1) * c.dilH + 1)) / c.strideH + 1;
  const int64_t expectW = (c.iw + c.padLeft + c.padRight - ((c.kw - 1) * c.dilW + 1)) / c.strideW + 1;
  if (expectH != c.oh || expectW != c.ow) throw std::runtime_error("geometry: output size does not match input, filter, stride and padding");
  return c;
}

memory::desc md(const memory::dims& dims, tag t) { return memory::desc(dims, dt::f32, t); }

dnnl::convolution_forward::primitive_desc forwardDesc(const ConvGeometry& g, bool bias, int activation, float alpha, dnnl::prop_kind kind) {
  const auto src = md(g.src(), tag::nhwc);
  const auto weights = md(g.weights(), tag::any);
  const auto dst = md(g.dst(), tag::nhwc);
  dnnl::primitive_attr attr;
  if (activation != 0) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, activation == 1 ? 0.0f : alpha, 0.0f);
    attr.set_post_ops(ops);
  }
  auto desc = bias ? dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src, weights, md({g.oc}, tag::x), dst,
                                                     g.strides(), g.dilates(), g.padL(), g.padR())
                   : dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src, weights, dst,
                                                     g.strides(), g.dilates(), g.padL(), g.padR());
  return dnnl::convolution_forward::primitive_desc(desc, attr, cpuEngine());
}

/** Memory in the layout the primitive wants, reordered from tfjs' HWIO filter when they differ. */
memory weightsIn(const memory::desc& wanted, float* hwio, const ConvGeometry& g) {
  memory user(md(g.weights(), tag::hwio), cpuEngine(), hwio);
  if (wanted == user.get_desc()) return user;
  memory mem(wanted, cpuEngine());
  dnnl::reorder(user, mem).execute(cpuStream(), user, mem);
  return mem;
}

// conv2dForward(heap, geometry, xOffset, wOffset, biasOffset (−1: none), outOffset, activation (0 linear, 1 relu, 2 leaky), alpha)
napi_value conv2dForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 8);
    Heap heap = heapArg(env, a[0]);
    ConvGeometry g = geometryArg(env, a[1]);
    float* x = tensorArg(env, heap, a[2], g.srcCount(), "x");
    float* w = tensorArg(env, heap, a[3], g.weightCount(), "filter");
    const double biasOffset = numberArg(env, a[4], "bias");
    float* bias = biasOffset < 0 ? nullptr : heap.at(static_cast<int64_t>(biasOffset), g.oc, "bias");
    float* out = tensorArg(env, heap, a[5], g.dstCount(), "out");
    const int activation = static_cast<int>(numberArg(env, a[6], "activation"));
    if (activation < 0 || activation > 2) throw std::runtime_error("activation must be 0, 1 or 2");
    const float alpha = static_cast<float>(numberArg(env, a[7], "alpha"));
    auto pd = forwardDesc(g, bias != nullptr, activation, alpha, dnnl::prop_kind::forward_inference);
    memory src(pd.src_desc(), cpuEngine(), x);
    memory weights = weightsIn(pd.weights_desc(), w, g);
    memory dst(pd.dst_desc(), cpuEngine(), out);
    std::unordered_map<int, memory> io{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
    if (bias) io.insert({DNNL_ARG_BIAS, memory(md({g.oc}, tag::x), cpuEngine(), bias)});
    dnnl::convolution_forward(pd).execute(cpuStream(), io);
    cpuStream().wait();
  });
}

// conv2dBackwardData(heap, geometry, dyOffset, wOffset, dxOffset)
napi_value conv2dBackwardData(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 5);
    Heap heap = heapArg(env, a[0]);
    ConvGeometry g = geometryArg(env, a[1]);
    float* dy = tensorArg(env, heap, a[2], g.dstCount(), "dy");
    float* w = tensorArg(env, heap, a[3], g.weightCount(), "filter");
    float* dx = tensorArg(env, heap, a[4], g.srcCount(), "dx");
    auto hint = forwardDesc(g, false, 0, 0.0f, dnnl::prop_kind::forward_training);
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, md(g.src(), tag::nhwc), md(g.weights(), tag::any),
                                               md(g.dst(), tag::nhwc), g.strides(), g.dilates(), g.padL(), g.padR());
    dnnl::convolution_backward_data::primitive_desc pd(desc, cpuEngine(), hint);
    memory diffDst(pd.diff_dst_desc(), cpuEngine(), dy);
    memory weights = weightsIn(pd.weights_desc(), w, g);
    memory diffSrc(pd.diff_src_desc(), cpuEngine(), dx);
    dnnl::convolution_backward_data(pd).execute(cpuStream(), {{DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, diffSrc}});
    cpuStream().wait();
  });
}

// conv2dBackwardWeights(heap, geometry, xOffset, dyOffset, dwOffset)
napi_value conv2dBackwardWeights(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 5);
    Heap heap = heapArg(env, a[0]);
    ConvGeometry g = geometryArg(env, a[1]);
    float* x = tensorArg(env, heap, a[2], g.srcCount(), "x");
    float* dy = tensorArg(env, heap, a[3], g.dstCount(), "dy");
    float* dw = tensorArg(env, heap, a[4], g.weightCount(), "dw");
    auto hint = forwardDesc(g, false, 0, 0.0f, dnnl::prop_kind::forward_training);
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, md(g.src(), tag::nhwc), md(g.weights(), tag::any),
                                                  md(g.dst(), tag::nhwc), g.strides(), g.dilates(), g.padL(), g.padR());
    dnnl::convolution_backward_weights::primitive_desc pd(desc, cpuEngine(), hint);
    memory src(pd.src_desc(), cpuEngine(), x);
    memory diffDst(pd.diff_dst_desc(), cpuEngine(), dy);
    memory user(md(g.weights(), tag::hwio), cpuEngine(), dw);
    const bool direct = pd.diff_weights_desc() == user.get_desc();
    memory diffWeights = direct ? user : memory(pd.diff_weights_desc(), cpuEngine());
    dnnl::convolution_backward_weights(pd).execute(cpuStream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_WEIGHTS, diffWeights}});
    if (!direct) dnnl::reorder(diffWeights, user).execute(cpuStream(), diffWeights, user);
    cpuStream().wait();
  });
}

// sumMiddleAxis(heap, srcOffset, dstOffset, p, r, q, scale): dst[a, c] = scale · Σ_b src[a, b, c],
// accumulated in double precision in blocks of rows shared with helper threads (channelLoops.h; the
// order depends only on the shape, not on the thread count).
napi_value sumMiddleAxis(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 7);
    Heap heap = heapArg(env, a[0]);
    int64_t dims[3];
    for (int i = 0; i < 3; i++) {
      const double d = numberArg(env, a[3 + i], "dimension");
      if (!(d >= 1 && d <= 4e9) || static_cast<double>(static_cast<int64_t>(d)) != d) throw std::runtime_error("dimensions must be positive integers");
      dims[i] = static_cast<int64_t>(d);
    }
    const int64_t p = dims[0], r = dims[1], q = dims[2];
    const float* src = tensorArg(env, heap, a[1], p * r * q, "src");
    float* dst = tensorArg(env, heap, a[2], p * q, "dst");
    const double scale = numberArg(env, a[6], "scale");
    std::vector<double> acc(static_cast<size_t>(q));
    forChannels(q, [&](auto channels) {
      for (int64_t i = 0; i < p; i++) {
        const float* block = src + i * r * q;
        columnSums(r, channels, acc.data(), [&](int64_t at, int64_t) { return static_cast<double>(block[at]); });
        for (int64_t c = 0; c < q; c++) dst[i * q + c] = static_cast<float>(acc[c] * scale);
      }
    });
  });
}

// batchNorm(heap, x, out, count, channels, mean, variance, offset (−1: none), scale (−1: none), epsilon):
// out = (x − mean[c]) · scale[c] / sqrt(variance[c] + epsilon) + offset[c] over the last axis (NHWC).
napi_value batchNorm(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 10);
    Heap heap = heapArg(env, a[0]);
    const int64_t count = countArg(env, a[3], "count");
    const int64_t channels = countArg(env, a[4], "channels");
    if (count % channels != 0) throw std::runtime_error("count must be a multiple of channels");
    const float* x = tensorArg(env, heap, a[1], count, "x");
    float* out = tensorArg(env, heap, a[2], count, "out");
    const float* mean = tensorArg(env, heap, a[5], channels, "mean");
    const float* variance = tensorArg(env, heap, a[6], channels, "variance");
    const double offsetAt = numberArg(env, a[7], "offset");
    const double scaleAt = numberArg(env, a[8], "scale");
    const float* offset = offsetAt < 0 ? nullptr : heap.at(static_cast<int64_t>(offsetAt), channels, "offset");
    const float* scale = scaleAt < 0 ? nullptr : heap.at(static_cast<int64_t>(scaleAt), channels, "scale");
    const float epsilon = static_cast<float>(numberArg(env, a[9], "epsilon"));
    // Per channel: out = x · k + b, with k and b computed as the wasm kernel does, in float32.
    std::vector<float> k(static_cast<size_t>(channels)), b(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; c++) {
      const float inv = (scale ? scale[c] : 1.0f) / std::sqrt(variance[c] + epsilon);
      k[c] = inv;
      b[c] = (offset ? offset[c] : 0.0f) - mean[c] * inv;
    }
    for (int64_t i = 0; i < count; i += channels) {
      const float* xi = x + i;
      float* oi = out + i;
      for (int64_t c = 0; c < channels; c++) oi[c] = xi[c] * k[c] + b[c];
    }
  });
}

// leakyRelu(heap, x, out, count, alpha): out = x ≥ 0 ? x : alpha · x.
napi_value leakyRelu(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 5);
    Heap heap = heapArg(env, a[0]);
    const int64_t count = countArg(env, a[3], "count");
    const float* x = tensorArg(env, heap, a[1], count, "x");
    float* out = tensorArg(env, heap, a[2], count, "out");
    // The product in double, rounded once, as the cpu backend computes it.
    const double alpha = numberArg(env, a[4], "alpha");
    for (int64_t i = 0; i < count; i++) out[i] = x[i] < 0.0f ? static_cast<float>(alpha * x[i]) : x[i];
  });
}

// copyColumns(heap, src, srcWidth, srcStart, dst, dstWidth, dstStart, width, rows, bytesPerElement):
// for each of `rows` rows, copies `width` elements from column srcStart of a [rows, srcWidth]
// matrix to column dstStart of a [rows, dstWidth] one — one input of a Concat, one output of a
// SplitV, along any axis (rows = the product of the axes before it).
napi_value copyColumns(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto a = args(env, info, 10);
    Heap heap = heapArg(env, a[0]);
    const int64_t srcWidth = countArg(env, a[2], "srcWidth");
    const int64_t dstWidth = countArg(env, a[5], "dstWidth");
    const int64_t width = countArg(env, a[7], "width");
    const int64_t rows = countArg(env, a[8], "rows");
    const int64_t bytes = countArg(env, a[9], "bytesPerElement");
    const double srcStart = numberArg(env, a[3], "srcStart");
    const double dstStart = numberArg(env, a[6], "dstStart");
    if (!(srcStart >= 0 && srcStart + width <= srcWidth) || !(dstStart >= 0 && dstStart + width <= dstWidth) ||
        static_cast<double>(static_cast<int64_t>(srcStart)) != srcStart || static_cast<double>(static_cast<int64_t>(dstStart)) != dstStart) {
      throw std::runtime_error("copyColumns: columns outside the rows");
    }
    if (bytes != 1 && bytes != 4) throw std::runtime_error("copyColumns: bytesPerElement must be 1 or 4");
    const double srcAt = numberArg(env, a[1], "src");
    const double dstAt = numberArg(env, a[4], "dst");
    // Bounds of both matrices in bytes (Heap::at counts 4-byte elements, so check directly).
    const uint64_t srcBytes = static_cast<uint64_t>(rows) * srcWidth * bytes;
    const uint64_t dstBytes = static_cast<uint64_t>(rows) * dstWidth * bytes;
    if (!(srcAt >= 0) || !(dstAt >= 0) || static_cast<uint64_t>(srcAt) + srcBytes > heap.bytes || static_cast<uint64_t>(dstAt) + dstBytes > heap.bytes) {
      throw std::runtime_error("copyColumns: tensor lies outside the heap");
    }
    const uint8_t* src = heap.data + static_cast<uint64_t>(srcAt) + static_cast<uint64_t>(srcStart) * bytes;
    uint8_t* dst = heap.data + static_cast<uint64_t>(dstAt) + static_cast<uint64_t>(dstStart) * bytes;
    const size_t run = static_cast<size_t>(width * bytes);
    for (int64_t r = 0; r < rows; r++) std::memcpy(dst + r * dstWidth * bytes, src + r * srcWidth * bytes, run);
  });
}

napi_value version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  const char* runtime = v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB" : v->cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential" : "other";
  std::string text = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) + " (" + runtime + ")";
  napi_value out;
  napi_create_string_utf8(env, text.c_str(), text.size(), &out);
  return out;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv2dForward", nullptr, conv2dForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackwardData", nullptr, conv2dBackwardData, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackwardWeights", nullptr, conv2dBackwardWeights, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumMiddleAxis", nullptr, sumMiddleAxis, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, batchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"leakyRelu", nullptr, leakyRelu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"copyColumns", nullptr, copyColumns, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  defineElementwise(env, exports);
  defineNormalization(env, exports);
  defineDiceCe(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
