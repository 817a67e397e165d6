// A virtual MP4 of any time range of a stream, assembled from the catalog without re-encoding
// (docs/playback.md, "clip.mp4"): [ftyp][moov with edit lists starting presentation at `from`] then, for every
// fragment from the keyframe at or before `from` to the first keyframe at or after `to`, the segment's own moof
// (tfdt moved to the clip's timeline, sequence renumbered, same size) and its mdat. Only headers are read when
// the clip is built — the first segment's moov and every fragment's 8-byte box headers — so size() is known
// before the first byte and any byte range can be served on its own.
//
// Every segment file is opened when the clip is built and held until the clip is destroyed: retention that
// deletes a segment meanwhile unlinks a file this clip still reads, so a response never changes under a client.
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/fifo/unique_fd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace zc::playback {

struct ClipRequest {
  std::string stream;
  int64_t from_wall_ns = 0;  // CLOCK_REALTIME ns
  int64_t to_wall_ns = 0;    // > from_wall_ns
  // Opens a segment's bytes for reading: unset, the file at catalog.absolute_path(segment). zcrecd's reads a
  // segment whose local copy is gone from its S3 copy (docs/object-storage.md). Returns an open descriptor, or
  // one < 0 with errno set (the clip reports the segment as unreadable); may throw its own errors.
  std::function<fifo::UniqueFd(const catalog::SegmentRow&)> open_segment;
};

class ClipMp4 {
 public:
  // Throws PlaybackError: invalid_argument (to <= from), nothing_to_play (no footage in the range),
  // segment_failed (a segment file missing or not the fragmented MP4 the recorder writes).
  static ClipMp4 build(const catalog::Catalog& catalog, const ClipRequest& request);
  // The same over segments from elsewhere (the cluster catalog: several hosts, read through open_segment, which
  // must be set): `segments` in time order, not overlapping; path_of names a segment in errors; keyframes_of
  // gives its keyframe index, or nothing, and then the clip holds the first and last segments whole.
  static ClipMp4 build(std::vector<catalog::SegmentRow> segments, const ClipRequest& request,
                       const std::function<std::string(const catalog::SegmentRow&)>& path_of,
                       const std::function<std::vector<catalog::KeyframeEntry>(const catalog::SegmentRow&)>& keyframes_of);

  ClipMp4(ClipMp4&&) noexcept;
  ClipMp4& operator=(ClipMp4&&) noexcept;
  ~ClipMp4();

  int64_t size() const noexcept;
  // Strong validator: changes when any segment used (or its size) changes. Quoted, e.g. "zc-1f2e...".
  const std::string& etag() const noexcept;
  // Where presentation starts (from, or the first footage after it) and where the last fragment's footage ends.
  int64_t start_wall_ns() const noexcept;
  int64_t end_wall_ns() const noexcept;
  // Set when the codec parameters change inside the range: the clip ends at the first segment with the new
  // ones (its start), like one file of `zcrec export`.
  std::optional<int64_t> cut_at_wall_ns() const noexcept;
  int64_t fragments() const noexcept;

  // Copies clip bytes [offset, offset + out.size()) into out (offset + out.size() <= size()). Reads the files;
  // throws PlaybackError(segment_failed) when one no longer holds what the header promised.
  void read(int64_t offset, std::span<uint8_t> out) const;

  struct Impl;

 private:
  explicit ClipMp4(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::playback
