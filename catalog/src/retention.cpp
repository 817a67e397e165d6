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

// Phase 2 of a delete: the S3 copy (when there is one), file and directory entry go, then the row.
void remove_marked_segment(Catalog& catalog, const SegmentRow& segment, const RemoteDelete& remote = {}) {
  if (segment.location != "local" && remote) remote(segment);
  const auto path = catalog.absolute_path(segment);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_io_error("cannot delete " + path.string(), errno);
  std::error_code ec;
  if (std::filesystem::is_directory(path.parent_path(), ec)) fsync_dir(path.parent_path());
  catalog.delete_segment_row(segment.id);
  catalog.delete_recording_if_empty(segment.recording_id);
}

// retention.h's rule; Catalog::mark_segment_deleting_if_unprotected states it again in SQL, for the race with an
// event posted while retention runs. A segment's end is where the next one starts, so a segment that ends
// exactly where an event's span begins holds none of it.
bool protects(const EventRow& e, const SegmentRow& s, int64_t now_wall_ns, int64_t event_max_age_ns) {
  if (e.stream_id != s.stream_id) return false;
  if (e.start_wall_ns - e.preroll_ns >= s.end_wall_ns) return false;
  if (e.end_wall_ns && *e.end_wall_ns + e.postroll_ns < s.start_wall_ns) return false;
  return now_wall_ns < e.end_wall_ns.value_or(now_wall_ns) + event_max_age_ns;
}

// The local file of a segment kept in S3 goes, then the row says 's3'. In this order: a crash in between leaves a
// 'both' row without its file, which readers fall back from to S3 and the next pass finishes.
void remove_local_copy(Catalog& catalog, const SegmentRow& segment) {
  const auto path = catalog.absolute_path(segment);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_io_error("cannot delete " + path.string(), errno);
  std::error_code ec;
  if (std::filesystem::is_directory(path.parent_path(), ec)) fsync_dir(path.parent_path());
  catalog.set_segment_local_removed(segment.id);
}

// Who goes first under quota and min_free (oldest first within each): plain footage, then the running
// recording's older segments, then what events protect (the running recording's last among them).
int tier(bool is_protected, bool is_live) { return (is_protected ? 2 : 0) + (is_live ? 1 : 0); }

}  // namespace

void delete_segment(Catalog& catalog, const SegmentRow& segment) {
  // Phase 1: the row stops being visible to playback before the file goes; a crash after this is finished by
  // recovery.
  if (segment.state != "deleting") catalog.mark_segment_deleting(segment.id);
  remove_marked_segment(catalog, segment);
}

RecordingDeletion delete_recording(Catalog& catalog, int64_t recording_id) {
  RecordingDeletion d;
  for (const auto& s : catalog.segments_of_recording(recording_id))
    if (s.state == "writing") {
      d.unfinished_segment = true;  // nothing is deleted: a crash not yet recovered
      return d;
    }
  // Phase 1 for all of it at once: a lock taken from here on is refused, one taken before wins whole (an attacker
  // trial locked a recording between two segments' deletions and kept a locked recording without its start).
  if (catalog.mark_recording_deleting_if_unlocked(recording_id) == 0) {
    const auto r = catalog.recording(recording_id);
    d.locked_meanwhile = r && r->locked;
  }
  for (const auto& s : catalog.segments_of_recording(recording_id)) {
    if (s.state != "deleting") continue;
    remove_marked_segment(catalog, s);
    ++d.segments_deleted;
    d.bytes_deleted += s.size_bytes;
  }
  return d;
}

RetentionReport apply_retention(Catalog& catalog, const RetentionPolicy& policy, int64_t now_wall_ns,
                                const std::optional<std::string>& stream, const RetentionGuard& guard,
                                const RemoteDelete& remote) {
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
  // Events that can still protect something: open, or ended less than event_max_age ago (the exact rule is
  // protects(); the range is a superset of it).
  std::vector<EventRow> events;
  if (policy.event_max_age_ns) {
    TimeRange recent;
    if (now_wall_ns > INT64_MIN + *policy.event_max_age_ns) recent.from_wall_ns = now_wall_ns - *policy.event_max_age_ns;
    events = catalog.events(stream, recent);
  }
  auto live = [&](const SegmentRow& s) { return guard.live_recording_id && s.recording_id == *guard.live_recording_id; };
  std::vector<bool> is_protected;
  is_protected.reserve(candidates.size());
  for (const auto& s : candidates) {
    is_protected.push_back(std::any_of(events.begin(), events.end(), [&](const EventRow& e) {
      return protects(e, s, now_wall_ns, *policy.event_max_age_ns);
    }));
  }
  std::vector<size_t> order(candidates.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Local copies of segments kept in S3 go before anything is deleted (nothing is lost), oldest first.
  auto in_s3 = [&](size_t i) { return candidates[i].location == "both" ? 0 : 1; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::pair(in_s3(a), tier(is_protected[a], live(candidates[a]))) <
           std::pair(in_s3(b), tier(is_protected[b], live(candidates[b])));
  });
  std::vector<bool> gone(candidates.size(), false);
  // A 'both' segment's local file goes (the row stays, 's3'): under quota and min_free, and local_max_age.
  auto drop_local = [&](size_t i) {
    remove_local_copy(catalog, candidates[i]);
    candidates[i].location = "s3";
    ++report.local_copies_removed;
    report.local_bytes_removed += candidates[i].size_bytes;
  };
  // True when the segment went.
  auto remove = [&](size_t i) {
    // A segment with an S3 copy is deleted only where that copy can be deleted too.
    if (candidates[i].location != "local" && !remote) return false;
    gone[i] = true;
    // The candidates were listed before; a recording locked since (zcrec lock while this runs) keeps them, and
    // so does an event posted since over a segment believed unprotected.
    const bool marked = policy.event_max_age_ns && !is_protected[i]
                            ? catalog.mark_segment_deleting_if_unprotected(candidates[i].id, now_wall_ns,
                                                                           *policy.event_max_age_ns)
                            : catalog.mark_segment_deleting_if_unlocked(candidates[i].id);
    if (!marked) return false;
    remove_marked_segment(catalog, candidates[i], remote);
    if (candidates[i].location != "local") ++report.remote_copies_deleted;
    ++report.segments_deleted;
    if (live(candidates[i])) ++report.live_segments_deleted;
    if (is_protected[i]) ++report.protected_segments_deleted;
    report.bytes_deleted += candidates[i].size_bytes;
    report.deleted_paths.push_back(candidates[i].path);
    return true;
  };

  if (policy.max_age_ns) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!is_protected[i] && candidates[i].end_wall_ns < now_wall_ns - *policy.max_age_ns) remove(i);
    }
  }
  if (policy.local_max_age_ns) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!gone[i] && candidates[i].location == "both" &&
          candidates[i].end_wall_ns < now_wall_ns - *policy.local_max_age_ns)
        drop_local(i);
    }
  }
  // Under quota and min_free a segment frees local bytes: its local copy when it is in S3, else itself.
  auto free_local = [&](size_t i) {
    if (gone[i] || candidates[i].location == "s3") return false;
    if (candidates[i].location == "both") {
      drop_local(i);
      return true;
    }
    return remove(i);
  };
  if (policy.quota_bytes) {
    std::vector<std::string> names;
    if (stream) names.push_back(*stream);
    else for (const auto& s : catalog.streams()) names.push_back(s.name);
    for (const auto& name : names) {
      int64_t used = catalog.stream_bytes(name);
      for (size_t k = 0; k < order.size() && used > *policy.quota_bytes; ++k) {
        const size_t i = order[k];
        if (candidates[i].stream_name != name) continue;
        if (free_local(i)) used -= candidates[i].size_bytes;
      }
    }
  }
  report.free_bytes_after = free_bytes(catalog.dir());
  if (policy.min_free_bytes) {
    for (size_t k = 0; k < order.size() && report.free_bytes_after < *policy.min_free_bytes; ++k) {
      const size_t i = order[k];
      if (!free_local(i)) continue;
      report.free_bytes_after = free_bytes(catalog.dir());
    }
    report.floor_unreachable = report.free_bytes_after < *policy.min_free_bytes;
  }
  return report;
}

}  // namespace zc::catalog
