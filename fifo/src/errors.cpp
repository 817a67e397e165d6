#include <zc/fifo/error.h>

#include <cstring>

namespace zc::fifo {

const char* to_string(FifoErrc code) noexcept {
  switch (code) {
    case FifoErrc::invalid_name: return "invalid stream name";
    case FifoErrc::invalid_argument: return "invalid argument";
    case FifoErrc::not_found: return "stream not found";
    case FifoErrc::writer_busy: return "stream already has a writer";
    case FifoErrc::foreign_object: return "name taken by a foreign object";
    case FifoErrc::wrong_owner: return "object belongs to another user";
    case FifoErrc::corrupt_object: return "corrupt ring object";
    case FifoErrc::wrong_kind: return "wrong kind of ring";
    case FifoErrc::too_many_readers: return "too many readers";
    case FifoErrc::frame_too_large: return "frame too large";
    case FifoErrc::timeout: return "timed out";
    case FifoErrc::peer_gone: return "peer gone";
    case FifoErrc::no_space: return "no room in /dev/shm";
    case FifoErrc::system: return "system error";
  }
  return "unknown error";
}

void throw_system_error(const std::string& what, int err) {
  throw FifoError(FifoErrc::system, what + ": " + std::strerror(err));
}

}  // namespace zc::fifo
