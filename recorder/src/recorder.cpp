// The recording loop. Order of durable effects (docs/recording.md): recording row (with its liveness lock)
// -> segment file created, header written, file + directory fsynced -> segment row ('writing') -> per completed
// fragment: bytes written, then totals + keyframes of that fragment in one transaction -> trailer, fdatasync,
// row 'complete'. A crash anywhere leaves rows that point only at bytes that exist.
#include <zc/recorder/recorder.h>

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/writer_absence.h>
#include <zc/recorder/catalog.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recovery.h>

#include "file_util.h"
#include "g711_to_aac.h"
#include "rotation_policy.h"
#include "segment_writer.h"
#include "timeline.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace zc::recorder {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kDiskRetryNs = kSecond;

int64_t rescale(int64_t v, fifo::Rational from, int64_t to_den) {
  // v * num / den in units of 1/to_den, without overflow for media timestamps.
  const __int128 x = static_cast<__int128>(v) * from.num * to_den;
  return static_cast<int64_t>(x / from.den);
}

std::string codec_name(fifo::Codec c) { return std::string(fifo::to_string(c)); }

std::string seconds_text(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

// The stream broke under a recording: its writer died or restarted, or the ring lost frames. The segment was
// closed at the break; nothing is recorded until the next video keyframe, where a gap row covers the break and
// a new segment starts (the codec parameters may be different by then).
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
  int64_t frames = 0, keyframes = 0, audio_frames = 0;
  std::vector<KeyframeEntry> pending_keyframes;  // of the fragment still being filled
  SegmentProgress durable;                       // what the catalog row says

  int64_t duration_90k() const {
    if (frames == 0) return 0;
    return rescale(last_dts - first_dts + last_dts_delta, params.video.time_base, 90'000);
  }
  SegmentProgress totals(int64_t size_bytes) const {
    SegmentProgress p;
    p.duration_90k = duration_90k();
    p.end_wall_ns = start_wall_ns + ticks90k_to_ns(p.duration_90k);
    p.frames = frames;
    p.keyframes = keyframes;
    p.audio_frames = audio_frames;
    p.size_bytes = size_bytes;
    return p;
  }
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
  Timeline timeline;
  RecordingSummary sum;
  std::atomic<uint64_t> triggers{0}, stops{0};
  uint64_t triggers_seen = 0, stops_seen = 0;
  fifo::Frame frame;
  std::optional<OpenSegment> seg;
  int64_t ordinal = 0;
  bool started = false;     // first frame written
  bool over = false;
  int64_t last_frame_wall_ns = 0;  // timeline wall of the last frame handled
  int64_t last_frame_mono_ns = 0;
  // Disk full: frames are dropped until a segment can be opened again.
  bool disk_full = false;
  int64_t disk_full_since_wall_ns = 0;
  int64_t disk_full_frames = 0;
  int64_t next_disk_retry_mono_ns = 0;
  std::vector<std::pair<int64_t, SegmentProgress>> unfinished_rows;  // rows to close once the catalog can write
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
        timeline(opt.clock_jump_threshold_ns),
        writer_absence(opt.writer_grace_ns) {}

  void warn(const std::string& msg) {
    sum.warnings.push_back(msg);
    if (opt.on_warning) opt.on_warning(msg);
  }

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
    make_dirs(abs.parent_path());
    OpenSegment s;
    s.params = params;
    s.path = rel;
    const fifo::TrackInfo* audio = audio_in_file(params);
    SegmentWriterOptions wo{1'000'000, opt.fsync_fragments, h.pts - h.dts, h.dts, 0};
    if (g711) wo.audio_priming = g711->priming_samples();
    s.writer.emplace(SegmentWriter::create(abs, params.video, audio, wo));
    s.start_mono_ns = h.mono_ns;
    const auto prev_end = catalog.stream_end_wall_ns(opt.stream);
    s.start_wall_ns = std::max(timeline.wall_at(h.mono_ns), prev_end.value_or(INT64_MIN));
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
    SegmentProgress p = s.totals(s.writer->durable_bytes());
    p.new_keyframes = std::move(s.pending_keyframes);
    sum.bytes += p.size_bytes;
    const int64_t id = s.id;
    seg.reset();
    catalog.finish_segment(id, "complete", end_reason, p);
    last_frame_wall_ns = std::max(last_frame_wall_ns, p.end_wall_ns);
    after_segment();
  }

  void after_segment() {
    if (!opt.retention.any()) return;
    try {
      apply_retention(catalog, opt.retention, clock.wall_ns());
    } catch (const RecorderError& e) {
      warn(std::string("retention failed: ") + e.what());
    }
  }

  // The disk (or the catalog) is full: keep what is durable, drop frames until space returns.
  void enter_disk_full(const RecorderError& e) {
    if (seg) {
      OpenSegment& s = *seg;
      s.writer->abandon();
      if (g711) g711.reset();  // its buffered audio went with the abandoned fragment
      SegmentProgress p = s.durable;
      sum.bytes += p.size_bytes;
      unfinished_rows.emplace_back(s.id, p);
      seg.reset();
    }
    if (!disk_full) {
      disk_full = true;
      disk_full_since_wall_ns = last_frame_wall_ns;
      disk_full_frames = 0;
      warn(std::string("storage full, recording paused until space returns: ") + e.what());
    }
    next_disk_retry_mono_ns = clock.mono_ns() + kDiskRetryNs;
    flush_unfinished_rows();
  }

  void flush_unfinished_rows() {
    while (!unfinished_rows.empty()) {
      auto& [id, p] = unfinished_rows.back();
      try {
        catalog.finish_segment(id, "complete", "error", p);
      } catch (const RecorderError& e) {
        if (e.code() != RecorderErrc::no_space) throw;
        return;
      }
      unfinished_rows.pop_back();
    }
  }

  void leave_disk_full(int64_t now_wall) {
    disk_full = false;
    sum.frames_lost += disk_full_frames;
    GapRow g;
    g.recording_id = sum.recording_id;
    g.start_wall_ns = disk_full_since_wall_ns;
    g.end_wall_ns = std::max(now_wall, disk_full_since_wall_ns);
    g.frames_lost = disk_full_frames;
    g.reason = "disk_full";
    catalog.add_gap(g);
    catalog.add_frames_lost(sum.recording_id, disk_full_frames);
    ++sum.gaps;
    warn("storage has space again: recording resumed after dropping " + std::to_string(disk_full_frames) + " frames");
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

  // Closes the open segment at once, so that what came before the break is complete and playable while the
  // recorder waits (a restarting feeder may take seconds). Nothing to separate before the first segment; while
  // the disk is full, frames are dropped anyway and the disk-full gap covers the break.
  void begin_break(const char* reason) {
    if (stream_break || disk_full || sum.segments == 0) return;
    try {
      close_segment("discontinuity");
    } catch (const RecorderError& e) {
      if (e.code() != RecorderErrc::no_space) throw;
      enter_disk_full(e);
      return;
    }
    stream_break = StreamBreak{last_frame_wall_ns, 0, reason};
  }

  // `h` is the video keyframe that ends the break: the gap reaches up to it.
  void end_break(const fifo::FrameHeader& h) {
    const StreamBreak b = std::move(*stream_break);
    stream_break.reset();
    GapRow g;
    g.recording_id = sum.recording_id;
    g.start_wall_ns = b.since_wall_ns;
    g.end_wall_ns = std::max(b.since_wall_ns, timeline.wall_at(h.mono_ns));
    g.frames_lost = b.frames_lost;
    g.reason = b.reason;
    sum.frames_lost += b.frames_lost;
    catalog.add_gap(g);
    if (b.frames_lost > 0) catalog.add_frames_lost(sum.recording_id, b.frames_lost);
    ++sum.gaps;
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
    const auto params = params_of(reader.stream_info());
    if (!params) return;
    const bool video = h.track == params->video.track_id;
    if (!started) {
      if (!video || !h.is_key()) return;  // the reader starts at a keyframe; anything else is not ours yet
      timeline.anchor(h.wall_ns, h.mono_ns, catalog.stream_end_wall_ns(opt.stream));
      session.first_frame(h.mono_ns);
      sum.start_wall_ns = timeline.wall_at(h.mono_ns);
      sum.preroll_achieved_ns = std::max<int64_t>(0, sum.trigger_mono_ns - h.mono_ns);
      catalog.set_recording_start(sum.recording_id, sum.start_wall_ns, sum.preroll_achieved_ns);
      started = true;
    }
    if (h.lost_before > 0 || (h.flags & fifo::frame_flag::discontinuity) != 0) {
      // The break first: closing the segment may find the disk full, and the lost frames must then count there.
      begin_break(h.lost_before > 0 ? "lapped" : "discontinuity");
      if (disk_full) disk_full_frames += static_cast<int64_t>(h.lost_before);
    }
    if (stream_break) {
      stream_break->frames_lost += static_cast<int64_t>(h.lost_before);
      if (!video || !h.is_key()) {
        ++stream_break->frames_lost;  // a decoder could not use it without the frames before the break
        return;
      }
      end_break(h);
    }
    note_skipped_tracks(reader.stream_info(), *params);
    if (video) {
      // Realtime against monotonic as the injected clock sees it now: the host clock the writer stamps with.
      if (auto jump = timeline.observe(clock.wall_ns(), clock.mono_ns())) {
        catalog.add_clock_jump({0, 0, sum.recording_id, jump->anchored_wall_ns, jump->reported_wall_ns, jump->jump_ns});
        ++sum.clock_jumps;
        warn("wall clock jumped by " + std::to_string(jump->jump_ns / 1'000'000) +
             " ms against the monotonic clock; the recording timeline keeps monotonic time");
      }
      last_frame_wall_ns = std::max(last_frame_wall_ns, timeline.wall_at(h.mono_ns));
      last_frame_mono_ns = h.mono_ns;
    }

    if (disk_full) {
      ++disk_full_frames;
      if (!video || !h.is_key() || h.mono_ns < next_disk_retry_mono_ns) return;
      if (opt.retention.any()) after_segment();
      try {
        flush_unfinished_rows();
        open_segment(h, *params);
      } catch (const RecorderError& e) {
        if (e.code() != RecorderErrc::no_space) throw;
        next_disk_retry_mono_ns = h.mono_ns + kDiskRetryNs;
        return;
      }
      --disk_full_frames;  // this frame is recorded after all
      leave_disk_full(timeline.wall_at(h.mono_ns));
    }

    try {
      if (!seg) {
        if (!video || !h.is_key()) return;
        open_segment(h, *params);
      } else if (video) {
        const RotateReason why = rotation.check(h, seg->params, *params, seg->start_mono_ns);
        if (why != RotateReason::none) {
          close_segment(why == RotateReason::length ? "length" : "params_changed");
          open_segment(h, *params);
        }
      }
      write_frame(h, payload, video);
    } catch (const RecorderError& e) {
      if (e.code() != RecorderErrc::no_space) throw;
      enter_disk_full(e);
      ++disk_full_frames;
    }
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
    if (r.fragment_completed) {
      // Everything before this frame is in the file now: publish it.
      SegmentProgress p = s.totals(s.writer->durable_bytes());
      p.new_keyframes = std::move(s.pending_keyframes);
      s.pending_keyframes.clear();
      catalog.record_progress(s.id, p);
      p.new_keyframes.clear();
      s.durable = p;
    }
    return r;
  }

  void write_frame(const fifo::FrameHeader& h, std::span<const std::byte> payload, bool video) {
    OpenSegment& s = *seg;
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
        s.last_dts_delta = h.dts - s.last_dts;
        s.last_dts = h.dts;
      }
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
    std::string state = "complete";
    try {
      close_segment("stopped");
    } catch (const RecorderError& e) {
      if (e.code() != RecorderErrc::no_space) throw;
      enter_disk_full(e);
    }
    if (disk_full && started) {
      try {
        leave_disk_full(std::max(last_frame_wall_ns, disk_full_since_wall_ns));
      } catch (const RecorderError&) {
        state = "interrupted";
      }
    }
    flush_unfinished_rows();
    if (stream_break && stream_break->frames_lost > 0) {
      // Ended before the stream came back at a keyframe: the dropped frames count, the gap is past the end.
      sum.frames_lost += stream_break->frames_lost;
      catalog.add_frames_lost(sum.recording_id, stream_break->frames_lost);
    }
    stream_break.reset();
    sum.end_wall_ns = std::max(sum.start_wall_ns, last_frame_wall_ns);
    catalog.finish_recording(sum.recording_id, state, to_string(why),
                             started ? std::optional<int64_t>(sum.end_wall_ns) : std::nullopt);
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
  auto catalog = Catalog::open(options.dir);
  if (options.recover_on_start) check_storage(catalog, false);

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

  const int64_t now_wall = clock.wall_ns();
  catalog.ensure_stream(options.stream, now_wall);
  auto impl = std::make_unique<Impl>(options, clock, std::move(catalog), std::move(reader), trigger_mono);
  impl->lock_fd = open_lock_file(options.dir / "recorders.lock");
  NewRecording nr;
  nr.stream_name = options.stream;
  nr.trigger_wall_ns = trigger_wall;
  nr.trigger_mono_ns = trigger_mono;
  nr.preroll_requested_ns = options.timing.preroll_ns;
  nr.postroll_ns = options.timing.postroll_ns;
  nr.max_length_ns = options.timing.max_length_ns;
  nr.recorder_pid = ::getpid();
  Impl& m = *impl;
  m.sum.recording_id = m.catalog.begin_recording(nr, [&](int64_t id) {
    lock_byte(m.lock_fd.get(), id, options.dir / "recorders.lock");
  });
  m.sum.stream = options.stream;
  m.sum.trigger_wall_ns = trigger_wall;
  m.sum.trigger_mono_ns = trigger_mono;
  m.sum.preroll_requested_ns = options.timing.preroll_ns;
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
      const auto st = m.reader.try_read(m.frame);
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
