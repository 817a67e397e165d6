// A live ring's frames as one endless fragmented MP4 for a viewer (zcrecd's live.mp4): the segment writer's
// muxer (same sample conversion, same fragments) writing into a byte sink instead of a file.
//
// A viewer that misses frames (its reader was lapped, it fell behind and dropped some, the camera had a hole)
// gets no hole in its timeline: the stream resumes at the next keyframe with its timestamps moved back so that
// the keyframe follows the last frame written by one frame step. A <video> element plays across it as a jump
// in the picture; a hole in the timeline would make it wait out the hole (or stall at it).
#pragma once

#include <zc/fifo/frame.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

namespace zc::recorder {

class LiveMp4 {
 public:
  // Gets the bytes in order: ftyp+moov when the first keyframe arrives, then fragments (at most
  // max_fragment_us of media each) as they complete. Returning false makes write() throw RecorderError(io).
  using ByteSink = std::function<bool(const uint8_t* data, size_t size)>;

  // The video track is the stream's first video track (H.264/H.265), audio its first AAC track if any.
  // Throws RecorderError: no_stream (no video track, or no codec configuration yet), unsupported (codec).
  LiveMp4(const fifo::StreamInfo& info, ByteSink sink, int64_t max_fragment_us = 200'000);
  LiveMp4(LiveMp4&&) noexcept;
  LiveMp4& operator=(LiveMp4&&) noexcept;
  ~LiveMp4();

  // Muxes one frame of the stream. Frames of other tracks, and every frame until the next video keyframe after
  // construction or skip(), are dropped: false. Throws RecorderError (media, io) when the muxer or the sink fails.
  bool write(const fifo::FrameHeader& header, std::span<const std::byte> payload);
  // Frames are missing before the next one: resume at the next video keyframe, without a hole in the timeline.
  void skip() noexcept;
  // Whether `info` still has the tracks this stream was started with (a new moov would be needed otherwise).
  bool same_tracks(const fifo::StreamInfo& info) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::recorder
