// What a player or exporter walks through: media files in time order, each with the wall-clock time of its
// first frame, its keyframes (when a catalog knows them) and the gaps before and inside it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace zc::catalog {
class Catalog;
}

namespace zc::playback {

// A random-access point of a segment, from the catalog's keyframe index.
struct TimelineKeyframe {
  int64_t offset_ns = 0;  // from the segment's first frame
  // File offset of the moof of the fragment this keyframe begins (catalog: segment_keyframe.byte_offset). Read
  // through SegmentReader it is checked before it is trusted: docs/playback.md, "Seeking".
  std::optional<int64_t> moof_offset;
};

// Catalog offsets are 90 kHz ticks, a reader's are ns: a keyframe this close to a time is at it.
inline constexpr int64_t kKeyframeSlackNs = 1'000'000;

struct TimelineSegment {
  std::filesystem::path path;
  int64_t start_wall_ns = 0;  // wall time of the first frame; a plain file starts at its modification time
  std::optional<int64_t> end_wall_ns;  // from the catalog; a file that ends earlier is reported as truncated
  std::optional<int64_t> frames;       // from the catalog
  // The catalog's keyframe index of the segment, ascending (empty: unknown, e.g. a plain file).
  std::vector<TimelineKeyframe> keyframes;
  bool gap_before = false;  // time is missing between the previous segment's end and this one's start
  // Ends of the gaps inside the segment (a stream break the recorder kept in one segment because nothing changed
  // across it), as offsets from its first frame, ascending: the first frame at or after each follows a hole.
  std::vector<int64_t> resume_offsets_ns;

  // The newest indexed keyframe at or before `offset_ns` (within kKeyframeSlackNs), or nullptr.
  const TimelineKeyframe* keyframe_at_or_before(int64_t offset_ns) const noexcept;
};

struct Timeline {
  std::string label;  // the file or stream, for messages
  std::vector<TimelineSegment> segments;
  std::optional<int64_t> from_wall_ns;  // requested range; unset: from the first / to the last frame
  std::optional<int64_t> to_wall_ns;

  // One media file played from its first frame; its frames' wall times are the file's modification time plus
  // their offsets from the first frame.
  static Timeline of_file(const std::filesystem::path& file);
  // The stream's segments overlapping [from, to) in the catalog. A hole of more than `gap_tolerance_ns`
  // between one segment's end and the next one's start is a gap. Throws PlaybackError(nothing_to_play).
  static Timeline of_catalog(const catalog::Catalog& catalog, const std::string& stream, int64_t from_wall_ns,
                             int64_t to_wall_ns, int64_t gap_tolerance_ns = 100'000'000);
};

}  // namespace zc::playback
