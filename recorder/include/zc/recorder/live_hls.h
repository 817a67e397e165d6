// A live ring's frames as an fMP4 HLS stream (RFC 8216, version 7: EXT-X-MAP, fragmented MP4): what zcrecd's
// live.m3u8 serves to Safari and iPhones, which cannot play the progressive live.mp4 (docs/web.md, "HLS").
//
// LiveMp4 (the same muxer as live.mp4 and the recordings) cuts one MP4 fragment per GOP; each fragment is one HLS
// segment, so every segment starts with a keyframe (EXT-X-INDEPENDENT-SEGMENTS) and lasts a GOP. The last
// `window` segments are kept in memory. A change of tracks (new parameter sets, a resolution change) starts a
// new generation with its own initialisation segment, marked EXT-X-DISCONTINUITY in the playlist.
#pragma once

#include <zc/fifo/frame.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace zc::recorder {

class LiveMp4;

struct HlsSegment {
  uint64_t sequence = 0;    // EXT-X-MEDIA-SEQUENCE numbering: +1 per segment, never reused
  uint64_t generation = 0;  // which initialisation segment it needs
  double duration_s = 0;    // its GOP, from the keyframes' capture times
  std::shared_ptr<const std::string> bytes;  // moof + mdat
};

class LiveHls {
 public:
  // `window`: segments kept (and listed). Throws RecorderError (no_stream, unsupported) as LiveMp4 does.
  LiveHls(const fifo::StreamInfo& info, size_t window = 6);
  LiveHls(LiveHls&&) noexcept;
  LiveHls& operator=(LiveHls&&) noexcept;
  ~LiveHls();

  // One frame of the ring, in order. A frame whose stream info has other tracks than the current generation's
  // starts a new generation (pass the reader's stream info in force for the frame). false: not taken (another
  // track, or before the keyframe the stream starts or resumes at). Throws RecorderError (media) from the muxer.
  bool write(const fifo::StreamInfo& info, const fifo::FrameHeader& header, std::span<const std::byte> payload);
  // Frames are missing before the next one: resume at the next keyframe (LiveMp4::skip, no hole in the timeline).
  void skip() noexcept;

  const std::deque<HlsSegment>& segments() const noexcept { return segments_; }
  // The initialisation segment (ftyp + moov) of a generation still listed, or the current one; nullptr if gone.
  std::shared_ptr<const std::string> init(uint64_t generation) const;
  uint64_t generation() const noexcept { return generation_; }  // the current one
  const HlsSegment* segment(uint64_t sequence) const;

  // The media playlist; segment and map URIs are `<sequence>.m4s` and `init-<generation>.mp4` under `prefix`.
  std::string playlist(const std::string& prefix) const;

 private:
  void start_generation(const fifo::StreamInfo& info);
  bool on_bytes(const uint8_t* data, size_t size);
  void take_boxes();

  size_t window_;
  std::unique_ptr<LiveMp4> mp4_;
  uint32_t video_track_ = 0;
  uint64_t generation_ = 0;
  uint64_t next_sequence_ = 0;
  std::string pending_;                          // muxer bytes not yet cut into whole boxes
  std::map<uint64_t, std::shared_ptr<const std::string>> inits_;
  std::deque<int64_t> keyframe_mono_ns_;         // of fragments begun and not yet complete, oldest first
  std::optional<std::string> open_moof_;         // a moof waiting for its mdat
  std::deque<HlsSegment> segments_;
  uint64_t discontinuity_sequence_ = 0;          // EXT-X-DISCONTINUITY-SEQUENCE: generation changes dropped
  double longest_s_ = 1;
};

}  // namespace zc::recorder
