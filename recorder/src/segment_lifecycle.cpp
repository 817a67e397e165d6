#include "segment_lifecycle.h"

#include <zc/recorder/error.h>

#include "media_time.h"

#include <algorithm>

namespace zc::recorder {

using catalog::Catalog;
using catalog::KeyframeEntry;
using catalog::NewSegment;
using catalog::SegmentProgress;

int64_t OpenSegment::duration_90k() const {
  if (frames == 0) return 0;
  return rescale(last_dts - first_dts + last_dts_delta, params.video.time_base, 90'000);
}

SegmentProgress OpenSegment::totals(int64_t size_bytes) const {
  SegmentProgress p;
  p.duration_90k = duration_90k();
  p.end_wall_ns = start_wall_ns + catalog::ticks90k_to_ns(p.duration_90k);
  p.frames = frames;
  p.keyframes = keyframes;
  p.audio_frames = audio_frames;
  p.size_bytes = size_bytes;
  return p;
}

SegmentLifecycle::SegmentLifecycle(const RecorderOptions& options, Catalog& catalog, std::shared_ptr<StorageIo> io,
                                   RecordingSummary& summary, SegmentHost& host)
    : opt_(options), catalog_(catalog), io_(std::move(io)), sum_(summary), host_(host) {}

bool SegmentLifecycle::is_audio(const fifo::FrameHeader& h) const {
  return seg_ && seg_->params.audio && h.track == seg_->params.audio->track_id;
}

void SegmentLifecycle::open(const fifo::FrameHeader& h, const SegmentParams& params, int64_t timeline_wall_ns) {
  const std::string rel =
      opt_.stream + "/" + std::to_string(sum_.recording_id) + "-" + std::to_string(ordinal_) + ".mp4";
  const auto abs = opt_.dir / rel;
  io_->make_dirs(abs.parent_path());
  OpenSegment s;
  s.params = params;
  s.path = rel;
  const fifo::TrackInfo* audio = audio_in_file(params);
  SegmentWriterOptions wo{1'000'000, opt_.fsync_fragments, h.pts - h.dts, h.dts, 0, io_};
  if (g711_) wo.audio_priming = g711_->priming_samples();
  try {
    s.writer.emplace(SegmentWriter::create(abs, params.video, audio, wo));
  } catch (const std::runtime_error& e) {
    // The file was created (O_EXCL: it is ours) but its header did not fit: no name may stay taken by a file
    // that holds nothing, or the next attempt at this ordinal would fail on it.
    if (is_no_space(e)) io_->remove(abs);
    throw;
  }
  s.start_mono_ns = h.mono_ns;
  const auto prev_end = catalog_.stream_end_wall_ns(opt_.stream);
  s.start_wall_ns = std::max(timeline_wall_ns, prev_end.value_or(INT64_MIN));
  s.first_pts = h.pts;
  s.first_dts = h.dts;
  s.last_dts = h.dts;
  NewSegment row;
  row.recording_id = sum_.recording_id;
  row.ordinal = ordinal_;
  row.path = rel;
  row.start_wall_ns = s.start_wall_ns;
  row.start_pts_90k = rescale(h.pts, params.video.time_base, 90'000);
  row.video_codec = std::string(fifo::to_string(params.video.codec));
  row.width = params.video.width;
  row.height = params.video.height;
  row.video_config = params.video.config;
  if (audio != nullptr) {
    row.audio_codec = "aac";
    row.audio_sample_rate = audio->sample_rate;
    row.audio_channels = audio->channels;
  }
  try {
    if (!host_.flush_rows()) throw RecorderError(RecorderErrc::no_space, "catalog: database or disk is full");
    s.id = catalog_.begin_segment(row);
  } catch (...) {
    // No row may be left pointing at a file we are about to drop, and no file without a row.
    s.writer->abandon();
    io_->remove(abs);
    throw;
  }
  s.durable = s.totals(s.writer->durable_bytes());
  if (g711_) {
    // The segment's AAC stream starts with its first video frame (decode time).
    aac_packets_.clear();
    g711_->start(s.writer->audio_time_of(h.dts), aac_packets_);
    write_aac_packets(s);
  }
  ++ordinal_;
  ++sum_.segments;
  sum_.segment_paths.push_back(rel);
  seg_ = std::move(s);
}

void SegmentLifecycle::close(const std::string& end_reason) {
  if (!seg_) return;
  OpenSegment& s = *seg_;
  if (g711_) {
    // The encoder holds the last ~2 AAC frames: they belong to this segment.
    aac_packets_.clear();
    g711_->flush(aac_packets_);
    write_aac_packets(s);
  }
  s.writer->finish();
  if (s.frames > 0) host_.frames_durable(newest_capture_mono_ns_);
  SegmentProgress p = s.totals(s.writer->durable_bytes());
  p.new_keyframes = std::move(s.durable.new_keyframes);
  p.new_keyframes.insert(p.new_keyframes.end(), s.pending_keyframes.begin(), s.pending_keyframes.end());
  sum_.bytes += p.size_bytes;
  const int64_t id = s.id;
  seg_.reset();
  host_.segment_closed(id, p.end_wall_ns);
  host_.write_row([id, end_reason, p](Catalog& c) { c.finish_segment(id, "complete", end_reason, p); });
}

std::optional<CutSegment> SegmentLifecycle::cut_back() {
  if (!seg_) return std::nullopt;
  OpenSegment& s = *seg_;
  s.writer->abandon();
  if (g711_) g711_.reset();  // its buffered audio went with the abandoned fragment
  SegmentProgress p = s.durable;
  const int64_t cut_video = s.frames - p.frames, cut_audio = s.audio_frames - p.audio_frames;
  sum_.frames -= cut_video;
  sum_.audio_frames -= cut_audio;
  CutSegment cut;
  cut.frames_cut = cut_video + cut_audio;
  cut.kept_end_wall_ns = p.frames > 0 ? p.end_wall_ns : s.start_wall_ns;
  const int64_t id = s.id;
  const std::string rel = s.path;
  seg_.reset();
  if (p.frames > 0) {
    sum_.bytes += p.size_bytes;
    cut.kept_segment = id;
    host_.queue_row([id, p](Catalog& c) { c.finish_segment(id, "complete", "error", p); });
  } else {
    // Nothing of it reached the file: the segment goes, row first (two-phase, like retention).
    forget_deleted({rel});
    auto io = io_;
    const auto abs = opt_.dir / rel;
    host_.queue_row([id, abs, io](Catalog& c) {
      c.mark_segment_deleting(id);
      io->remove(abs);
      c.delete_segment_row(id);
    });
  }
  return cut;
}

void SegmentLifecycle::forget_deleted(const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    const auto it = std::find(sum_.segment_paths.begin(), sum_.segment_paths.end(), p);
    if (it == sum_.segment_paths.end()) continue;
    sum_.segment_paths.erase(it);
    --sum_.segments;
  }
}

int64_t SegmentLifecycle::write_out_at_break() {
  OpenSegment& s = *seg_;
  if (s.writer->flush_fragment()) publish_fragment(s);
  s.after_hole = true;
  return s.totals(0).end_wall_ns;
}

// The same parameters (a decoder notices nothing), decode time moving forward, and by about as much as the
// capture clock did, so that the segment's media time still maps onto wall time (a camera that reconnected
// through LiveSource, a reader that was lapped). A restarted feeder starts its timestamps anew. The hole is then
// made exactly as long as the capture clock says (hole_shift_ns): the media step across a break may be off by up
// to kBreakClockToleranceNs (a writer that stamps late under load), and the segment's span and the gap row must
// tile the recording without a sliver of unaccounted time.
bool SegmentLifecycle::continues_across_break(const fifo::FrameHeader& h, const SegmentParams& params) {
  // More than network jitter and the one-frame hold of a live source, less than any restarted writer's offset.
  constexpr int64_t kBreakClockToleranceNs = kSecond;
  OpenSegment& s = *seg_;
  if (!(params == s.params)) return false;
  const int64_t dts = h.dts + ns_to_ticks(s.hole_shift_ns, s.params.video.time_base);
  const int64_t mono_step_ns = h.mono_ns - s.last_mono_ns;
  if (dts <= s.last_dts || mono_step_ns <= 0) return false;
  const int64_t media_step_ns = rescale(dts - s.last_dts, s.params.video.time_base, kSecond);
  if (std::abs(media_step_ns - mono_step_ns) > kBreakClockToleranceNs) return false;
  s.hole_shift_ns += mono_step_ns - media_step_ns;
  return true;
}

// The audio track as the file carries it: AAC as it is, G.711 as the AAC its transcoder makes.
const fifo::TrackInfo* SegmentLifecycle::audio_in_file(const SegmentParams& params) {
  if (!params.audio || !G711ToAac::handles(params.audio->codec)) {
    g711_.reset();
    return params.audio ? &*params.audio : nullptr;
  }
  if (!g711_ || g711_source_ != *params.audio) {
    g711_.emplace(*params.audio);
    g711_source_ = *params.audio;
  }
  return &g711_->aac_track();
}

void SegmentLifecycle::write_aac_packets(OpenSegment& s) {
  for (const AacPacket& a : aac_packets_) {
    fifo::FrameHeader ah;
    ah.track = g711_->aac_track().track_id;
    ah.flags = fifo::frame_flag::keyframe;
    ah.pts = ah.dts = a.pts;
    write_to_file(s, ah, std::as_bytes(std::span(a.data)));
    ++s.audio_frames;
    ++sum_.audio_frames;
  }
  aac_packets_.clear();
}

SegmentWriter::WriteResult SegmentLifecycle::write_to_file(OpenSegment& s, const fifo::FrameHeader& h,
                                                           std::span<const std::byte> payload) {
  if (h.mono_ns != 0) newest_capture_mono_ns_ = h.mono_ns;
  const auto r = s.writer->write(h, payload);
  if (r.pts_raised && pts_raised_++ == 0)
    host_.warn("a frame's presentation time came before its decoding time (the source's timestamps are wrong); "
               "such frames are shown at their decoding time");
  if (r.fragment_completed) publish_fragment(s);
  return r;
}

// Everything written before is in the file now: publish it. `durable` says so before the catalog does, so
// that a full catalog still closes the row with what the file really holds.
void SegmentLifecycle::publish_fragment(OpenSegment& s) {
  SegmentProgress p = s.totals(s.writer->durable_bytes());
  p.new_keyframes = std::move(s.durable.new_keyframes);
  p.new_keyframes.insert(p.new_keyframes.end(), s.pending_keyframes.begin(), s.pending_keyframes.end());
  s.pending_keyframes.clear();
  s.durable = std::move(p);
  if (!host_.flush_rows()) throw RecorderError(RecorderErrc::no_space, "catalog: database or disk is full");
  catalog_.record_progress(s.id, s.durable);
  s.durable.new_keyframes.clear();
  if (s.durable.frames > 0) host_.frames_durable(newest_capture_mono_ns_);
}

void SegmentLifecycle::write_frame(const fifo::FrameHeader& ring_header, std::span<const std::byte> payload,
                                   bool video) {
  OpenSegment& s = *seg_;
  fifo::FrameHeader h = ring_header;
  if (s.hole_shift_ns != 0) {
    const fifo::TrackInfo* t = video ? &s.params.video : (is_audio(h) ? &*s.params.audio : nullptr);
    if (t != nullptr) {
      const int64_t shift = ns_to_ticks(s.hole_shift_ns, t->time_base);
      h.pts += shift;
      h.dts += shift;
    }
  }
  if (!video && !is_audio(h)) return;
  if (!video && g711_) {
    aac_packets_.clear();
    g711_->push(h.pts, payload, aac_packets_);
    write_aac_packets(s);
    return;
  }
  const auto r = write_to_file(s, h, payload);
  if (video) {
    if (s.frames > 0) {
      if (!s.after_hole) s.last_dts_delta = h.dts - s.last_dts;
      s.last_dts = h.dts;
    }
    s.after_hole = false;
    s.last_mono_ns = h.mono_ns;
    if (h.is_key()) {
      KeyframeEntry k;
      k.sample_number = s.frames;
      k.media_offset_90k = rescale(h.pts - s.first_pts, s.params.video.time_base, 90'000);
      k.wall_ns = s.start_wall_ns + (h.mono_ns - s.start_mono_ns);
      k.byte_offset = r.fragment_start;
      s.pending_keyframes.push_back(k);
      ++s.keyframes;
    }
    ++s.frames;
    ++sum_.frames;
  } else {
    ++s.audio_frames;
    ++sum_.audio_frames;
  }
}

}  // namespace zc::recorder
