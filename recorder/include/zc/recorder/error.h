// Errors of the recording domain: catalog, segment files, recovery, retention.
#pragma once

#include <stdexcept>
#include <string>

namespace zc::recorder {

enum class RecorderErrc {
  invalid_argument,  // bad option value (negative duration, unknown stream name, ...)
  catalog,           // SQLite failed (corrupt file, I/O error); the message carries SQLite's text
  catalog_busy,      // another process held the catalog longer than every retry allowed
  catalog_too_new,   // the catalog was written by a newer zcrec (schema version above ours)
  no_space,          // the storage filesystem is full (ENOSPC/EDQUOT)
  io,                // another file-system call failed; message carries errno text
  media,             // libavformat refused a frame or a file
  unsupported,       // a codec the recorder cannot put into MP4
  no_stream,         // the ring has no video track or no stream info yet
  no_catalog,        // the storage directory or its catalog.db does not exist (a mistyped --dir)
};

const char* to_string(RecorderErrc code) noexcept;

class RecorderError : public std::runtime_error {
 public:
  RecorderError(RecorderErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  RecorderErrc code() const noexcept { return code_; }

 private:
  RecorderErrc code_;
};

// Throws RecorderError(no_space) for ENOSPC/EDQUOT and RecorderError(io) otherwise: "what: strerror(err)".
[[noreturn]] void throw_io_error(const std::string& what, int err);

}  // namespace zc::recorder
