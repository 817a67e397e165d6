// Just enough ISO-BMFF to build a clip from fragmented segments without a muxer: list a container's children,
// read a segment header's tracks (id, timescale, edit), rewrite its edit lists, and move a fragment's moof to
// another timeline in place (same size, so every byte offset computed from the catalog stays right).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zc::playback::mp4 {

uint32_t be32(const uint8_t* p) noexcept;
uint64_t be64(const uint8_t* p) noexcept;
void put_be32(uint8_t* p, uint32_t v) noexcept;
void put_be64(uint8_t* p, uint64_t v) noexcept;

struct Box {
  size_t offset = 0;  // of the box header within the buffer
  size_t header = 8;  // 8, or 16 with a 64-bit size
  size_t size = 0;    // whole box
  std::string_view type;
  size_t body() const noexcept { return offset + header; }
  size_t end() const noexcept { return offset + size; }
};

// The boxes in buf[begin, end). Throws PlaybackError(segment_failed) when one does not fit.
std::vector<Box> children(std::span<const uint8_t> buf, size_t begin, size_t end);

struct Track {
  uint32_t id = 0;
  uint32_t timescale = 0;  // mdhd
  int64_t edit_media_time = 0;  // media time at which presentation starts (elst), 0 without an edit list
  std::string handler;          // vide | soun
  bool operator==(const Track& o) const noexcept { return id == o.id && timescale == o.timescale && handler == o.handler; }
};

// The tracks of a moov box (buf holds the whole moov, box at buf[0]). Throws PlaybackError(segment_failed).
std::vector<Track> tracks_of(std::span<const uint8_t> moov);

// A copy of the moov whose every trak carries one edit: the whole track from media_time[track id] on.
std::vector<uint8_t> with_edits(std::span<const uint8_t> moov, std::span<const std::pair<uint32_t, int64_t>> media_times);

// The decode time (tfdt) of each track fragment in a moof: (track id, time).
std::vector<std::pair<uint32_t, uint64_t>> decode_times(std::span<const uint8_t> moof);

// The trex default_sample_flags of a track in a moov (0 when it has no trex).
uint32_t trex_default_sample_flags(std::span<const uint8_t> moov, uint32_t track_id);

// Whether the first sample of the track's fragment in this moof is a sync sample (a keyframe), and its decode
// time; nullopt when the moof has no fragment of that track.
struct TrackFragmentStart {
  uint64_t decode_time = 0;
  bool sync = false;
};
std::optional<TrackFragmentStart> fragment_start(std::span<const uint8_t> moof, uint32_t track_id,
                                                 uint32_t trex_default_flags);

// A sidx (version 1) of one track: references of (bytes, duration in `timescale`, starts with a keyframe).
struct SidxReference {
  uint32_t bytes = 0;
  uint32_t duration = 0;
  bool sync = false;
};
std::vector<uint8_t> sidx_box(uint32_t track_id, uint32_t timescale, uint64_t earliest_presentation_time,
                              std::span<const SidxReference> references);

// Sets the moof's sequence number and adds shift[track id] to each tfdt. Throws PlaybackError(segment_failed)
// when a time would become negative or not fit a version-0 tfdt.
void retime(std::span<uint8_t> moof, uint32_t sequence, std::span<const std::pair<uint32_t, int64_t>> shifts);

}  // namespace zc::playback::mp4
