// A move-only owner of a memory mapping (and, through unique_fd.h, of a file descriptor).
#pragma once

#include <zc/fifo/unique_fd.h>

#include <sys/mman.h>

#include <cstddef>
#include <utility>

namespace zc::fifo {

class Mapping {
 public:
  Mapping() = default;
  Mapping(void* addr, size_t bytes) noexcept : addr_(addr), bytes_(bytes) {}
  Mapping(Mapping&& o) noexcept : addr_(std::exchange(o.addr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept {
    if (this != &o) {
      reset();
      addr_ = std::exchange(o.addr_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { reset(); }

  std::byte* data() const noexcept { return static_cast<std::byte*>(addr_); }
  size_t size() const noexcept { return bytes_; }
  void reset() noexcept {
    if (addr_ != nullptr) ::munmap(addr_, bytes_);
    addr_ = nullptr;
    bytes_ = 0;
  }

 private:
  void* addr_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace zc::fifo
