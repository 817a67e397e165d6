// Which recorded segments to delete, oldest first: per-stream byte quota, maximum age, and a free-space floor
// for the storage filesystem. Segments of locked recordings and segments still being written are never deleted;
// segments under a recent event are kept as long as anything else can go (event_max_age_ns).
// Each deletion is two-phase (row marked 'deleting', file unlinked, directory fsynced, row removed), so a crash
// at any point leaves either a playable row or a 'deleting' row that recovery finishes.
#pragma once

#include <zc/catalog/catalog.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace zc::catalog {

struct RetentionPolicy {
  std::optional<int64_t> quota_bytes;     // per stream
  std::optional<int64_t> max_age_ns;      // segments that ended longer ago are deleted
  std::optional<int64_t> min_free_bytes;  // delete (any stream, oldest first) until this much is free
  // Events keep their footage: a finished segment overlapping an event's span [start - preroll,
  // coalesce(end, +inf) + postroll] on its stream is protected while now < coalesce(end, now) + event_max_age_ns
  // (an open event protects for as long as it is open). max_age never deletes a protected segment; quota and
  // min_free delete every unprotected candidate first and protected ones only when nothing else is left.
  // Unset: events protect nothing (the other rules alone). On its own it deletes nothing, so any() ignores it.
  std::optional<int64_t> event_max_age_ns;
  // Object storage (docs/object-storage.md): the local file of a segment that has a confirmed S3 copy (location
  // 'both') and ended longer ago than this is removed; the row becomes 's3'. Never touches a 'local' segment.
  std::optional<int64_t> local_max_age_ns;
  bool any() const noexcept { return quota_bytes || max_age_ns || min_free_bytes || local_max_age_ns; }
};

// Deletes a segment's S3 copy (zcrecd passes one when storage.s3 is configured). Called after the row is marked
// 'deleting' and before it goes; a throw stops the pass with the row left 'deleting' (invisible to playback).
using RemoteDelete = std::function<void(const SegmentRow&)>;

// What a running recording protects when its own retention runs (RecorderOptions::retention): the segment it is
// writing and the one it just closed are never deleted, so the recording always keeps its newest segment. Its
// older segments are deleted only after every other candidate (and counted, so the recorder can warn).
struct RetentionGuard {
  std::optional<int64_t> live_recording_id;
  std::vector<int64_t> keep_segment_ids;
};

struct RetentionReport {
  int64_t segments_deleted = 0;
  int64_t live_segments_deleted = 0;  // of RetentionGuard::live_recording_id
  int64_t protected_segments_deleted = 0;  // under an event (quota or min_free had nothing else left)
  int64_t bytes_deleted = 0;
  int64_t free_bytes_after = 0;
  bool floor_unreachable = false;  // min_free could not be met without deleting locked or live segments
  std::vector<std::string> deleted_paths;
  int64_t local_copies_removed = 0;  // local files of segments kept in S3 (location both -> s3)
  int64_t local_bytes_removed = 0;
  int64_t remote_copies_deleted = 0;  // S3 copies deleted through RemoteDelete
};

// Applies the policy to every stream in the catalog, or only `stream` when given.
//
// Tiers (docs/object-storage.md): max_age deletes footage everywhere; a segment with an S3 copy is deleted only
// through `remote` (without it, such a segment is left for a pass that has one). quota and min_free are about the
// local disk: a segment's local bytes are what count (stream_bytes), and they first remove the local copies of
// segments kept in S3 (both -> s3, oldest first, nothing is lost), then delete segments in the order above.
RetentionReport apply_retention(Catalog& catalog, const RetentionPolicy& policy, int64_t now_wall_ns,
                                const std::optional<std::string>& stream = std::nullopt,
                                const RetentionGuard& guard = {}, const RemoteDelete& remote = {});

// Deletes a finished recording's segments two-phase, oldest first, for a user who asked for it (zcrecd's
// DELETE /api/v1/recordings/{id}). Each segment is marked only if the recording is still unlocked, in the same
// statement, so a lock taken meanwhile stops it (locked_meanwhile). The caller checks that the recording exists,
// is not locked and is not being written; the recording row goes with its last segment.
struct RecordingDeletion {
  int64_t segments_deleted = 0;
  int64_t bytes_deleted = 0;
  bool locked_meanwhile = false;
  bool unfinished_segment = false;  // a segment still 'writing' (a crash not yet recovered): stopped there
};
RecordingDeletion delete_recording(Catalog& catalog, int64_t recording_id);

// Deletes one segment two-phase (also used by `zcrec check --repair`).
void delete_segment(Catalog& catalog, const SegmentRow& segment);

// Free bytes for unprivileged writers on the filesystem holding `dir`.
int64_t free_bytes(const std::filesystem::path& dir);

}  // namespace zc::catalog
