// Retention (quota, max age, min free space) while recording (docs/recording.md, "Retention"). It never deletes
// the segment being written nor the newest closed one, so a recording keeps at least its newest segment;
// deleting older segments of this very recording is allowed (a recording that runs for weeks must not fill the
// disk) but said in a warning.
#include "recording.h"

#include <zc/catalog/error.h>
#include <zc/catalog/retention.h>

#include <set>
#include <string>
#include <vector>

namespace zc::recorder {

void Recorder::Impl::after_segment() {
  if (!opt.retention.any() || !rows.empty()) return;
  catalog::RetentionGuard guard;
  guard.live_recording_id = sum.recording_id;
  if (const OpenSegment* seg = segments.current()) guard.keep_segment_ids.push_back(seg->id);
  if (newest_closed_segment_id) guard.keep_segment_ids.push_back(*newest_closed_segment_id);
  try {
    const auto r = catalog::apply_retention(catalog, opt.retention, clock.wall_ns(), std::nullopt, guard);
    segments.forget_deleted(r.deleted_paths);
    if (r.live_segments_deleted > 0 && !own_segments_warned) {
      own_segments_warned = true;
      warn("retention deleted " + std::to_string(r.live_segments_deleted) +
           " of this recording's own older segments: the retention limits (quota, max age, min free space) cannot "
           "be met otherwise; the newest segment is always kept");
    }
    if (r.floor_unreachable && !floor_warned) {
      floor_warned = true;
      warn("the minimum free space cannot be met: only locked segments and this recording's newest one are left");
    }
  } catch (const catalog::CatalogError& e) {
    if (e.code() != catalog::CatalogErrc::no_space) {
      warn(std::string("retention failed: ") + e.what());
    } else if (!retention_full_warned) {
      retention_full_warned = true;  // it is retried with every attempt to resume
      warn(std::string("retention could not update the catalog on the full disk: ") + e.what());
    }
  }
}

void Recorder::Impl::forget_segments_deleted_elsewhere() {
  std::vector<catalog::SegmentRow> rows_now;
  try {
    rows_now = catalog.segments_of_recording(sum.recording_id);
  } catch (const catalog::CatalogError& e) {
    warn(std::string("cannot read this recording's segments back: ") + e.what());
    return;
  }
  std::set<std::string> present;
  for (const auto& s : rows_now)
    if (s.state != "deleting") present.insert(s.path);
  std::vector<std::string> gone;
  for (const auto& p : sum.segment_paths)
    if (!present.count(p)) gone.push_back(p);
  segments.forget_deleted(gone);
}

}  // namespace zc::recorder
