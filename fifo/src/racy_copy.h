// Copies out of (and into) memory that another process may be overwriting at the same time. The result is
// only trusted after the seqlock-style re-check described in layout.h. Under ThreadSanitizer the copy is done
// with relaxed atomic byte accesses so that the deliberate race is visible to the tool as a benign one.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>

namespace zc::fifo {

inline void racy_copy(void* dst, const void* src, size_t bytes) noexcept {
  if (bytes == 0) return;  // an empty payload's buffer may be null, which memcpy may not be given
#if defined(__SANITIZE_THREAD__)
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = const_cast<unsigned char*>(static_cast<const unsigned char*>(src));
  for (size_t i = 0; i < bytes; ++i) d[i] = std::atomic_ref<unsigned char>(s[i]).load(std::memory_order_relaxed);
#else
  std::memcpy(dst, src, bytes);
#endif
}

inline void racy_store(void* dst, const void* src, size_t bytes) noexcept {
  if (bytes == 0) return;
#if defined(__SANITIZE_THREAD__)
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < bytes; ++i) std::atomic_ref<unsigned char>(d[i]).store(s[i], std::memory_order_relaxed);
#else
  std::memcpy(dst, src, bytes);
#endif
}

}  // namespace zc::fifo
