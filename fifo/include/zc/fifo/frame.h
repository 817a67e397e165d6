// What travels through a ring: frames (access units) with their timing, and the stream info that describes
// each track. Plain values: nothing here refers to shared memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zc::fifo {

enum class Codec : uint32_t { unknown = 0, h264 = 1, h265 = 2, aac = 3, pcm_alaw = 4, pcm_mulaw = 5, opus = 6 };
enum class MediaKind : uint32_t { unknown = 0, video = 1, audio = 2 };

std::string_view to_string(Codec codec) noexcept;
std::string_view to_string(MediaKind kind) noexcept;
MediaKind media_kind_of(Codec codec) noexcept;

namespace frame_flag {
inline constexpr uint16_t keyframe = 0x01;        // random access point (IDR/IRAP for video, every audio frame)
inline constexpr uint16_t params_changed = 0x02;  // first frame after the stream info changed
inline constexpr uint16_t discontinuity = 0x04;   // frames are missing before this one (loss, writer restart, gap)
inline constexpr uint16_t decode_only = 0x08;     // playback: decode but do not show (before the requested start)
inline constexpr uint16_t end_of_stream = 0x10;   // nothing follows: a playback's end, a live input that ended
}  // namespace frame_flag

struct Rational {
  int32_t num = 1;
  int32_t den = 90000;
  bool operator==(const Rational&) const = default;
};

struct TrackInfo {
  uint32_t track_id = 0;
  MediaKind kind = MediaKind::unknown;
  Codec codec = Codec::unknown;
  Rational time_base;
  uint32_t width = 0, height = 0;                 // video
  uint32_t sample_rate = 0, channels = 0;         // audio
  uint32_t bits_per_sample = 0;                   // 8 for Main, 10 for Main10, 16 for PCM ...
  std::vector<uint8_t> config;                    // SPS/PPS(/VPS) in Annex-B, or AudioSpecificConfig
  bool operator==(const TrackInfo&) const = default;
};

struct StreamInfo {
  uint64_t generation = 0;  // assigned by the writer; changes whenever the tracks change
  std::vector<TrackInfo> tracks;

  const TrackInfo* find(uint32_t track_id) const noexcept;
  const TrackInfo* first_of(MediaKind kind) const noexcept;
};

// What a writer supplies for each frame. Zero clock fields are filled with "now" by the writer.
struct FrameMeta {
  uint32_t track = 0;
  uint16_t flags = 0;
  int64_t pts = 0;
  int64_t dts = 0;
  int64_t wall_ns = 0;
  int64_t mono_ns = 0;
};

// What a reader gets back: the meta plus what the ring assigned.
struct FrameHeader : FrameMeta {
  uint64_t seq = 0;              // ring-wide sequence number (+1 per frame)
  uint64_t pos = 0;              // ring position of the record
  uint32_t size = 0;             // payload bytes
  uint64_t info_generation = 0;  // stream-info generation in force for this frame
  uint64_t lost_before = 0;      // frames lost (overwritten or skipped) right before this one
  bool info_changed = false;     // the reader's stream_info() changed with this frame
  bool is_key() const noexcept { return (flags & frame_flag::keyframe) != 0; }
};

struct Frame {
  FrameHeader header;
  std::vector<uint8_t> payload;
};

// A keyframe as the ring's index knows it.
struct KeyframeInfo {
  uint64_t pos = 0;
  uint64_t seq = 0;
  int64_t mono_ns = 0;
  int64_t wall_ns = 0;
  int64_t pts = 0;
  uint32_t track = 0;
};

// Validates a stream name; returns an explanation when it is not acceptable.
std::optional<std::string> check_stream_name(std::string_view name);

}  // namespace zc::fifo
