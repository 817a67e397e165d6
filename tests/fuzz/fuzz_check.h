// What every zcrec fuzz target shares: a contract check that aborts (libFuzzer then keeps the input as a crash)
// and a reader that takes typed values off the front of the fuzzer's bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

// A broken contract, not a crash: name the expectation so that the finding explains itself.
#define ZC_FUZZ_CHECK(cond)                                                                      \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "contract broken at %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

namespace zc::fuzz {

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : rest_(data, size) {}
  bool empty() const { return rest_.empty(); }
  size_t size() const { return rest_.size(); }

  template <class T>
  T take() {  // zero-filled when the input runs out
    T v{};
    const size_t n = std::min(sizeof(T), rest_.size());
    std::memcpy(&v, rest_.data(), n);
    rest_ = rest_.subspan(n);
    return v;
  }
  std::span<const uint8_t> take_bytes(size_t n) {
    n = std::min(n, rest_.size());
    auto s = rest_.first(n);
    rest_ = rest_.subspan(n);
    return s;
  }
  std::span<const uint8_t> rest() { return take_bytes(rest_.size()); }

 private:
  std::span<const uint8_t> rest_;
};

}  // namespace zc::fuzz
