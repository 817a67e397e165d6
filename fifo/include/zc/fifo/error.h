// Errors of the shared-memory domain: every failure names what went wrong and with which stream.
#pragma once

#include <stdexcept>
#include <string>

namespace zc::fifo {

enum class FifoErrc {
  invalid_name,        // stream name does not match [A-Za-z0-9_][A-Za-z0-9_.-]{0,63}
  invalid_argument,    // bad option or frame (size mismatch, unknown track, ...)
  not_found,           // no object with that name (and the caller did not want to wait)
  writer_busy,         // a live writer already holds the stream
  foreign_object,      // the name is taken by something that is not a zcrec ring: we never overwrite it
  wrong_owner,         // the object belongs to another user
  corrupt_object,      // header fails validation (truncated, bad geometry, unknown layout version)
  wrong_kind,          // a live ring where a playback fifo was expected, or the reverse
  too_many_readers,    // every reader slot is held by a live reader
  frame_too_large,     // frame does not fit the ring's per-frame limit
  timeout,             // waited as long as the caller allowed
  peer_gone,           // the other side of a playback fifo died or detached
  no_space,            // /dev/shm cannot hold the ring (checked at creation, so no write can fault later)
  system,              // an OS call failed; message carries errno text
};

const char* to_string(FifoErrc code) noexcept;

class FifoError : public std::runtime_error {
 public:
  FifoError(FifoErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  FifoErrc code() const noexcept { return code_; }

 private:
  FifoErrc code_;
};

// Throws FifoError(system) with "what: strerror(errno)".
[[noreturn]] void throw_system_error(const std::string& what, int err);

}  // namespace zc::fifo
