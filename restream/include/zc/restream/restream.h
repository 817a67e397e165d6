// Restream out: one ring, from its newest keyframe, written to a remote server through libavformat's muxers — an
// RTSP server that accepts ANNOUNCE/RECORD (MediaMTX, another `zcrec serve --push`), an RTMP ingest, an SRT or
// UDP MPEG-TS receiver. The camera is read once (by the ring's ingest), whatever is pushed out.
//
// What happens when things go wrong:
// - the server refuses, resets or stops taking data: the connection is closed, and after a wait (doubling from
//   RestreamOptions::first_retry up to max_retry) a new one starts at the ring's newest keyframe;
// - the ring's writer goes away (a camera ingest restarting): the output waits with it; frames continue when a
//   writer comes back (the reader follows a recreated ring), from a keyframe;
// - frames are lost to a slow output (the writer laps this reader), or the ring's codec parameters change: the
//   output skips to the next keyframe, or reconnects with the new parameters.
#pragma once

#include <zc/fifo/clock.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace zc::restream {

enum class RestreamErrc {
  invalid_argument,  // no ring name, no URL, a URL whose muxer cannot be told and none given, an unknown muxer
  ring,              // the ring cannot be read (not found, not a ring, every reader slot taken)
};

const char* to_string(RestreamErrc code) noexcept;

class RestreamError : public std::runtime_error {
 public:
  RestreamError(RestreamErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  RestreamErrc code() const noexcept { return code_; }

 private:
  RestreamErrc code_;
};

struct RestreamOptions {
  std::string ring;
  std::string url;
  // libavformat's muxer name; empty: muxer_for(url).
  std::string format;
  // RTSP only: how the RTP goes to the server ("tcp": interleaved in the RTSP connection, or "udp").
  std::string rtsp_transport = "tcp";
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{30'000};
  // A stalled server (nothing accepted for this long) counts as a failed connection.
  std::chrono::milliseconds io_timeout{10'000};
  // Lines worth a log: connected, failed (and why), reconnecting, writer gone. The URL's password never appears.
  std::function<void(const std::string&)> on_log;
  // Polled between frames, while waiting and inside libavformat's network I/O: true ends restream().
  std::function<bool()> stop;
  // Required: the waits between connections are timed on it (zc/fifo/clock.h).
  const fifo::Clock* clock = nullptr;
};

struct RestreamStats {
  uint64_t connections = 0;     // outputs opened (their header written)
  uint64_t failures = 0;        // connections that failed or could not be made
  uint64_t frames_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t frames_skipped = 0;  // lost to a slow output, or waited out until a keyframe
};

// Runs until `stop` says so or the ring's writer ends its stream on purpose. Throws RestreamError for what
// waiting cannot fix (see RestreamErrc); every failure of the output is retried.
RestreamStats restream(const RestreamOptions& options);

// The muxer for a URL's scheme: rtsp/rtsps -> "rtsp", rtmp/rtmps -> "flv", srt/udp/tcp -> "mpegts"; empty when the
// scheme says nothing.
std::string muxer_for(const std::string& url);

// The URL with the password of its user info (scheme://user:password@host) replaced by "***", for logs.
std::string redacted(const std::string& url);

}  // namespace zc::restream
