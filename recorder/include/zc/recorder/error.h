// Errors of the recording domain: segment files, muxing, recovery of segment files. The catalog and the storage
// directory's locks and deletes throw zc::catalog::CatalogError (zc/catalog/error.h); both carry no_space for a
// full disk, which the recorder answers by pausing (docs/recording.md, "Disk full").
#pragma once

#include <stdexcept>
#include <string>

namespace zc::recorder {

enum class RecorderErrc {
  invalid_argument,  // bad option value (negative duration, unknown stream name, ...)
  no_space,          // the storage filesystem is full (ENOSPC/EDQUOT)
  io,                // another file-system call failed; message carries errno text
  media,             // libavformat refused a frame or a file
  unsupported,       // a codec the recorder cannot put into MP4
  no_stream,         // the ring has no video track or no stream info yet
};

const char* to_string(RecorderErrc code) noexcept;

class RecorderError : public std::runtime_error {
 public:
  RecorderError(RecorderErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  RecorderErrc code() const noexcept { return code_; }

 private:
  RecorderErrc code_;
};

// True for a full disk in either domain: RecorderError or catalog::CatalogError with code no_space.
bool is_no_space(const std::exception& e) noexcept;

// Throws RecorderError(no_space) for ENOSPC/EDQUOT and RecorderError(io) otherwise: "what: strerror(err)".
[[noreturn]] void throw_io_error(const std::string& what, int err);

}  // namespace zc::recorder
