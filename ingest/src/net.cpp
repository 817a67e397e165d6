#include "net.h"

#include <zc/ingest/error.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <random>

namespace zc::ingest::net {

namespace {

constexpr int kSliceMs = 50;  // how often a blocked wait asks the interrupt hook

void check_interrupt(const Interrupt& interrupt) {
  if (interrupt && interrupt()) throw IngestError(IngestErrc::interrupted, "interrupted");
}


}  // namespace

void set_receive_timeout(int fd, int timeout_ms) {
  const timeval tv{timeout_ms / 1000, static_cast<suseconds_t>(timeout_ms % 1000) * 1000};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
    throw IngestError(IngestErrc::io, std::string("setting the socket's receive timeout: ") + std::strerror(errno));
}

int64_t receive_buffer_bytes(int fd) {
  int bytes = 0;
  socklen_t len = sizeof bytes;
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &len) != 0 || bytes <= 0) return 64 * 1024;
  return bytes;
}

fifo::UniqueFd connect_tcp(const std::string& host, uint16_t port, const fifo::Clock& clock, int64_t deadline_ms,
                           const Interrupt& interrupt) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    throw IngestError(IngestErrc::connect_failed, "cannot resolve " + host + ": " + ::gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fifo::UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
    if (!fd) continue;
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = std::strerror(errno);
      continue;
    }
    for (;;) {
      try {
        check_interrupt(interrupt);
      } catch (...) {
        ::freeaddrinfo(found);
        throw;
      }
      const int64_t left = deadline_ms - mono_ms(clock);
      if (left <= 0) {
        ::freeaddrinfo(found);
        throw IngestError(IngestErrc::timeout, "no answer from " + host + ":" + service);
      }
      pollfd p{fd.get(), POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, kSliceMs))) > 0) break;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last_error = std::strerror(err);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Interleaved media arrives in bursts of a keyframe's packets: a large receive buffer absorbs them while the
    // reader writes into the ring.
    const int rcvbuf = 1 << 20;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    // Blocking from now on (see net.h): a wait in poll() and then a recv() were two system calls per picture.
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    ::freeaddrinfo(found);
    return fd;
  }
  ::freeaddrinfo(found);
  throw IngestError(IngestErrc::connect_failed, "cannot connect to " + host + ":" + service + ": " + last_error);
}

void send_all(int fd, std::span<const uint8_t> bytes, const fifo::Clock& clock, int64_t deadline_ms,
              const Interrupt& interrupt) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes = bytes.subspan(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      throw IngestError(IngestErrc::io, std::string("sending to the camera: ") + std::strerror(errno));
    check_interrupt(interrupt);
    const int64_t left = deadline_ms - mono_ms(clock);
    if (left <= 0) throw IngestError(IngestErrc::timeout, "the camera does not take the request");
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, kSliceMs)));
  }
}

UdpPair bind_udp_pair(int family) {
  std::random_device rd;
  // Even ports in the dynamic range; a few tries, since another process may hold the odd one.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const auto port = static_cast<uint16_t>(20000 + 2 * (rd() % 20000));
    UdpPair pair;
    bool ok = true;
    for (int i = 0; i < 2 && ok; ++i) {
      fifo::UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
      if (!fd) throw IngestError(IngestErrc::connect_failed, std::string("udp socket: ") + std::strerror(errno));
      sockaddr_storage ss{};
      socklen_t len = 0;
      if (family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_any;
        a->sin6_port = htons(static_cast<uint16_t>(port + i));
        len = sizeof *a;
      } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_ANY);
        a->sin_port = htons(static_cast<uint16_t>(port + i));
        len = sizeof *a;
      }
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        ok = false;
        break;
      }
      const int rcvbuf = 1 << 20;
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
      (i == 0 ? pair.rtp : pair.rtcp) = std::move(fd);
    }
    if (!ok) continue;
    pair.rtp_port = port;
    return pair;
  }
  throw IngestError(IngestErrc::connect_failed, "no free UDP port pair for RTP");
}

int peer_family(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return AF_INET;
  return ss.ss_family;
}

}  // namespace zc::ingest::net
