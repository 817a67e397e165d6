#include <zc/catalog/error.h>
#include <zc/catalog/files.h>
#include <zc/catalog/retention.h>

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

namespace zc::catalog {

int64_t free_bytes(const std::filesystem::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) throw_io_error("statvfs " + dir.string(), errno);
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

namespace {

// Phase 2 of a delete: file and directory entry go, then the row.
void remove_marked_segment(Catalog& catalog, const SegmentRow& segment) {
  const auto path = catalog.absolute_path(segment);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_io_error("cannot delete " + path.string(), errno);
  std::error_code ec;
  if (std::filesystem::is_directory(path.parent_path(), ec)) fsync_dir(path.parent_path());
  catalog.delete_segment_row(segment.id);
  catalog.delete_recording_if_empty(segment.recording_id);
}

}  // namespace

void delete_segment(Catalog& catalog, const SegmentRow& segment) {
  // Phase 1: the row stops being visible to playback before the file goes; a crash after this is finished by
  // recovery.
  if (segment.state != "deleting") catalog.mark_segment_deleting(segment.id);
  remove_marked_segment(catalog, segment);
}

RetentionReport apply_retention(Catalog& catalog, const RetentionPolicy& policy, int64_t now_wall_ns,
                                const std::optional<std::string>& stream, const RetentionGuard& guard) {
  RetentionReport report;
  // Candidates: finished segments of unlocked recordings, oldest first.
  std::set<int64_t> locked;
  for (const auto& r : catalog.recordings(stream)) {
    if (r.locked) locked.insert(r.id);
  }
  std::vector<SegmentRow> candidates;
  for (auto& s : catalog.all_segments()) {
    if (stream && s.stream_name != *stream) continue;
    if (s.state != "complete" && s.state != "recovered") continue;
    if (locked.count(s.recording_id) != 0) continue;
    if (std::find(guard.keep_segment_ids.begin(), guard.keep_segment_ids.end(), s.id) != guard.keep_segment_ids.end()) {
      continue;
    }
    candidates.push_back(std::move(s));
  }
  // The running recording's own segments go last: everything else of the stream is older footage to give up
  // first (stable: oldest first within each part).
  std::stable_partition(candidates.begin(), candidates.end(), [&](const SegmentRow& s) {
    return !guard.live_recording_id || s.recording_id != *guard.live_recording_id;
  });
  std::vector<bool> gone(candidates.size(), false);
  // True when the segment went.
  auto remove = [&](size_t i) {
    gone[i] = true;
    // The candidates were listed before; a recording locked since (zcrec lock while this runs) keeps them.
    if (!catalog.mark_segment_deleting_if_unlocked(candidates[i].id)) return false;
    remove_marked_segment(catalog, candidates[i]);
    ++report.segments_deleted;
    if (guard.live_recording_id && candidates[i].recording_id == *guard.live_recording_id) ++report.live_segments_deleted;
    report.bytes_deleted += candidates[i].size_bytes;
    report.deleted_paths.push_back(candidates[i].path);
    return true;
  };

  if (policy.max_age_ns) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].end_wall_ns < now_wall_ns - *policy.max_age_ns) remove(i);
    }
  }
  if (policy.quota_bytes) {
    std::vector<std::string> names;
    if (stream) names.push_back(*stream);
    else for (const auto& s : catalog.streams()) names.push_back(s.name);
    for (const auto& name : names) {
      int64_t used = catalog.stream_bytes(name);
      for (size_t i = 0; i < candidates.size() && used > *policy.quota_bytes; ++i) {
        if (gone[i] || candidates[i].stream_name != name) continue;
        if (remove(i)) used -= candidates[i].size_bytes;
      }
    }
  }
  report.free_bytes_after = free_bytes(catalog.dir());
  if (policy.min_free_bytes) {
    for (size_t i = 0; i < candidates.size() && report.free_bytes_after < *policy.min_free_bytes; ++i) {
      if (gone[i]) continue;
      remove(i);
      report.free_bytes_after = free_bytes(catalog.dir());
    }
    report.floor_unreachable = report.free_bytes_after < *policy.min_free_bytes;
  }
  return report;
}

}  // namespace zc::catalog
