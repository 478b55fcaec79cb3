// Argument handling shared by the addon's source files (nativeKernels.cc, elementwise.cc,
// normalization.cc, diceCe.cc): the wasm heap as an ArrayBuffer, byte offsets into it checked
// against its size, numbers, and the wrapper that turns a C++ exception into a JavaScript error
// (code ERR_SCANSELECT_NATIVE).
#pragma once

#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace scanselect {

struct Heap {
  uint8_t* data = nullptr;
  size_t bytes = 0;
  /** `count` elements of `elementBytes` bytes at byte `offset`, checked to lie inside the heap. */
  uint8_t* bytesAt(int64_t offset, int64_t count, int64_t elementBytes, const char* what) const {
    if (offset < 0 || count < 0 || offset % elementBytes != 0 || static_cast<uint64_t>(offset) + static_cast<uint64_t>(count) * elementBytes > bytes) {
      throw std::runtime_error(std::string("tensor '") + what + "' lies outside the heap");
    }
    return data + offset;
  }
  float* at(int64_t offset, int64_t count, const char* what) const { return reinterpret_cast<float*>(bytesAt(offset, count, 4, what)); }
};

inline void check(napi_env, napi_status status, const char* what) {
  if (status != napi_ok) throw std::runtime_error(std::string("N-API call failed: ") + what);
}

inline double numberArg(napi_env env, napi_value v, const char* what) {
  double out = 0;
  if (napi_get_value_double(env, v, &out) != napi_ok) throw std::runtime_error(std::string(what) + " must be a number");
  return out;
}

inline Heap heapArg(napi_env env, napi_value v) {
  Heap heap;
  void* data = nullptr;
  size_t bytes = 0;
  bool isBuffer = false;
  check(env, napi_is_arraybuffer(env, v, &isBuffer), "is_arraybuffer");
  if (!isBuffer) throw std::runtime_error("heap must be an ArrayBuffer");
  check(env, napi_get_arraybuffer_info(env, v, &data, &bytes), "arraybuffer_info");
  heap.data = static_cast<uint8_t*>(data);
  heap.bytes = bytes;
  return heap;
}

/** A byte offset into the heap: a non-negative integer (checked against the heap by Heap::at). */
inline int64_t offsetArg(napi_env env, napi_value v, const char* what) {
  const double d = numberArg(env, v, what);
  if (!(d >= 0 && d <= 1e15) || static_cast<double>(static_cast<int64_t>(d)) != d) throw std::runtime_error(std::string("tensor '") + what + "' lies outside the heap");
  return static_cast<int64_t>(d);
}

/** The tensor at byte offset `v` in the heap, `count` floats long, checked to lie inside it. */
inline float* tensorArg(napi_env env, const Heap& heap, napi_value v, int64_t count, const char* what) {
  return heap.at(offsetArg(env, v, what), count, what);
}

inline int64_t countArg(napi_env env, napi_value v, const char* what) {
  const double d = numberArg(env, v, what);
  if (!(d >= 1 && d <= 4e9) || static_cast<double>(static_cast<int64_t>(d)) != d) throw std::runtime_error(std::string(what) + " must be a positive integer");
  return static_cast<int64_t>(d);
}

/** Runs `body`, turning any exception into a JavaScript error; the N-API functions return nothing. */
template <typename Body>
napi_value guarded(napi_env env, Body body) {
  try {
    body();
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_SCANSELECT_NATIVE", e.what());
  }
  return nullptr;
}

/** Reads an array of exactly `count` non-negative integers up to `max` into `out`; `what` names it in errors. */
inline void integerArrayArg(napi_env env, napi_value v, uint32_t count, double max, int64_t* out, const std::string& what) {
  bool isArray = false;
  uint32_t length = 0;
  check(env, napi_is_array(env, v, &isArray), "is_array");
  if (!isArray) throw std::runtime_error(what + " must be an array");
  check(env, napi_get_array_length(env, v, &length), "array_length");
  if (length != count) throw std::runtime_error(what + " must have " + std::to_string(count) + " numbers");
  for (uint32_t i = 0; i < count; i++) {
    napi_value e;
    check(env, napi_get_element(env, v, i, &e), "get_element");
    const double d = numberArg(env, e, "geometry entry");
    if (!(d >= 0 && d <= max) || static_cast<double>(static_cast<int64_t>(d)) != d) throw std::runtime_error(what + " entries must be non-negative integers");
    out[i] = static_cast<int64_t>(d);
  }
}

inline std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t expected) {
  size_t argc = expected;
  std::vector<napi_value> argv(expected);
  check(env, napi_get_cb_info(env, info, &argc, argv.data(), nullptr, nullptr), "get_cb_info");
  if (argc != expected) throw std::runtime_error("expected " + std::to_string(expected) + " arguments");
  return argv;
}

/** Adds the functions of elementwise.cc to the addon's exports. */
void defineElementwise(napi_env env, napi_value exports);

/** Adds the functions of normalization.cc to the addon's exports. */
void defineNormalization(napi_env env, napi_value exports);

/** Adds the functions of diceCe.cc to the addon's exports. */
void defineDiceCe(napi_env env, napi_value exports);

}  // namespace scanselect
