// Argument checking for the MPI binding (mpi_addon.cc): turns JS values into raw pointers and
// lengths without allocating (the byte collectives run every 0.8 ms of simulated time), and turns
// every malformed argument into a TypeError naming the function and the argument, so that a bad
// call never reaches MPI (where it would be undefined behaviour or a hang).
#pragma once
#include <mpi.h>
#include <napi.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <string>

namespace superspike_mpi {

inline void ThrowError(Napi::Env env, const std::string& msg) {
  Napi::Error::New(env, "superspike mpi: " + msg).ThrowAsJavaScriptException();
}
inline void ThrowType(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, "superspike mpi: " + msg).ThrowAsJavaScriptException();
}

struct Bytes {
  uint8_t* data = nullptr;
  size_t length = 0;  // in bytes
};

inline size_t ElementBytes(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
#ifdef NODE_API_HAS_FLOAT16_ARRAY
    case napi_float16_array: return 2;
#endif
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
    default: return 0;
  }
}

// The bytes of any TypedArray or DataView (data already points at the view's byte offset).
// No handles beyond the argument are created and nothing is allocated.
inline bool GetBytes(Napi::Env env, napi_value value, const char* fn, const char* arg, Bytes* out) {
  bool is = false;
  napi_is_typedarray(env, value, &is);
  if (is) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr);
    size_t element = ElementBytes(type);
    if (element == 0) { ThrowType(env, std::string(fn) + ": " + arg + " has an unsupported element type"); return false; }
    out->data = static_cast<uint8_t*>(data);
    out->length = length * element;
  } else {
    napi_is_dataview(env, value, &is);
    if (!is) { ThrowType(env, std::string(fn) + ": " + arg + " must be a TypedArray or DataView"); return false; }
    void* data = nullptr;
    napi_get_dataview_info(env, value, &out->length, &data, nullptr, nullptr);
    out->data = static_cast<uint8_t*>(data);
  }
  if (out->length > static_cast<size_t>(INT_MAX)) {
    ThrowType(env, std::string(fn) + ": " + arg + " is longer than 2^31-1 bytes (MPI counts are int)");
    return false;
  }
  return true;
}

// An Int32Array of exactly `expected` elements (counts, displacements, allgatherInt32's output).
inline bool GetInt32s(Napi::Env env, napi_value value, const char* fn, const char* arg, size_t expected, int** out) {
  bool is = false;
  napi_is_typedarray(env, value, &is);
  napi_typedarray_type type = napi_uint8_array;
  size_t length = 0;
  void* data = nullptr;
  if (is) napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr);
  if (!is || type != napi_int32_array) { ThrowType(env, std::string(fn) + ": " + arg + " must be an Int32Array"); return false; }
  if (length != expected) {
    ThrowType(env, std::string(fn) + ": " + arg + " has " + std::to_string(length) + " elements, expected " +
                       std::to_string(expected) + " (one per MPI process)");
    return false;
  }
  *out = static_cast<int*>(data);
  return true;
}

inline bool GetInt(Napi::Env env, const Napi::Value& value, const char* fn, const char* arg, int* out) {
  double d = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : 0.5;
  // The range test is false for NaN, and comes before the cast (out-of-range casts are undefined).
  if (!(d >= INT32_MIN && d <= INT32_MAX) || d != std::trunc(d)) {
    ThrowType(env, std::string(fn) + ": " + arg + " must be an int32 number");
    return false;
  }
  *out = static_cast<int>(d);
  return true;
}

inline bool GetRoot(Napi::Env env, const Napi::Value& value, const char* fn, int size, int* root) {
  if (!GetInt(env, value, fn, "root", root)) return false;
  if (*root < 0 || *root >= size) { ThrowType(env, std::string(fn) + ": root " + std::to_string(*root) + " is not a rank of " + std::to_string(size)); return false; }
  return true;
}

// Every block [displs[i], displs[i] + counts[i]) must lie inside the receive buffer.
inline bool CheckLayout(Napi::Env env, const char* fn, const Bytes& recv, const int* counts, const int* displs, int size) {
  for (int i = 0; i < size; i++) {
    if (counts[i] < 0 || displs[i] < 0 ||
        static_cast<size_t>(displs[i]) + static_cast<size_t>(counts[i]) > recv.length) {
      ThrowType(env, std::string(fn) + ": block of rank " + std::to_string(i) + " (displ " + std::to_string(displs[i]) +
                         ", count " + std::to_string(counts[i]) + ") does not fit the " + std::to_string(recv.length) +
                         "-byte receive buffer");
      return false;
    }
  }
  return true;
}

// The send bytes may be exactly this rank's block of the receive buffer (then MPI_IN_PLACE is
// used); any other overlap would be undefined behaviour in MPI, so it is refused.
inline bool SendPointer(Napi::Env env, const char* fn, const Bytes& send, const Bytes& recv, int displ, const void** out) {
  const uint8_t* s = send.data;
  const uint8_t* r = recv.data;
  bool overlap = send.length > 0 && recv.length > 0 && s < r + recv.length && r < s + send.length;
  if (!overlap) { *out = s; return true; }
  if (s == r + displ) { *out = MPI_IN_PLACE; return true; }
  ThrowType(env, std::string(fn) + ": send overlaps the receive buffer outside this rank's own block");
  return false;
}

}  // namespace superspike_mpi
