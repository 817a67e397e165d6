#include <zc/playback/timeline.h>

#include <zc/playback/error.h>
#include <zc/playback/time_arg.h>
#include <zc/catalog/catalog.h>

#include <sys/stat.h>

#include <algorithm>

namespace zc::playback {

const TimelineKeyframe* TimelineSegment::keyframe_at_or_before(int64_t offset_ns) const noexcept {
  const TimelineKeyframe* best = nullptr;
  for (const auto& k : keyframes)
    if (k.offset_ns <= offset_ns + kKeyframeSlackNs) best = &k;
  return best;
}

Timeline Timeline::of_file(const std::filesystem::path& file) {
  Timeline t;
  t.label = file.string();
  TimelineSegment s;
  s.path = file;
  // The file's modification time anchors its frames on the wall clock: frames need a non-zero wall time (zero
  // means "now" to a ring writer) and a stable one, since a reader seeks in that clock.
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) s.start_wall_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (s.start_wall_ns <= 0) s.start_wall_ns = 1'000'000'000;
  t.segments.push_back(std::move(s));
  return t;
}

Timeline Timeline::of_catalog(const catalog::Catalog& catalog, const std::string& stream, int64_t from_wall_ns,
                              int64_t to_wall_ns, int64_t gap_tolerance_ns) {
  if (to_wall_ns <= from_wall_ns)
    throw PlaybackError(PlaybackErrc::invalid_argument, "the end of the range must be later than its start");
  Timeline t;
  t.label = "stream '" + stream + "'";
  t.from_wall_ns = from_wall_ns;
  t.to_wall_ns = to_wall_ns;
  catalog::TimeRange range;
  range.from_wall_ns = from_wall_ns;
  range.to_wall_ns = to_wall_ns;
  std::optional<int64_t> previous_end;
  const auto gaps = catalog.gaps(stream, range);
  for (const auto& row : catalog.segments(stream, range)) {
    TimelineSegment s;
    s.path = catalog.absolute_path(row);
    s.start_wall_ns = row.start_wall_ns;
    s.end_wall_ns = row.end_wall_ns;
    s.frames = row.frames;
    for (const auto& k : catalog.keyframes(row.id))
      s.keyframes.push_back({catalog::ticks90k_to_ns(k.media_offset_90k),
                             k.byte_offset > 0 ? std::optional<int64_t>(k.byte_offset) : std::nullopt});
    s.gap_before = previous_end && row.start_wall_ns - *previous_end > gap_tolerance_ns;
    for (const auto& g : gaps)
      if (g.start_wall_ns > row.start_wall_ns && g.end_wall_ns < row.end_wall_ns &&
          g.end_wall_ns - g.start_wall_ns > gap_tolerance_ns)
        s.resume_offsets_ns.push_back(g.end_wall_ns - row.start_wall_ns);
    std::sort(s.resume_offsets_ns.begin(), s.resume_offsets_ns.end());
    previous_end = row.end_wall_ns;
    t.segments.push_back(std::move(s));
  }
  if (t.segments.empty())
    throw PlaybackError(PlaybackErrc::nothing_to_play, "stream '" + stream + "' has no recording between " +
                                                           format_wall_time(from_wall_ns) + " and " +
                                                           format_wall_time(to_wall_ns));
  return t;
}

}  // namespace zc::playback
