// A network camera (rtsp://, rtmp://, http://, udp://, srt://, ...) as a PacketSource that never ends by itself:
// a connection that fails, ends, or stays silent longer than the read timeout is opened again with backoff, and
// the packets of each new connection continue the timeline of the previous one. docs/ingest.md has the state
// machine, the numbers and what readers see at a reconnect.
//
// What a caller gets:
// - timestamps whose dts strictly increase per track across reconnects and across jumps in the camera's own
//   clock (RTP timestamps that wrap, start anywhere or jump): a jump or a reconnect re-anchors the timeline at the
//   previous dts plus one frame step and sets MediaPacket::discontinuity on the first packet after it; pts - dts
//   (B-frame order) is kept; all tracks share one offset, so audio stays where it was against video;
// - after a discontinuity, video resumes at a keyframe;
// - packets libavformat marks corrupt (lost RTP packets) are dropped and counted, and video resumes at the next
//   keyframe.
#pragma once

#include <zc/fifo/clock.h>
#include <zc/fifo/source_status.h>
#include <zc/media/packet_source.h>
#include <zc/media/source.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zc::media {

struct ReconnectPolicy {
  // Waits before the 1st, 2nd, ... retry after a failure; the last one repeats forever. A camera back from a short
  // outage streams again within the current wait plus its connect time; a dead one is asked every 5 s.
  std::vector<std::chrono::milliseconds> backoff{std::chrono::milliseconds(500), std::chrono::seconds(1),
                                                 std::chrono::seconds(2), std::chrono::seconds(4),
                                                 std::chrono::seconds(5)};
  // A connection (or a connect attempt) without a packet for this long is given up and opened again.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(10)};
  // A connection that streamed this long resets the backoff to its first step.
  std::chrono::milliseconds healthy_after{std::chrono::seconds(10)};
  // Fail fast: the first failure throws and the end of the stream ends read() (scripts, tests).
  bool once = false;
};

// The status is zc::fifo::SourceStatus, the same record `zcrec feed` publishes in the ring for `zcrec stat`.
using fifo::SourceState;
using fifo::SourceStatus;

// How LiveSource waits and learns that it must stop (e.g. SIGINT/SIGTERM): both are checked while connecting,
// reading and waiting to retry, so a stop is honoured within a few milliseconds.
struct StopHooks {
  std::function<bool()> stop_requested;                          // true once the caller wants to stop
  std::function<bool(std::chrono::nanoseconds)> sleep_for;       // false when a stop arrived while sleeping
  std::function<void(const SourceStatus&)> on_status;            // every state change (for logs and `stat`)
};

// One connection to the camera, as LiveSource opens one per attempt: libavformat's MediaSource unless the caller
// brings its own client (zc::ingest's native RTSP client). Its errors are MediaError, credentials left out.
class CameraConnection : public PacketSource {
 public:
  // RTP packets the connection saw lost so far.
  virtual uint64_t packets_missed() const noexcept = 0;
  // True when read() hands out whole access units and marks every one built around lost packets corrupt
  // itself; false (libavformat) when LiveSource has to join split access units and guess which packets a
  // reported loss damaged.
  virtual bool whole_access_units() const noexcept = 0;
};

// Opens one connection (throws MediaError); `options` carries the interrupt hook and format options.
using ConnectionFactory = std::function<std::unique_ptr<CameraConnection>(const std::string& url, const SourceOptions& options)>;

class LiveSource final : public PacketSource {
 public:
  // Does not connect yet: the first read() does. `url` may carry credentials (never shown: see source_url.h).
  // `clock` (which must outlive the source) gives every time it reads: arrivals and capture stamps, the read
  // timeout, the healthy-run timer, the status times; each connection gets it as SourceOptions::clock.
  // `open` makes each connection; empty: libavformat's.
  LiveSource(std::string url, SourceOptions options, ReconnectPolicy policy, StopHooks hooks, const fifo::Clock& clock,
             ConnectionFactory open = {});
  LiveSource(std::string url, SourceOptions options, ReconnectPolicy policy, StopHooks hooks, const fifo::Clock&& clock,
             ConnectionFactory open = {}) = delete;
  ~LiveSource() override;
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;

  // Empty until the first connection.
  const fifo::StreamInfo& stream_info() const noexcept override;
  // The next packet; false only when a stop was requested (or, with `once`, at the end of the stream).
  // Throws MediaError only with `once`.
  bool read(MediaPacket& out) override;

  const SourceStatus& status() const noexcept;
  // Blocks until connected (or stopped: false); the stream info is then known. Throws like read().
  bool connect();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::media
