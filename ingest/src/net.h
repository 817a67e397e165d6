// The few socket operations the RTSP client needs, each bounded by a deadline and the caller's interrupt hook:
// a TCP connection for the control channel (and interleaved media), and UDP port pairs for RTP/RTCP.
#pragma once

#include <zc/fifo/clock.h>
#include <zc/fifo/unique_fd.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace zc::ingest::net {

using Interrupt = std::function<bool()>;

// The caller's clock in milliseconds, what deadlines below are on.
inline int64_t mono_ms(const fifo::Clock& clock) { return clock.mono_ns() / 1'000'000; }

// Connects to host:port (any address family getaddrinfo gives) before `deadline_ms` (mono_ms(clock)). The socket is
// blocking once connected, so that one recv() can both wait for the camera's next bytes and read them (bounded
// by set_receive_timeout()); every call that must not wait passes MSG_DONTWAIT. Throws
// IngestError(connect_failed / timeout / interrupted).
fifo::UniqueFd connect_tcp(const std::string& host, uint16_t port, const fifo::Clock& clock, int64_t deadline_ms,
                           const Interrupt& interrupt);

// Writes all of `bytes` (the control connection carries a few small requests). Throws IngestError(io/timeout).
void send_all(int fd, std::span<const uint8_t> bytes, const fifo::Clock& clock, int64_t deadline_ms,
              const Interrupt& interrupt);

// How long a blocking recv() on `fd` waits before it fails with EAGAIN (SO_RCVTIMEO); `timeout_ms` > 0.
void set_receive_timeout(int fd, int timeout_ms);

// The socket's receive buffer as the kernel reports it (SO_RCVBUF: for TCP it grows with autotuning); 64 KiB
// if it cannot say.
int64_t receive_buffer_bytes(int fd);

// Two non-blocking UDP sockets on consecutive ports, RTP's even, bound to every address of the family of the
// camera's `peer` address. Throws IngestError(connect_failed).
struct UdpPair {
  fifo::UniqueFd rtp, rtcp;
  uint16_t rtp_port = 0;
};
UdpPair bind_udp_pair(int family);

// The address family of a connected socket's peer, and that peer as text.
int peer_family(int fd);

}  // namespace zc::ingest::net
