#include "record_json.h"

#include "record_cli.h"

namespace zc::cli::record {

using nlohmann::json;

namespace {
json optional_ns(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }
}  // namespace

json to_json(const recorder::RecordingSummary& s) {
  return {{"recording_id", s.recording_id},
          {"stream", s.stream},
          {"trigger_wall_ns", s.trigger_wall_ns},
          {"trigger_time", format_wall(s.trigger_wall_ns)},
          {"preroll_requested_ns", s.preroll_requested_ns},
          {"preroll_achieved_ns", s.preroll_achieved_ns},
          {"start_wall_ns", s.start_wall_ns},
          {"end_wall_ns", s.end_wall_ns},
          {"segments", s.segments},
          {"frames", s.frames},
          {"audio_frames", s.audio_frames},
          {"bytes", s.bytes},
          {"frames_lost", s.frames_lost},
          {"gaps", s.gaps},
          {"clock_jumps", s.clock_jumps},
          {"writer_restarts", s.writer_restarts},
          {"end_reason", recorder::to_string(s.end_reason)},
          {"skipped_tracks", s.skipped_tracks},
          {"warnings", s.warnings},
          {"segment_paths", s.segment_paths}};
}

json to_json(const catalog::RecordingRow& r) {
  return {{"id", r.id},
          {"stream", r.stream_name},
          {"trigger_wall_ns", r.trigger_wall_ns},
          {"trigger_time", format_wall(r.trigger_wall_ns)},
          {"preroll_requested_ns", r.preroll_requested_ns},
          {"preroll_achieved_ns", optional_ns(r.preroll_achieved_ns)},
          {"postroll_ns", r.postroll_ns},
          {"max_length_ns", optional_ns(r.max_length_ns)},
          {"start_wall_ns", optional_ns(r.start_wall_ns)},
          {"end_wall_ns", optional_ns(r.end_wall_ns)},
          {"state", r.state},
          {"end_reason", r.end_reason},
          {"locked", r.locked},
          {"recorder_pid", r.recorder_pid},
          {"frames_lost", r.frames_lost}};
}

json to_json(const catalog::SegmentRow& s) {
  json j = {{"id", s.id},
            {"recording_id", s.recording_id},
            {"ordinal", s.ordinal},
            {"path", s.path},
            {"start_wall_ns", s.start_wall_ns},
            {"end_wall_ns", s.end_wall_ns},
            {"start_time", format_wall(s.start_wall_ns)},
            {"duration_90k", s.duration_90k},
            {"frames", s.frames},
            {"keyframes", s.keyframes},
            {"size_bytes", s.size_bytes},
            {"video_codec", s.video_codec},
            {"width", s.width},
            {"height", s.height},
            {"state", s.state},
            {"end_reason", s.end_reason}};
  if (!s.audio_codec.empty()) {
    j["audio_codec"] = s.audio_codec;
    j["audio_sample_rate"] = s.audio_sample_rate;
    j["audio_channels"] = s.audio_channels;
    j["audio_frames"] = s.audio_frames;
  }
  return j;
}

json to_json(const catalog::GapRow& g) {
  return {{"recording_id", g.recording_id}, {"start_wall_ns", g.start_wall_ns}, {"end_wall_ns", g.end_wall_ns},
          {"frames_lost", g.frames_lost},   {"reason", g.reason}};
}

json to_json(const recorder::CheckReport& r) {
  json rec = json::array();
  for (const auto& s : r.recovered) {
    rec.push_back({{"segment_id", s.segment_id}, {"path", s.path}, {"bytes_before", s.bytes_before},
                   {"bytes_after", s.bytes_after}, {"frames", s.frames}});
  }
  return {{"recovered", rec},
          {"interrupted_recordings", r.interrupted_recordings},
          {"finished_deletes", r.finished_deletes},
          {"missing_files", r.missing_files},
          {"orphan_files", r.orphan_files},
          {"removed_empty_files", r.removed_empty_files},
          {"unreadable", r.unreadable},
          {"overlapping", r.overlapping},
          {"repaired", r.repaired},
          {"consistent", r.consistent()}};
}

json to_json(const catalog::RetentionReport& r) {
  return {{"segments_deleted", r.segments_deleted},
          {"bytes_deleted", r.bytes_deleted},
          {"free_bytes_after", r.free_bytes_after},
          {"floor_unreachable", r.floor_unreachable},
          {"deleted_paths", r.deleted_paths}};
}

}  // namespace zc::cli::record
