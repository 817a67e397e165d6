#include "support/test_support.h"

#include <zc/fifo/ring_writer.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace zc::test {

std::string unique_stream_name(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + tag;
}

ScopedStream::~ScopedStream() {
  try {
    fifo::RingWriter::remove(name_);
  } catch (...) {
  }
}

fifo::StreamInfo video_stream_info() {
  fifo::StreamInfo info;
  fifo::TrackInfo t;
  t.track_id = 0;
  t.kind = fifo::MediaKind::video;
  t.codec = fifo::Codec::h264;
  t.time_base = {1, 90000};
  t.width = 1920;
  t.height = 1080;
  t.config = {0, 0, 0, 1, 0x67, 0x42, 0, 0x1f, 0, 0, 0, 1, 0x68, 0xce};
  info.tracks.push_back(t);
  return info;
}

int listen_on_loopback(uint16_t& port, int backlog) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port = ntohs(a.sin_port);
  return fd;
}

std::vector<float> s16le_samples(const std::string& bytes) {
  std::vector<float> out(bytes.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int16_t s;
    std::memcpy(&s, bytes.data() + 2 * i, 2);
    out[i] = static_cast<float>(s);
  }
  return out;
}

}  // namespace zc::test
