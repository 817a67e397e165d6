// Where a player's frames go: a playback fifo (with its control channel) or an Annex-B byte stream.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/fifo/playback_fifo.h>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace zc::playback {

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void stream_info(const fifo::StreamInfo& info) = 0;
  // May block (a full playback fifo). Throws PlaybackError(peer_gone / output_failed).
  virtual void frame(const fifo::FrameMeta& meta, std::span<const std::byte> payload) = 0;
  virtual void end() = 0;
  // Sleeps until `until` unless a control request arrives first; returns true if one did.
  virtual bool wait_until(std::chrono::steady_clock::time_point until);
  virtual std::optional<fifo::ControlRequest> poll_control() { return std::nullopt; }
  virtual void acknowledge(const fifo::ControlRequest&) {}
};

// Writes frames into a playback fifo it creates; end() marks the end of stream and waits for the reader to
// take everything (at most `drain_timeout`).
std::unique_ptr<FrameSink> make_fifo_sink(const std::string& name, const fifo::PlaybackFifoOptions& options,
                                          std::chrono::milliseconds drain_timeout = std::chrono::seconds(30));
// Writes the video track's access units (Annex-B) to a file descriptor, e.g. stdout for `| ffplay -`.
std::unique_ptr<FrameSink> make_annexb_sink(int fd);

}  // namespace zc::playback
