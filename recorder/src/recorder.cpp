// The recording loop. Order of durable effects (docs/recording.md): recording row (with its liveness lock)
// -> segment file created, header written, file + directory fsynced -> segment row ('writing') -> per completed
// fragment: bytes written, then totals + keyframes of that fragment in one transaction -> trailer, fdatasync,
// row 'complete'. A crash anywhere leaves rows that point only at bytes that exist.
#include <zc/recorder/recorder.h>

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/writer_absence.h>
#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>
#include <zc/catalog/files.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recovery.h>

#include "g711_to_aac.h"
#include "rotation_policy.h"
#include "segment_writer.h"
#include "wall_clock_map.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <deque>
#include <functional>
#include <optional>
#include <thread>

namespace zc::recorder {

using catalog::Catalog;
using catalog::ClockJumpRow;
using catalog::GapRow;
using catalog::KeyframeEntry;
using catalog::NewRecording;
using catalog::NewSegment;
using catalog::RetentionGuard;
using catalog::SegmentProgress;
using catalog::UniqueFd;

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kDiskRetryNs = kSecond;
// How far the decode time across a break may disagree with the capture clock for a segment to go on across it:
// more than network jitter and the one-frame hold of a live source, less than any restarted writer's offset.
constexpr int64_t kBreakClockToleranceNs = kSecond;

int64_t rescale(int64_t v, fifo::Rational from, int64_t to_den) {
  // v * num / den in units of 1/to_den, without overflow for media timestamps.
  const __int128 x = static_cast<__int128>(v) * from.num * to_den;
  return static_cast<int64_t>(x / from.den);
}

// ns on a track's time base, rounded to the nearest tick.
int64_t ns_to_ticks(int64_t ns, fifo::Rational tb) {
  const __int128 den = static_cast<__int128>(tb.num) * kSecond;
  const __int128 x = static_cast<__int128>(ns) * tb.den;
  return static_cast<int64_t>((x >= 0 ? x + den / 2 : x - den / 2) / den);
}

std::string codec_name(fifo::Codec c) { return std::string(fifo::to_string(c)); }

std::string seconds_text(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

// The stream broke under a recording: its writer died or restarted, a camera reconnected, or the ring lost frames.
// The fragment being filled is written at the break, so what came before is durable while the recorder waits;
// nothing is recorded until the next video keyframe, where a gap row covers the break. The segment goes on
// across it when nothing a decoder or the timeline would notice changed (continue_across_break), else it is
// closed and a new one starts.
struct StreamBreak {
  int64_t since_wall_ns = 0;  // end of what was recorded before it
  int64_t frames_lost = 0;    // lost in the ring, or dropped while waiting for the keyframe
  std::string reason;         // gap reason: lapped | discontinuity
};

struct OpenSegment {
  std::optional<SegmentWriter> writer;
  int64_t id = 0;
  std::string path;
  SegmentParams params;
  int64_t start_mono_ns = 0;
  int64_t start_wall_ns = 0;
  int64_t first_pts = 0, first_dts = 0;  // video track time base
  int64_t last_dts = 0, last_dts_delta = 0;
  int64_t last_mono_ns = 0;  // capture time of the last video frame
  bool after_hole = false;   // the next video frame follows a break: its dts step is no frame duration
  // Added to every frame's pts/dts written after a break the segment went on across, so that each hole in the
  // file's timeline is as long as the break was on the capture clock (continue_across_break).
  int64_t hole_shift_ns = 0;
  int64_t frames = 0, keyframes = 0, audio_frames = 0;
  std::vector<KeyframeEntry> pending_keyframes;  // of the fragment still being filled
  // What the file holds in complete fragments, with the keyframes of those fragments that the catalog has not
  // taken yet (its write may have met a full disk): the row is closed with exactly this.
  SegmentProgress durable;

  int64_t duration_90k() const {
    if (frames == 0) return 0;
    return rescale(last_dts - first_dts + last_dts_delta, params.video.time_base, 90'000);
  }
  SegmentProgress totals(int64_t size_bytes) const {
    SegmentProgress p;
    p.duration_90k = duration_90k();
    p.end_wall_ns = start_wall_ns + catalog::ticks90k_to_ns(p.duration_90k);
    p.frames = frames;
    p.keyframes = keyframes;
    p.audio_frames = audio_frames;
    p.size_bytes = size_bytes;
    return p;
  }
};

// Reads the ring into memory on a thread while Recorder::start() waits for the catalog, so that the ring cannot
// overwrite the chosen pre-roll however long that takes. Past kMaxHeldBytes it stops reading: what the ring
// overwrites after that is reported as lost like any lap.
struct HeldFrame {
  fifo::Frame frame;
  std::shared_ptr<const fifo::StreamInfo> info;  // the reader's stream info in force for it
  bool end_of_stream = false;                    // the writer's end mark: nothing follows
};

class FrameHolder {
 public:
  explicit FrameHolder(fifo::RingReader& reader) : reader_(reader), thread_([this] { run(); }) {}
  FrameHolder(const FrameHolder&) = delete;
  FrameHolder& operator=(const FrameHolder&) = delete;
  ~FrameHolder() { stop(); }
  std::deque<HeldFrame> release() {
    stop();
    return std::move(frames_);
  }

 private:
  static constexpr size_t kMaxHeldBytes = 256u << 20;
  void stop() {
    if (!thread_.joinable()) return;
    stop_.store(true, std::memory_order_release);
    thread_.join();
  }
  void run() {
    fifo::Frame f;
    while (!stop_.load(std::memory_order_acquire)) {
      const auto st = bytes_ < kMaxHeldBytes ? reader_.try_read(f) : fifo::ReadStatus::empty;
      if (st == fifo::ReadStatus::frame || st == fifo::ReadStatus::end_of_stream) {
        bytes_ += f.payload.size() + sizeof f.header;
        if (!info_ || f.header.info_changed) info_ = std::make_shared<const fifo::StreamInfo>(reader_.stream_info());
        frames_.push_back(HeldFrame{std::move(f), info_, st == fifo::ReadStatus::end_of_stream});
        f = fifo::Frame{};
        if (st == fifo::ReadStatus::end_of_stream) return;  // nothing follows the end
        continue;
      }
      if (bytes_ >= kMaxHeldBytes || reader_.wait(std::chrono::milliseconds(20)) == fifo::WaitStatus::writer_gone) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }

  fifo::RingReader& reader_;
  std::deque<HeldFrame> frames_;
  std::shared_ptr<const fifo::StreamInfo> info_;
  size_t bytes_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace

struct Recorder::Impl {
  RecorderOptions opt;
  const Clock& clock;
  Catalog catalog;
  fifo::RingReader reader;
  UniqueFd lock_fd;
  RecordingSession session;
  RotationPolicy rotation;
  WallClockMap wall_clock;
  RecordingSummary sum;
  std::atomic<uint64_t> triggers{0}, stops{0};
  uint64_t triggers_seen = 0, stops_seen = 0;
  fifo::Frame frame;
  std::optional<OpenSegment> seg;
  int64_t ordinal = 0;
  bool started = false;     // first frame written
  std::optional<int64_t> resume_after_wall_ns;  // RecorderOptions::resume_after_recorded: the catalog's end
  bool over = false;
  int64_t last_frame_wall_ns = 0;  // wall_clock time of the last frame handled
  int64_t last_frame_mono_ns = 0;
  // The newest segment with frames that is closed: the recording's own retention keeps it.
  std::optional<int64_t> newest_closed_segment_id;
  // End of what segments and gap rows account for: a new gap starts here.
  std::optional<int64_t> covered_end_wall_ns;
  // Disk full: frames are dropped until a segment can be opened again.
  bool disk_full = false;
  int64_t disk_full_since_wall_ns = 0;
  int64_t disk_full_frames = 0;  // frames of the recorded tracks dropped or cut back during this pause
  int64_t next_disk_retry_mono_ns = 0;
  // A segment opened again after a pause: the pause is over only once a fragment of it is in the file.
  bool resuming = false;
  int64_t resume_wall_ns = 0;
  bool retention_full_warned = false;
  bool own_segments_warned = false;
  bool floor_warned = false;
  // Catalog writes that met a full disk, in order; replayed before anything else is written.
  std::deque<std::function<void(Catalog&)>> pending_writes;
  // Frames read from the ring while Recorder::start() waited for the catalog (held so the ring cannot lap them).
  std::deque<HeldFrame> held_frames;
  std::shared_ptr<const fifo::StreamInfo> held_info;  // of the held frame being handled, else null
  std::vector<uint32_t> skipped_track_ids;
  // G.711 is recorded as AAC: one encoder per recording, restarted when a segment closes (docs/recording.md).
  std::optional<G711ToAac> g711;
  fifo::TrackInfo g711_source;  // the track g711 was made for
  std::vector<AacPacket> aac_packets;
  std::optional<StreamBreak> stream_break;
  fifo::WriterAbsence writer_absence;

  Impl(RecorderOptions o, const Clock& c, Catalog cat, fifo::RingReader r, int64_t trigger_mono)
      : opt(std::move(o)),
        clock(c),
        catalog(std::move(cat)),
        reader(std::move(r)),
        session(opt.timing, trigger_mono),
        rotation(opt.segment_ns),
        wall_clock(opt.clock_jump_threshold_ns),
        writer_absence(opt.writer_grace_ns) {}

  void warn(const std::string& msg) {
    sum.warnings.push_back(msg);
    if (opt.on_warning) opt.on_warning(msg);
  }

  // Frames held while start() waited for the catalog come first.
  fifo::ReadStatus next_frame() {
    if (held_frames.empty()) {
      held_info.reset();
      return reader.try_read(frame);
    }
    const bool end = held_frames.front().end_of_stream;
    frame = std::move(held_frames.front().frame);
    held_info = std::move(held_frames.front().info);
    held_frames.pop_front();
    return end ? fifo::ReadStatus::end_of_stream : fifo::ReadStatus::frame;
  }

  // The stream info in force for the frame being handled.
  const fifo::StreamInfo& stream_info() const { return held_info ? *held_info : reader.stream_info(); }

  void apply_controls() {
    const uint64_t t = triggers.load(std::memory_order_acquire);
    const uint64_t s = stops.load(std::memory_order_acquire);
    if (t != triggers_seen) {
      triggers_seen = t;
      session.trigger(clock.mono_ns());
    }
    if (s != stops_seen) {
      stops_seen = s;
      session.stop(clock.mono_ns());
    }
  }

  // --- segments ---

  void open_segment(const fifo::FrameHeader& h, const SegmentParams& params) {
    const std::string rel = opt.stream + "/" + std::to_string(sum.recording_id) + "-" + std::to_string(ordinal) + ".mp4";
    const auto abs = opt.dir / rel;
    catalog::make_dirs(abs.parent_path());
    OpenSegment s;
    s.params = params;
    s.path = rel;
    const fifo::TrackInfo* audio = audio_in_file(params);
    SegmentWriterOptions wo{1'000'000, opt.fsync_fragments, h.pts - h.dts, h.dts, 0};
    if (g711) wo.audio_priming = g711->priming_samples();
    try {
      s.writer.emplace(SegmentWriter::create(abs, params.video, audio, wo));
    } catch (const std::runtime_error& e) {
      // The file was created (O_EXCL: it is ours) but its header did not fit: no name may stay taken by a file
      // that holds nothing, or the next attempt at this ordinal would fail on it.
      if (is_no_space(e)) {
        std::error_code ec;
        std::filesystem::remove(abs, ec);
      }
      throw;
    }
    s.start_mono_ns = h.mono_ns;
    const auto prev_end = catalog.stream_end_wall_ns(opt.stream);
    s.start_wall_ns = std::max(wall_clock.wall_at(h.mono_ns), prev_end.value_or(INT64_MIN));
    s.first_pts = h.pts;
    s.first_dts = h.dts;
    s.last_dts = h.dts;
    NewSegment row;
    row.recording_id = sum.recording_id;
    row.ordinal = ordinal;
    row.path = rel;
    row.start_wall_ns = s.start_wall_ns;
    row.start_pts_90k = rescale(h.pts, params.video.time_base, 90'000);
    row.video_codec = codec_name(params.video.codec);
    row.width = params.video.width;
    row.height = params.video.height;
    row.video_config = params.video.config;
    if (audio != nullptr) {
      row.audio_codec = "aac";
      row.audio_sample_rate = audio->sample_rate;
      row.audio_channels = audio->channels;
    }
    try {
      if (!flush_pending()) throw RecorderError(RecorderErrc::no_space, "catalog: database or disk is full");
      s.id = catalog.begin_segment(row);
    } catch (...) {
      // No row may be left pointing at a file we are about to drop, and no file without a row.
      s.writer->abandon();
      std::error_code ec;
      std::filesystem::remove(abs, ec);
      throw;
    }
    s.durable = s.totals(s.writer->durable_bytes());
    if (g711) {
      // The segment's AAC stream starts with its first video frame (decode time).
      aac_packets.clear();
      g711->start(s.writer->audio_time_of(h.dts), aac_packets);
      write_aac_packets(s);
    }
    ++ordinal;
    ++sum.segments;
    sum.segment_paths.push_back(rel);
    seg = std::move(s);
  }

  void close_segment(const std::string& end_reason) {
    if (!seg) return;
    OpenSegment& s = *seg;
    if (g711) {
      // The encoder holds the last ~2 AAC frames: they belong to this segment.
      aac_packets.clear();
      g711->flush(aac_packets);
      write_aac_packets(s);
    }
    s.writer->finish();
    if (s.frames > 0) confirm_resume();
    SegmentProgress p = s.totals(s.writer->durable_bytes());
    p.new_keyframes = std::move(s.durable.new_keyframes);
    p.new_keyframes.insert(p.new_keyframes.end(), s.pending_keyframes.begin(), s.pending_keyframes.end());
    sum.bytes += p.size_bytes;
    const int64_t id = s.id;
    seg.reset();
    covered_end_wall_ns = std::max(covered_end_wall_ns.value_or(INT64_MIN), p.end_wall_ns);
    last_frame_wall_ns = std::max(last_frame_wall_ns, p.end_wall_ns);
    newest_closed_segment_id = id;
    catalog_write([id, end_reason, p](Catalog& c) { c.finish_segment(id, "complete", end_reason, p); });
    after_segment();
  }

  // Retention of --quota/--max-age/--min-free. It never deletes the segment being written nor the newest closed
  // one, so a recording keeps at least its newest segment; deleting older segments of this very recording is
  // allowed (a recording that runs for weeks must not fill the disk) but said in a warning.
  void after_segment() {
    if (!opt.retention.any() || !pending_writes.empty()) return;
    RetentionGuard guard;
    guard.live_recording_id = sum.recording_id;
    if (seg) guard.keep_segment_ids.push_back(seg->id);
    if (newest_closed_segment_id) guard.keep_segment_ids.push_back(*newest_closed_segment_id);
    try {
      const auto r = catalog::apply_retention(catalog, opt.retention, clock.wall_ns(), std::nullopt, guard);
      forget_deleted(r.deleted_paths);
      if (r.live_segments_deleted > 0 && !own_segments_warned) {
        own_segments_warned = true;
        warn("retention deleted " + std::to_string(r.live_segments_deleted) +
             " of this recording's own older segments: the limits (--quota/--max-age/--min-free) cannot be met "
             "otherwise; the newest segment is always kept");
      }
      if (r.floor_unreachable && !floor_warned) {
        floor_warned = true;
        warn("--min-free cannot be met: only locked segments and this recording's newest one are left");
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

  // Segment paths that no longer exist leave the summary.
  void forget_deleted(const std::vector<std::string>& paths) {
    for (const auto& p : paths) {
      const auto it = std::find(sum.segment_paths.begin(), sum.segment_paths.end(), p);
      if (it == sum.segment_paths.end()) continue;
      sum.segment_paths.erase(it);
      --sum.segments;
    }
  }

  // --- catalog writes that may meet a full disk ---

  // Runs the write after those still pending; on a full disk it stays pending (in order) and the recording
  // pauses like for a segment write: the catalog and the segment files share the filesystem.
  void catalog_write(std::function<void(Catalog&)> w) {
    pending_writes.push_back(std::move(w));
    if (!flush_pending()) {
      enter_disk_full(RecorderError(RecorderErrc::no_space, "catalog: database or disk is full"),
                      last_frame_wall_ns);
    }
  }

  // False while the disk is still full.
  bool flush_pending() {
    while (!pending_writes.empty()) {
      try {
        pending_writes.front()(catalog);
      } catch (const std::runtime_error& e) {
        if (!is_no_space(e)) throw;
        return false;
      }
      pending_writes.pop_front();
    }
    return true;
  }

  // The disk (or the catalog) is full: keep what is durable, drop frames until space returns. The open
  // segment is cut back to its last complete fragment; the frames cut away count as lost in this pause, whose
  // gap starts where the kept part ends. `now_wall` is the wall time of the frame being handled.
  void enter_disk_full(const std::exception& e, int64_t now_wall) {
    std::optional<int64_t> cut_end;
    if (seg) {
      OpenSegment& s = *seg;
      s.writer->abandon();
      if (g711) g711.reset();  // its buffered audio went with the abandoned fragment
      SegmentProgress p = s.durable;
      const int64_t cut_video = s.frames - p.frames, cut_audio = s.audio_frames - p.audio_frames;
      sum.frames -= cut_video;
      sum.audio_frames -= cut_audio;
      const int64_t cut = cut_video + cut_audio;
      const int64_t id = s.id;
      const std::string rel = s.path;
      cut_end = p.frames > 0 ? p.end_wall_ns : s.start_wall_ns;
      seg.reset();
      if (p.frames > 0) {
        sum.bytes += p.size_bytes;
        newest_closed_segment_id = id;
        catalog_write_queued([id, p](Catalog& c) { c.finish_segment(id, "complete", "error", p); });
      } else {
        // Nothing of it reached the file: the segment goes, row first (two-phase, like retention).
        forget_deleted({rel});
        const auto abs = opt.dir / rel;
        catalog_write_queued([id, abs](Catalog& c) {
          c.mark_segment_deleting(id);
          std::error_code ec;
          std::filesystem::remove(abs, ec);
          c.delete_segment_row(id);
        });
      }
      if (resuming) {
        // Nothing of the segment that was to end the pause reached the file: the pause goes on.
        resuming = false;
        disk_full = true;
        disk_full_frames += cut;
      } else {
        start_pause(e, *cut_end, cut);
      }
    }
    if (!disk_full) start_pause(e, covered_end_wall_ns.value_or(now_wall), 0);
    covered_end_wall_ns = std::max(covered_end_wall_ns.value_or(INT64_MIN), cut_end.value_or(INT64_MIN));
    next_disk_retry_mono_ns = clock.mono_ns() + kDiskRetryNs;
    flush_pending();
  }

  void start_pause(const std::exception& e, int64_t since_wall, int64_t frames_cut) {
    disk_full = true;
    disk_full_since_wall_ns = since_wall;
    disk_full_frames = frames_cut;
    warn(std::string("storage full, recording paused until space returns: ") + e.what());
  }

  // Like catalog_write, without pausing (the caller is pausing already).
  void catalog_write_queued(std::function<void(Catalog&)> w) {
    pending_writes.push_back(std::move(w));
    flush_pending();
  }

  // Ends the pause at `until_wall`: its gap covers it, with every frame dropped or cut back meanwhile.
  void end_pause(int64_t until_wall) {
    disk_full = false;
    sum.frames_lost += disk_full_frames;
    GapRow g;
    g.recording_id = sum.recording_id;
    g.start_wall_ns = disk_full_since_wall_ns;
    g.end_wall_ns = std::max(until_wall, disk_full_since_wall_ns);
    g.frames_lost = disk_full_frames;
    g.reason = "disk_full";
    covered_end_wall_ns = std::max(covered_end_wall_ns.value_or(INT64_MIN), g.end_wall_ns);
    const int64_t lost = disk_full_frames, id = sum.recording_id;
    if (lost == 0 && g.end_wall_ns == g.start_wall_ns) return;  // only the catalog was full, for a moment
    catalog_write_queued([g](Catalog& c) { c.add_gap(g); });
    if (lost > 0) catalog_write_queued([id, lost](Catalog& c) { c.add_frames_lost(id, lost); });
    ++sum.gaps;
  }

  // --- frames ---

  bool is_audio(const fifo::FrameHeader& h) const {
    return seg && seg->params.audio && h.track == seg->params.audio->track_id;
  }

  void note_skipped_tracks(const fifo::StreamInfo& info, const SegmentParams& params) {
    for (const auto& t : info.tracks) {
      if (t.track_id == params.video.track_id || (params.audio && t.track_id == params.audio->track_id)) continue;
      if (std::find(skipped_track_ids.begin(), skipped_track_ids.end(), t.track_id) != skipped_track_ids.end()) continue;
      skipped_track_ids.push_back(t.track_id);
      const std::string why = t.codec == fifo::Codec::aac && t.config.empty()
                                  ? "the writer gave no AudioSpecificConfig, without which MP4 cannot describe AAC"
                                  : "only one H.264/H.265 video and one AAC or G.711 audio track are recorded";
      const std::string msg = "track " + std::to_string(t.track_id) + " (" + codec_name(t.codec) + "): " + why;
      sum.skipped_tracks.push_back(msg);
      warn("skipping " + msg);
    }
  }

  // --- breaks in the stream ---

  // Makes what came before the break durable at once (a restarting feeder or a camera coming back may take
  // seconds): the fragment being filled is written, or, where the segment cannot go on, it is closed. Nothing to
  // separate before the first segment; while the disk is full, frames are dropped anyway and the disk-full gap
  // covers the break.
  void begin_break(const char* reason) {
    if (stream_break || disk_full || sum.segments == 0) return;
    try {
      if (seg && g711) {
        // The transcoder's clock runs on from its first sample: a hole cannot be carried into its output.
        close_segment("discontinuity");
      } else if (seg) {
        OpenSegment& s = *seg;
        if (s.writer->flush_fragment()) publish_fragment(s);
        s.after_hole = true;
        last_frame_wall_ns = std::max(last_frame_wall_ns, s.totals(0).end_wall_ns);
      }
    } catch (const std::runtime_error& e) {
      if (!is_no_space(e)) throw;
      enter_disk_full(e, last_frame_wall_ns);
      return;
    }
    if (disk_full) return;  // writing it found the catalog full: the pause's gap covers the break
    stream_break = StreamBreak{last_frame_wall_ns, 0, reason};
  }

  // Whether the open segment can take `h`, the video keyframe that ends a break, as the first frame after a hole
  // in its timeline: the same parameters (a decoder notices nothing), decode time moving forward, and by about
  // as much as the capture clock did, so that the segment's media time still maps onto wall time (a camera that
  // reconnected through LiveSource, a reader that was lapped). A restarted feeder starts its timestamps anew.
  // If so, the hole is made exactly as long as the capture clock says (hole_shift_ns): the media step across a
  // break may be off by up to kBreakClockToleranceNs (a writer that stamps late under load), and the segment's
  // span and the gap row must tile the recording without a sliver of unaccounted time.
  bool continue_across_break(const fifo::FrameHeader& h, const SegmentParams& params) {
    OpenSegment& s = *seg;
    if (!(params == s.params)) return false;
    const int64_t dts = h.dts + ns_to_ticks(s.hole_shift_ns, s.params.video.time_base);
    const int64_t mono_step_ns = h.mono_ns - s.last_mono_ns;
    if (dts <= s.last_dts || mono_step_ns <= 0) return false;
    const int64_t media_step_ns = rescale(dts - s.last_dts, s.params.video.time_base, kSecond);
    if (std::abs(media_step_ns - mono_step_ns) > kBreakClockToleranceNs) return false;
    s.hole_shift_ns += mono_step_ns - media_step_ns;
    return true;
  }

  // `h` is the video keyframe that ends the break: the gap reaches up to it.
  void end_break(const fifo::FrameHeader& h) {
    const StreamBreak b = std::move(*stream_break);
    stream_break.reset();
    GapRow g;
    g.recording_id = sum.recording_id;
    g.start_wall_ns = b.since_wall_ns;
    g.end_wall_ns = std::max(b.since_wall_ns, wall_clock.wall_at(h.mono_ns));
    g.frames_lost = b.frames_lost;
    g.reason = b.reason;
    sum.frames_lost += b.frames_lost;
    covered_end_wall_ns = std::max(covered_end_wall_ns.value_or(INT64_MIN), g.end_wall_ns);
    ++sum.gaps;
    const int64_t id = sum.recording_id, lost = b.frames_lost;
    catalog_write([g](Catalog& c) { c.add_gap(g); });
    if (lost > 0) catalog_write([id, lost](Catalog& c) { c.add_frames_lost(id, lost); });
  }

  // The ring reported no writer. True while the recording waits for a new one (within the grace period).
  bool wait_for_new_writer() {
    const bool first_notice = !writer_absence.absent();
    if (!writer_absence.within_grace(clock.mono_ns())) return false;
    if (first_notice) {
      begin_break("discontinuity");
      warn("the writer of stream " + opt.stream + " is gone: waiting up to " +
           seconds_text(writer_absence.grace_ns()) + " for a new one");
    }
    return true;
  }

  void writer_present() {
    if (const auto away = writer_absence.writer_seen(clock.mono_ns())) {
      ++sum.writer_restarts;
      warn("stream " + opt.stream + " has a writer again after " + seconds_text(*away) +
           " without one: recording goes on from its next keyframe");
    }
  }

  void handle_frame(const fifo::FrameHeader& h, std::span<const std::byte> payload) {
    const auto params = params_of(stream_info());
    if (!params) return;
    const bool video = h.track == params->video.track_id;
    // Frames of the tracks that are recorded: the ones that count as written or lost.
    const bool recorded = video || (params->audio && h.track == params->audio->track_id);
    if (!started) {
      if (!video || !h.is_key()) return;  // the reader starts at a keyframe; anything else is not ours yet
      if (resume_after_wall_ns && h.wall_ns < *resume_after_wall_ns) return;  // recorded before a restart
      wall_clock.anchor(h.wall_ns, h.mono_ns, catalog.stream_end_wall_ns(opt.stream));
      session.first_frame(h.mono_ns);
      sum.start_wall_ns = wall_clock.wall_at(h.mono_ns);
      sum.preroll_achieved_ns = std::max<int64_t>(0, sum.trigger_mono_ns - h.mono_ns);
      last_frame_wall_ns = sum.start_wall_ns;
      started = true;
      const int64_t id = sum.recording_id, start = sum.start_wall_ns, pre = sum.preroll_achieved_ns;
      catalog_write([id, start, pre](Catalog& c) { c.set_recording_start(id, start, pre); });
    }
    if (h.lost_before > 0 || (h.flags & fifo::frame_flag::discontinuity) != 0) {
      // The break first: closing the segment may find the disk full, and the lost frames must then count there.
      begin_break(h.lost_before > 0 ? "lapped" : "discontinuity");
      if (disk_full) disk_full_frames += static_cast<int64_t>(h.lost_before);
    }
    if (stream_break) {
      stream_break->frames_lost += static_cast<int64_t>(h.lost_before);
      if (!video || !h.is_key()) {
        if (recorded) ++stream_break->frames_lost;  // a decoder could not use it without the frames before
        return;
      }
      end_break(h);
      try {
        if (seg && !continue_across_break(h, *params)) close_segment("discontinuity");
      } catch (const std::runtime_error& e) {
        if (!is_no_space(e)) throw;
        enter_disk_full(e, last_frame_wall_ns);
      }
    }
    note_skipped_tracks(stream_info(), *params);
    const int64_t frame_wall = wall_clock.wall_at(h.mono_ns);
    if (video) {
      // Realtime against monotonic as the injected clock sees it now: the host clock the writer stamps with.
      if (auto jump = wall_clock.observe(clock.wall_ns(), clock.mono_ns())) {
        const ClockJumpRow row{0, 0, sum.recording_id, jump->anchored_wall_ns, jump->reported_wall_ns, jump->jump_ns};
        catalog_write([row](Catalog& c) { c.add_clock_jump(row); });
        ++sum.clock_jumps;
        warn("wall clock jumped by " + std::to_string(jump->jump_ns / 1'000'000) +
             " ms against the monotonic clock; the recording timeline keeps monotonic time");
      }
      last_frame_wall_ns = std::max(last_frame_wall_ns, frame_wall);
      last_frame_mono_ns = h.mono_ns;
    }
    if (!recorded) return;

    if (disk_full && !try_resume(h, *params, frame_wall)) {
      ++disk_full_frames;
      return;
    }

    try {
      if (seg && video) {
        const RotateReason why = rotation.check(h, seg->params, *params, seg->start_mono_ns);
        if (why != RotateReason::none) close_segment(why == RotateReason::length ? "length" : "params_changed");
      }
      if (disk_full) {  // closing the segment met a full catalog
        ++disk_full_frames;
        return;
      }
      if (!seg) {
        if (!video || !h.is_key()) return;
        open_segment(h, *params);
      }
      write_frame(h, payload, video);
    } catch (const std::runtime_error& e) {
      if (!is_no_space(e)) throw;
      enter_disk_full(e, frame_wall);
      ++disk_full_frames;  // this frame did not make it into a complete fragment either
    }
  }

  // While paused: once a second, at a video keyframe, retention runs and a new segment is tried. True when
  // recording goes on with this frame.
  bool try_resume(const fifo::FrameHeader& h, const SegmentParams& params, int64_t frame_wall) {
    const bool video = h.track == params.video.track_id;
    if (!video || !h.is_key() || h.mono_ns < next_disk_retry_mono_ns) return false;
    next_disk_retry_mono_ns = h.mono_ns + kDiskRetryNs;
    if (!flush_pending()) return false;
    after_segment();
    try {
      open_segment(h, params);
    } catch (const std::runtime_error& e) {
      if (!is_no_space(e)) throw;
      return false;
    }
    disk_full = false;
    resuming = true;
    resume_wall_ns = frame_wall;
    return true;
  }

  // A fragment of the segment opened after a pause is in the file: now the recording has resumed.
  void confirm_resume() {
    if (!resuming) return;
    resuming = false;
    const int64_t lost = disk_full_frames;
    end_pause(resume_wall_ns);
    warn("storage has space again: recording resumed after dropping " + std::to_string(lost) + " frames");
  }


  // The audio track as the file carries it: AAC as it is, G.711 as the AAC its transcoder makes.
  const fifo::TrackInfo* audio_in_file(const SegmentParams& params) {
    if (!params.audio || !G711ToAac::handles(params.audio->codec)) {
      g711.reset();
      return params.audio ? &*params.audio : nullptr;
    }
    if (!g711 || g711_source != *params.audio) {
      g711.emplace(*params.audio);
      g711_source = *params.audio;
    }
    return &g711->aac_track();
  }

  void write_aac_packets(OpenSegment& s) {
    for (const AacPacket& a : aac_packets) {
      fifo::FrameHeader ah;
      ah.track = g711->aac_track().track_id;
      ah.flags = fifo::frame_flag::keyframe;
      ah.pts = ah.dts = a.pts;
      write_to_file(s, ah, std::as_bytes(std::span(a.data)));
      ++s.audio_frames;
      ++sum.audio_frames;
    }
    aac_packets.clear();
  }

  SegmentWriter::WriteResult write_to_file(OpenSegment& s, const fifo::FrameHeader& h,
                                           std::span<const std::byte> payload) {
    const auto r = s.writer->write(h, payload);
    if (r.fragment_completed) publish_fragment(s);
    return r;
  }

  // Everything written before is in the file now: publish it. `durable` says so before the catalog does, so
  // that a full catalog still closes the row with what the file really holds.
  void publish_fragment(OpenSegment& s) {
    SegmentProgress p = s.totals(s.writer->durable_bytes());
    p.new_keyframes = std::move(s.durable.new_keyframes);
    p.new_keyframes.insert(p.new_keyframes.end(), s.pending_keyframes.begin(), s.pending_keyframes.end());
    s.pending_keyframes.clear();
    s.durable = std::move(p);
    if (!flush_pending()) throw RecorderError(RecorderErrc::no_space, "catalog: database or disk is full");
    catalog.record_progress(s.id, s.durable);
    s.durable.new_keyframes.clear();
    if (s.durable.frames > 0) confirm_resume();
  }

  void write_frame(const fifo::FrameHeader& ring_header, std::span<const std::byte> payload, bool video) {
    OpenSegment& s = *seg;
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
    if (!video && g711) {
      aac_packets.clear();
      g711->push(h.pts, payload, aac_packets);
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
      ++sum.frames;
    } else {
      ++s.audio_frames;
      ++sum.audio_frames;
    }
  }

  void finish(EndReason why) {
    if (over) return;
    over = true;
    sum.end_reason = why;
    try {
      // A segment held open across a break that never ended (the writer did not come back) ended at the break.
      close_segment(stream_break ? "discontinuity" : "stopped");
    } catch (const std::runtime_error& e) {
      if (!is_no_space(e)) throw;
      enter_disk_full(e, last_frame_wall_ns);
    }
    if (disk_full) {
      // Ended while still paused: the gap covers the pause up to the end, and nothing resumed.
      end_pause(last_frame_wall_ns);
      warn("recording ended while storage was still full; " + std::to_string(sum.frames_lost) +
           " frames lost in all");
    }
    if (stream_break && stream_break->frames_lost > 0) {
      // Ended before the stream came back at a keyframe: the frames dropped since the break count, and a gap
      // up to the end holds them (a break with nothing dropped after it needs none: nothing came after it).
      sum.frames_lost += stream_break->frames_lost;
      GapRow g;
      g.recording_id = sum.recording_id;
      g.start_wall_ns = stream_break->since_wall_ns;
      g.end_wall_ns = std::max(stream_break->since_wall_ns, last_frame_wall_ns);
      g.frames_lost = stream_break->frames_lost;
      g.reason = stream_break->reason;
      ++sum.gaps;
      const int64_t id = sum.recording_id, lost = stream_break->frames_lost;
      pending_writes.push_back([g](Catalog& c) { c.add_gap(g); });
      pending_writes.push_back([id, lost](Catalog& c) { c.add_frames_lost(id, lost); });
    }
    stream_break.reset();
    sum.end_wall_ns = std::max(sum.start_wall_ns, last_frame_wall_ns);
    const int64_t id = sum.recording_id;
    const std::optional<int64_t> end = started ? std::optional<int64_t>(sum.end_wall_ns) : std::nullopt;
    const std::string reason = to_string(why);
    pending_writes.push_back([id, reason, end](Catalog& c) { c.finish_recording(id, "complete", reason, end); });
    flush_at_end();
  }

  // The last writes must reach the catalog: the space reserve (Catalog::keep_space_reserve) is there for them.
  // Should even that be gone, a few retries (another process may free space) come before the recording is left
  // to recovery (`zcrec check` closes it as interrupted once this process is gone).
  void flush_at_end() {
    for (int attempt = 0; !flush_pending(); ++attempt) {
      if (attempt == 20) {
        throw RecorderError(RecorderErrc::no_space,
                            "catalog: database or disk is full: the end of recording " +
                                std::to_string(sum.recording_id) + " could not be recorded (zcrec check closes it)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
};

Recorder Recorder::start(const RecorderOptions& options, const Clock& clock) {
  if (options.timing.preroll_ns < 0 || options.timing.postroll_ns < 0 || options.segment_ns <= 0 ||
      options.writer_grace_ns < 0 ||
      (options.timing.duration_ns && *options.timing.duration_ns < 0) ||
      (options.timing.max_length_ns && *options.timing.max_length_ns <= 0)) {
    throw RecorderError(RecorderErrc::invalid_argument, "durations must be positive");
  }
  if (auto why = fifo::check_stream_name(options.stream)) {
    throw RecorderError(RecorderErrc::invalid_argument, "bad stream name '" + options.stream + "': " + *why);
  }
  // The trigger is now, and the pre-roll keyframe is chosen and the reader put on it before the catalog is
  // touched: the catalog may be busy (another process in a write transaction, a long recovery) for seconds.
  fifo::ReaderOptions ro;
  ro.start = fifo::StartAt::newest_keyframe;
  ro.on_lapped = fifo::OnLapped::oldest_keyframe;
  ro.wait_for_stream = options.wait_for_stream;
  auto reader = fifo::RingReader::open(options.stream, ro);
  const auto& info = reader.refresh_stream_info();
  if (!params_of(info)) {
    throw RecorderError(RecorderErrc::no_stream, "stream " + options.stream + " has no H.264/H.265 video track");
  }

  // Pre-roll: T is the newest frame's capture time; start at the newest keyframe at or before T - pre-roll,
  // or the oldest one still in the ring. Retry if the writer overwrites our choice before we get there.
  int64_t trigger_mono = clock.mono_ns(), trigger_wall = clock.wall_ns();
  if (auto newest = reader.newest_frame_header()) {
    trigger_mono = newest->mono_ns;
    trigger_wall = newest->wall_ns;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto kf = reader.keyframe_at_or_before(trigger_mono - options.timing.preroll_ns);
    if (!kf) kf = reader.oldest_keyframe();
    if (!kf || reader.seek_to(*kf)) break;
  }

  // While the catalog work below waits, the ring goes on (and may overwrite the pre-roll): a thread keeps
  // reading into memory so that the recording still starts at the chosen keyframe.
  FrameHolder holder(reader);
  auto catalog = Catalog::open(options.dir);
  if (options.recover_on_start) {
    try {
      recover_unfinished(catalog);
    } catch (const std::runtime_error& e) {
      // Recovery is idempotent: on a full disk it is finished by the next start or `zcrec check`, and the
      // recording may still get its row (the catalog's own files need no new block for it).
      if (!is_no_space(e)) throw;
      if (options.on_warning) options.on_warning(std::string("recovery postponed, storage full: ") + e.what());
    }
  }
  catalog.keep_space_reserve();
  const int64_t now_wall = clock.wall_ns();
  catalog.ensure_stream(options.stream, now_wall);
  UniqueFd lock_fd = catalog::open_lock_file(options.dir / "recorders.lock");
  NewRecording nr;
  nr.stream_name = options.stream;
  nr.trigger_wall_ns = trigger_wall;
  nr.trigger_mono_ns = trigger_mono;
  nr.preroll_requested_ns = options.timing.preroll_ns;
  nr.postroll_ns = options.timing.postroll_ns;
  nr.max_length_ns = options.timing.max_length_ns;
  nr.recorder_pid = ::getpid();
  nr.kind = options.kind;
  const int64_t recording_id = catalog.begin_recording(nr, [&](int64_t id) {
    catalog::lock_byte(lock_fd.get(), id, options.dir / "recorders.lock");
  });
  std::deque<HeldFrame> held = holder.release();

  auto impl = std::make_unique<Impl>(options, clock, std::move(catalog), std::move(reader), trigger_mono);
  Impl& m = *impl;
  m.lock_fd = std::move(lock_fd);
  m.held_frames = std::move(held);
  m.sum.recording_id = recording_id;
  m.sum.stream = options.stream;
  m.sum.trigger_wall_ns = trigger_wall;
  m.sum.trigger_mono_ns = trigger_mono;
  m.sum.preroll_requested_ns = options.timing.preroll_ns;
  if (options.resume_after_recorded) m.resume_after_wall_ns = m.catalog.stream_end_wall_ns(options.stream);
  return Recorder(std::move(impl));
}

Recorder::Recorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Recorder::Recorder(Recorder&&) noexcept = default;
Recorder& Recorder::operator=(Recorder&&) noexcept = default;

Recorder::~Recorder() {
  if (!impl_ || impl_->over) return;
  try {
    impl_->finish(EndReason::error);
  } catch (...) {
    // Recovery closes what we could not: the liveness lock dies with us.
  }
}

void Recorder::trigger() noexcept { impl_->triggers.fetch_add(1, std::memory_order_release); }
void Recorder::stop() noexcept { impl_->stops.fetch_add(1, std::memory_order_release); }

bool Recorder::poll(std::chrono::milliseconds max_wait) {
  Impl& m = *impl_;
  if (m.over) return false;
  const int64_t deadline = m.clock.mono_ns() + max_wait.count() * 1'000'000;
  try {
    for (;;) {
      m.apply_controls();
      const auto st = m.next_frame();
      if (st == fifo::ReadStatus::end_of_stream) {
        // The writer's input is over (a finished file): no new writer is coming, so no grace to wait out.
        m.finish(EndReason::writer_gone);
        return false;
      }
      if (st == fifo::ReadStatus::frame) {
        // A frame after the writer was found gone is a new writer's, even one that died again before we waited.
        m.writer_present();
        const auto& h = m.frame.header;
        if (m.started && !m.session.accepts(h.mono_ns)) {
          m.finish(m.session.end_reason());
          return false;
        }
        m.handle_frame(h, std::as_bytes(std::span(m.frame.payload)));
        continue;
      }
      const int64_t now = m.clock.mono_ns();
      if (m.session.over_at(now) && (m.started || m.session.stopping())) {
        m.finish(m.session.end_reason());
        return false;
      }
      if (now >= deadline) return true;
      const int64_t until = std::min(deadline, m.session.end_mono_ns());
      const auto wait = std::chrono::milliseconds(std::clamp<int64_t>((until - now) / 1'000'000, 1, 100));
      if (m.reader.wait(wait) != fifo::WaitStatus::writer_gone) {
        m.writer_present();  // a live writer, or frames (the reader may have followed a recreated ring)
        continue;
      }
      const auto last = m.reader.try_read(m.frame);
      if (last == fifo::ReadStatus::end_of_stream) {
        m.finish(EndReason::writer_gone);
        return false;
      }
      if (last == fifo::ReadStatus::frame) {
        // A last frame slipped in before the writer left: handle it on the next turn.
        const auto& h = m.frame.header;
        if (!m.started || m.session.accepts(h.mono_ns)) m.handle_frame(h, std::as_bytes(std::span(m.frame.payload)));
        continue;
      }
      // The session's limits and stop requests still apply while waiting: the loop checks them each turn.
      if (!m.wait_for_new_writer()) {
        m.finish(EndReason::writer_gone);
        return false;
      }
    }
  } catch (...) {
    try {
      m.finish(EndReason::error);
    } catch (...) {
    }
    throw;
  }
}

const RecordingSummary& Recorder::run() {
  while (poll(std::chrono::milliseconds(200))) {
  }
  return impl_->sum;
}

const RecordingSummary& Recorder::summary() const noexcept { return impl_->sum; }

}  // namespace zc::recorder
