// `zcrec feed SOURCE --stream NAME`: the writer side of a live ring, fed from anything libavformat opens or
// from the synthetic camera `testsrc`. Frames are paced by their timestamps (as a camera would deliver them)
// unless --max-rate; live sources (network URLs, `-`, FIFOs, devices, --live) are never paced a second time.
#include "cli_units.h"
#include "commands.h"
#include "record_cli.h"
#include "stop_signals.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/ring_writer.h>
#include <zc/ingest/rtsp_source.h>
#include <zc/ingest/source_kind.h>
#include <zc/media/annexb_pipe.h>
#include <zc/media/live_source.h>
#include <zc/media/source.h>
#include <zc/media/source_url.h>
#include <zc/media/test_source.h>

extern "C" {
#include <libavutil/log.h>
}

#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>

namespace zc::cli {

namespace {

struct FeedOptions {
  std::string source;
  ingest::SourceChoice choice;  // what `source` is, decided once when feed starts (zc::ingest::classify_source)
  std::string stream;
  bool loop = false;
  bool max_rate = false;
  bool live = false;
  uint64_t ring_size = 64ULL << 20;
  double duration_s = 0;
  int64_t frames = 0;
  bool group_access = false;
  bool verbose = false;
  std::vector<std::string> input_options;
  std::string batch_reads = "auto";  // network cameras: read in batches while no every-frame reader is attached
  std::string demuxer = "native";  // live pipes: raw H.264/H.265 cut by zcrec, or everything by libavformat
  // network sources
  bool once = false;
  std::string rtsp_transport = "tcp";
  std::string rtsp_client = "native";
  double read_timeout_s = 10;
  std::string password_file;
  // testsrc
  std::string size = "1280x720";
  int fps = 30;
  double gop_s = 2;
  std::string codec = "h264";
  int bit_depth = 8;
  int bframes = 0;
  uint64_t bitrate = 2'000'000;
  bool audio = false;
  double testsrc_loop_s = 0;
};

double seconds(int64_t t, fifo::Rational tb) { return static_cast<double>(t) * tb.num / tb.den; }
int64_t in_time_base(double s, fifo::Rational tb) { return std::llround(s * tb.den / tb.num); }

media::SourceOptions source_options(const FeedOptions& o) {
  media::SourceOptions s;
  for (const auto& kv : o.input_options) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw std::runtime_error("--input-option wants KEY=VALUE, got '" + kv + "'");
    s.format_options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (o.choice.is_rtsp()) s.format_options.emplace("rtsp_transport", o.rtsp_transport);
  return s;
}

// The URL handed to libavformat: the password comes from --password-file or $ZCREC_SOURCE_PASSWORD when given,
// so it never has to be on the command line (visible in `ps`).
std::string source_url(const FeedOptions& o) {
  std::string password;
  if (!o.password_file.empty()) {
    std::ifstream in(o.password_file);
    if (!in) throw std::runtime_error("cannot read --password-file " + o.password_file);
    std::getline(in, password);
  } else if (const char* env = std::getenv("ZCREC_SOURCE_PASSWORD"); env != nullptr && *env != '\0') {
    password = env;
  } else {
    return o.source;
  }
  return media::with_password(o.source, password);
}

// What feed tells about its source: each state change on stderr, and the status itself in the ring for any
// process (`zcrec stat`), published on each change and at most once a second for the counters. Credentials are
// redacted before anything is shown or stored.
class SourceReport {
 public:
  // Lines name the stream: under zcrecd every camera's ingest shares the daemon's log.
  SourceReport(std::string stream, const fifo::Clock& clock) : stream_(std::move(stream)), clock_(clock) {}

  void attach(fifo::RingWriter& writer) {
    writer_ = &writer;
    publish(last_);
  }

  void changed(const fifo::SourceStatus& s) {
    if (s.state == fifo::SourceState::connecting && s.connections == 0 && s.last_error.empty()) {
      std::fprintf(stderr, "zcrec feed [%s]: connecting to %s\n", stream_.c_str(), s.url.c_str());
    } else if (s.state == fifo::SourceState::streaming && s.state != last_.state) {
      std::fprintf(stderr, "zcrec feed [%s]: streaming from %s (connection %llu)\n", stream_.c_str(), s.url.c_str(),
                   static_cast<unsigned long long>(s.connections));
    } else if (s.state == fifo::SourceState::waiting_to_retry) {
      const double in_s = static_cast<double>(s.next_attempt_wall_ns - clock_.wall_ns()) / 1e9;
      std::fprintf(stderr, "zcrec feed [%s]: %s; retrying in %.1f s\n", stream_.c_str(), s.last_error.c_str(),
                   std::max(0.0, in_s));
    }
    publish(s);
  }

  // Counters move with every frame: published once a second.
  void tick(const fifo::SourceStatus& s) {
    if (clock_.wall_ns() - published_at_ns_ >= 1'000'000'000) publish(s);
  }

  // Into the ring only: a file or testsrc has no connection worth a line on stderr.
  void publish(fifo::SourceStatus s) {
    last_ = s;
    if (writer_ == nullptr) return;
    published_at_ns_ = clock_.wall_ns();
    s.updated_wall_ns = published_at_ns_;
    writer_->publish_source(s);
  }

  std::string stream_;
  const fifo::Clock& clock_;
  fifo::RingWriter* writer_ = nullptr;
  fifo::SourceStatus last_;
  int64_t published_at_ns_ = 0;
};

// The stop check that runs for every frame (the feeder's and LiveSource's): each look at the signalfd is a
// read(2), and feed made two per frame for nothing while no one stops it. It looks at most every 100 ms (a stop
// of a camera process is seen that much later at most: nothing waits on it more closely); a sleep still ends at
// once (StopSignals::sleep_for polls the descriptor).
class FrameStopCheck {
 public:
  FrameStopCheck(StopSignals& signals, const fifo::Clock& clock) : signals_(signals), clock_(clock) {}

  bool requested() {
    if (seen_) return true;
    const int64_t now = clock_.mono_ns();
    if (now < next_look_ns_) return false;
    next_look_ns_ = now + kLookEveryNs;
    return seen_ = signals_.requested();
  }

  bool sleep_for(std::chrono::nanoseconds d) {
    if (seen_) return false;
    seen_ = !signals_.sleep_for(d);
    return !seen_;
  }

 private:
  static constexpr int64_t kLookEveryNs = 100'000'000;
  StopSignals& signals_;
  const fifo::Clock& clock_;
  bool seen_ = false;
  int64_t next_look_ns_ = 0;
};

// A network camera: reconnects with backoff; every state change goes to `report`. `may_batch`: see
// media::SourceOptions.
std::unique_ptr<media::LiveSource> open_live_source(const FeedOptions& o, FrameStopCheck& stop, SourceReport& report,
                                                    std::function<bool()> may_batch, const fifo::Clock& clock) {
  media::ReconnectPolicy policy;
  policy.once = o.once;
  policy.read_timeout = std::chrono::milliseconds(std::llround(o.read_timeout_s * 1000));
  media::StopHooks hooks;
  hooks.stop_requested = [&stop] { return stop.requested(); };
  hooks.sleep_for = [&stop](std::chrono::nanoseconds d) { return stop.sleep_for(d); };
  hooks.on_status = [&report](const fifo::SourceStatus& s) { report.changed(s); };
  // rtsp:// goes to zc::ingest's native client unless --rtsp-client libavformat; every other scheme to libavformat.
  media::ConnectionFactory connect;
  if (o.choice.scheme == "rtsp" && o.rtsp_client == "native") connect = ingest::make_connection_factory();
  media::SourceOptions options = source_options(o);
  options.may_batch = std::move(may_batch);
  return std::make_unique<media::LiveSource>(source_url(o), std::move(options), policy, std::move(hooks), clock,
                                             std::move(connect));
}

// `clock`, `may_batch`: see media::SourceOptions (live pipes only).
std::unique_ptr<media::PacketSource> open_source(const FeedOptions& o, const fifo::Clock& clock,
                                                 const std::function<bool()>& may_batch) {
  if (o.choice.kind == ingest::SourceKind::synthetic_camera) {
    media::TestSourceOptions t;
    std::smatch m;
    static const std::regex kSize(R"((\d{1,5})x(\d{1,5}))");
    if (!std::regex_match(o.size, m, kSize)) throw std::runtime_error("--size must look like 1920x1080");
    t.width = static_cast<uint32_t>(std::stoul(m[1]));
    t.height = static_cast<uint32_t>(std::stoul(m[2]));
    t.fps = o.fps;
    t.gop_seconds = o.gop_s;
    t.codec = o.codec == "h265" ? fifo::Codec::h265 : fifo::Codec::h264;
    t.bit_depth = o.bit_depth;
    t.bframes = o.bframes;
    t.bitrate = static_cast<int64_t>(o.bitrate);
    t.audio = o.audio;
    t.loop_seconds = o.testsrc_loop_s;
    return std::make_unique<media::TestSource>(t);
  }
  if (o.live || o.choice.kind == ingest::SourceKind::live_path) {
    media::SourceOptions options = source_options(o);
    options.clock = &clock;
    options.may_batch = may_batch;
    return media::open_live_pipe(o.source, options,
                                 o.demuxer == "libavformat" ? media::PipeDemuxer::libavformat : media::PipeDemuxer::native);
  }
  return std::make_unique<media::MediaSource>(o.source, source_options(o));
}

// Writes packets from one or more passes over the source into the ring.
class Feeder {
 public:
  // `after_frame` runs after every frame written (status counters).
  Feeder(const FeedOptions& o, fifo::RingWriter& writer, FrameStopCheck& stop, const fifo::Clock& clock,
         std::function<void()> after_frame)
      : o_(o),
        writer_(writer),
        clock_(clock),
        stop_(stop),
        // A network camera, a pipe, a FIFO, a socket or a device delivers frames as they happen: pacing them
        // again by their timestamps only adds a sleep per frame and a lag behind the camera.
        pace_(!o.max_rate && !o.live && !o.choice.is_live()),
        after_frame_(std::move(after_frame)) {}

  // One pass over `source`; returns false when feeding must stop (limit reached or stop requested).
  bool pass(media::PacketSource& source) {
    if (source.stream_info().tracks != writer_.stream_info().tracks) writer_.set_stream_info(source.stream_info());
    video_track_ = source.stream_info().first_of(fifo::MediaKind::video);
    media::MediaPacket p;
    have_pass_start_ = false;
    pass_end_s_ = 0;
    while (source.read(p)) {
      if (stop_.requested()) return false;
      const fifo::TrackInfo* track = source.stream_info().find(p.track);
      if (track == nullptr) continue;
      const double t = seconds(p.dts, track->time_base);
      if (!have_pass_start_) pass_start_s_ = t, have_pass_start_ = true;
      pass_end_s_ = std::max(pass_end_s_, t + seconds(p.duration, track->time_base));
      const double media_s = offset_s_ + t - pass_start_s_;
      if (o_.duration_s > 0 && media_s >= o_.duration_s) return false;
      if (pace_ && !wait_until(media_s)) return false;
      if (p.params_changed) writer_.set_stream_info(source.stream_info());

      if (should_drop(p, *track)) continue;

      fifo::FrameMeta meta;
      meta.track = p.track;
      meta.flags = p.keyframe ? fifo::frame_flag::keyframe : 0;
      if (p.discontinuity) meta.flags |= fifo::frame_flag::discontinuity;
      const int64_t shift = in_time_base(offset_s_, track->time_base);
      meta.pts = p.pts + shift;
      meta.dts = p.dts + shift;
      if (p.capture_mono_ns != 0 && p.capture_wall_ns != 0) {  // a network camera's capture clock (LiveSource)
        meta.mono_ns = p.capture_mono_ns;
        meta.wall_ns = p.capture_wall_ns;
      }
      writer_.write(meta, p.data.data(), p.data.size());
      if (after_frame_) after_frame_();
      ++frames_;
      bytes_ += p.data.size();
      if (video_track_ == nullptr || p.track == video_track_->track_id) ++counted_frames_;
      if (o_.frames > 0 && counted_frames_ >= o_.frames) return false;
    }
    // The next pass continues where this one ended, so timestamps keep increasing across loops.
    if (have_pass_start_) offset_s_ += pass_end_s_ - pass_start_s_;
    return true;
  }

  uint64_t frames() const { return frames_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t oversized() const { return oversized_; }

 private:
  // A frame larger than the ring accepts (a keyframe spike of a live camera) must not stop the camera: it is
  // dropped, counted in the ring (`zcrec stat`) and reported. After a video frame everything is dropped up to
  // the next video keyframe that fits, since the frames in between cannot be decoded without it; an audio frame
  // is one access unit on its own. The ring flags the next frame written as a discontinuity.
  bool should_drop(const media::MediaPacket& p, const fifo::TrackInfo& track) {
    const bool oversized = p.data.size() > writer_.max_frame_bytes();
    if (!oversized && resuming_ && p.keyframe && p.track == resume_track_) resuming_ = false;
    if (!oversized && !resuming_) return false;
    writer_.drop_frame(p.data.size());
    ++dropped_;
    if (oversized) {
      ++oversized_;
      std::fprintf(stderr,
                   "zcrec feed: dropped a frame of %zu bytes (track %u, pts %.3f s) larger than the limit of %zu "
                   "bytes for stream '%s'; resuming at the next keyframe that fits (a larger --ring-size avoids "
                   "this)\n",
                   p.data.size(), p.track, seconds(p.pts, track.time_base) + offset_s_, writer_.max_frame_bytes(),
                   o_.stream.c_str());
      if (track.kind == fifo::MediaKind::video) resuming_ = true, resume_track_ = track.track_id;
    }
    return true;
  }

  bool wait_until(double media_s) {
    // The clock starts with the first frame written, so the first frame goes out at once.
    if (clock_start_ns_ < 0) clock_start_ns_ = clock_.mono_ns() - static_cast<int64_t>(media_s * 1e9);
    const int64_t due = clock_start_ns_ + static_cast<int64_t>(media_s * 1e9);
    const int64_t wait = due - clock_.mono_ns();
    return wait <= 0 ? !stop_.requested() : stop_.sleep_for(std::chrono::nanoseconds(wait));
  }

  const FeedOptions& o_;
  fifo::RingWriter& writer_;
  const fifo::Clock& clock_;
  FrameStopCheck& stop_;
  bool pace_;
  const fifo::TrackInfo* video_track_ = nullptr;
  bool have_pass_start_ = false;
  double pass_start_s_ = 0;
  double pass_end_s_ = 0;
  double offset_s_ = 0;
  std::function<void()> after_frame_;
  int64_t clock_start_ns_ = -1;
  uint64_t frames_ = 0, bytes_ = 0;
  uint64_t dropped_ = 0, oversized_ = 0;
  bool resuming_ = false;  // dropping up to the next keyframe of resume_track_ that fits
  uint32_t resume_track_ = 0;
  int64_t counted_frames_ = 0;
};

void run_feed(const FeedOptions& o) {
  if (auto why = fifo::check_stream_name(o.stream)) throw std::runtime_error("bad stream name: " + *why);
  // FFmpeg's own log lines would repeat what the MediaError says; --verbose shows them for diagnosis.
  av_log_set_level(o.verbose ? AV_LOG_VERBOSE : AV_LOG_FATAL);
  StopSignals stop;
  const fifo::SystemClock clock;  // the command's one clock: status times, pacing, stop checks
  FrameStopCheck frame_stop(stop, clock);
  SourceReport report(o.stream, clock);
  std::unique_ptr<media::PacketSource> source;
  const media::LiveSource* live_source = nullptr;
  // A file or testsrc has no connection to describe: it streams until it ends.
  fifo::SourceStatus file_status;
  file_status.url = media::redact_credentials(o.source);
  file_status.state = fifo::SourceState::streaming;
  file_status.clock = fifo::ClockSource::arrival;
  file_status.connections = 1;
  fifo::RingOptions ring;
  ring.data_bytes = o.ring_size;
  ring.group_access = o.group_access;
  std::optional<fifo::RingWriter> writer;
  // While only keyframe-woken readers (recorders) are attached, a camera or a live pipe is read in batches
  // instead of once per picture (docs/ingest.md, "Batched reads"); a live viewer attaching turns it back within a
  // batch.
  std::function<bool()> may_batch;
  if (o.batch_reads == "auto") may_batch = [&writer] { return writer && !writer->has_every_frame_reader(); };
  if (o.choice.kind == ingest::SourceKind::network_camera) {
    auto live = open_live_source(o, frame_stop, report, may_batch, clock);
    // A camera that retries is watched through its ring from the start (state, attempts, last error: `zcrec
    // stat`, zcrecd), before it has told its tracks; with --once a camera that fails leaves no ring behind.
    if (!o.once) {
      writer.emplace(fifo::RingWriter::open(o.stream, ring));
      report.attach(*writer);
    }
    if (!live->connect()) {
      std::fprintf(stderr, "zcrec feed: stopped by signal before %s answered\n",
                   media::redact_credentials(o.source).c_str());
      return;
    }
    live_source = live.get();
    source = std::move(live);
  } else {
    source = open_source(o, clock, may_batch);
  }
  if (!writer) writer.emplace(fifo::RingWriter::open(o.stream, ring));
  writer->set_stream_info(source->stream_info());
  if (live_source == nullptr) report.publish(file_status);
  report.attach(*writer);
  Feeder feeder(o, *writer, frame_stop, clock,
                [&] { report.tick(live_source != nullptr ? live_source->status() : file_status); });
  // A pass that wrote nothing but dropped oversized frames would loop forever with --loop.
  while (feeder.pass(*source) && o.loop && o.choice.kind != ingest::SourceKind::synthetic_camera &&
         o.choice.kind != ingest::SourceKind::network_camera && feeder.frames() > 0)
    source = open_source(o, clock, may_batch);
  // A finite input that is over (or a --duration/--frames limit reached) is an end readers must not wait out;
  // a signal is not: a supervisor stopping the camera process usually starts it again.
  if (!stop.requested()) {
    writer->end_stream();
    fifo::SourceStatus ended = live_source != nullptr ? live_source->status() : file_status;
    ended.state = fifo::SourceState::ended;
    report.publish(ended);
  } else if (live_source != nullptr) {
    report.publish(live_source->status());  // the final counters
  }
  std::fprintf(stderr, "zcrec feed: wrote %llu frames (%llu bytes) to '%s'%s\n",
               static_cast<unsigned long long>(feeder.frames()), static_cast<unsigned long long>(feeder.bytes()),
               o.stream.c_str(), stop.requested() ? " (stopped by signal)" : "");
  if (feeder.dropped() > 0)
    std::fprintf(stderr, "zcrec feed: dropped %llu frames, %llu of them larger than the limit of %zu bytes\n",
                 static_cast<unsigned long long>(feeder.dropped()),
                 static_cast<unsigned long long>(feeder.oversized()), writer->max_frame_bytes());
  if (live_source != nullptr) {
    const auto& st = live_source->status();
    std::fprintf(stderr,
                 "zcrec feed: %llu reconnects, %llu RTP packets lost, %llu frames dropped (corrupt or waiting for a "
                 "keyframe), %llu timestamp jumps\n",
                 static_cast<unsigned long long>(st.reconnects), static_cast<unsigned long long>(st.packets_lost),
                 static_cast<unsigned long long>(st.frames_dropped),
                 static_cast<unsigned long long>(st.timestamp_jumps));
  }
  if (feeder.frames() == 0 && feeder.oversized() > 0)
    throw std::runtime_error("every frame of '" + media::redact_credentials(o.source) + "' was larger than the limit of " +
                             std::to_string(writer->max_frame_bytes()) + " bytes for stream '" + o.stream +
                             "' (a quarter of its ring; use a larger --ring-size)");
}

}  // namespace

void add_feed_command(CLI::App& app) {
  auto o = std::make_shared<FeedOptions>();
  auto* cmd = app.add_subcommand("feed", "Write frames from a file, URL or the synthetic camera into a live ring");
  cmd->add_option("SOURCE", o->source,
                  "anything libavformat opens (.h264, .h265, .mp4, .mkv, rtsp://, udp://) or 'testsrc'")
      ->required();
  cmd->add_option("--stream,-s", o->stream, "stream name: [A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")->required();
  cmd->add_flag("--loop", o->loop, "start the file again at its end, timestamps continuing");
  cmd->add_flag("--max-rate", o->max_rate, "write as fast as possible instead of in real time");
  cmd->add_flag("--live", o->live,
                "the source is live: write frames as they come, never paced (automatic for network URLs, '-' "
                "(stdin), FIFOs, sockets and devices)");
  cmd->add_option("--ring-size", o->ring_size, "data area of the ring, e.g. 64M (rounded up to a power of two)")
      ->transform(size_bytes())
      ->capture_default_str();
  cmd->add_option("--duration", o->duration_s, "stop after this much media time, e.g. 30s")
      ->transform(seconds_with_unit())
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--frames", o->frames, "stop after N video frames (all frames if there is no video)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--group-access", o->group_access, "create the ring readable by the group (0660)");
  cmd->add_flag("--verbose,-v", o->verbose, "show FFmpeg's own messages about the source");
  cmd->add_option("--input-option", o->input_options, "libavformat input option KEY=VALUE, e.g. probesize=500000");
  cmd->add_option("--demuxer", o->demuxer,
                  "live pipes ('-', FIFOs, sockets, devices, --live): raw H.264/H.265 split by zcrec (native) or "
                  "everything demuxed by libavformat; $ZCREC_FEED_DEMUXER sets it for feeds zcrecd starts")
      ->check(CLI::IsMember({"native", "libavformat"}))
      ->envname("ZCREC_FEED_DEMUXER")
      ->capture_default_str();
  auto* n = cmd->add_option_group("network", "Options for network cameras (rtsp://, rtmp://, http://, udp://, srt://)");
  n->add_flag("--once", o->once,
              "fail at the first error and end with the stream (default: reconnect with backoff, never end by itself)");
  n->add_option("--rtsp-transport", o->rtsp_transport, "RTSP over tcp (interleaved) or udp")
      ->check(CLI::IsMember({"tcp", "udp"}))
      ->capture_default_str();
  n->add_option("--rtsp-client", o->rtsp_client,
                "rtsp:// through zcrec's own client (native: cheaper per frame) or libavformat's (the fallback)")
      ->check(CLI::IsMember({"native", "libavformat"}))
      ->capture_default_str();
  n->add_option("--batch-reads", o->batch_reads,
                "native RTSP client and live pipes: while only recorders read the ring (no live viewer), read the "
                "source every 100 ms instead of once per picture (auto), or always per picture (off); "
                "$ZCREC_FEED_BATCH_READS sets it for feeds zcrecd starts")
      ->check(CLI::IsMember({"auto", "off"}))
      ->envname("ZCREC_FEED_BATCH_READS")
      ->capture_default_str();
  n->add_option("--read-timeout", o->read_timeout_s,
                "a camera that sends nothing for this long is reconnected, e.g. 10s")
      ->transform(seconds_with_unit())
      ->check(in_range(0.1, 86400.0))
      ->capture_default_str();
  n->add_option("--password-file", o->password_file,
                "read the camera's password from this file (first line) instead of the URL; the URL names the "
                "user: rtsp://admin@camera/stream. $ZCREC_SOURCE_PASSWORD does the same")
      ->check(CLI::ExistingFile);
  auto* t = cmd->add_option_group("testsrc", "Options of the synthetic camera (SOURCE = testsrc)");
  t->add_option("--size", o->size, "picture size WxH")->capture_default_str();
  t->add_option("--fps", o->fps, "frames per second")->check(in_range(1, 240))->capture_default_str();
  t->add_option("--gop", o->gop_s, "keyframe interval, e.g. 2s")->transform(seconds_with_unit())->capture_default_str();
  t->add_option("--codec", o->codec, "h264 or h265")->check(CLI::IsMember({"h264", "h265"}))->capture_default_str();
  t->add_option("--bit-depth", o->bit_depth, "8, or 10 for h265 Main10")->check(CLI::IsMember({8, 10}))
      ->capture_default_str();
  t->add_option("--bframes", o->bframes, "B-frames between references")->check(in_range(0, 16))
      ->capture_default_str();
  t->add_option("--bitrate", o->bitrate, "bit/s, e.g. 4M (k = 1000)")->transform(bits_per_second())->capture_default_str();
  t->add_flag("--audio", o->audio, "add an AAC track (48 kHz sine)");
  t->add_option("--testsrc-loop", o->testsrc_loop_s, "length of the pre-encoded loop (default one GOP), e.g. 4s")
      ->transform(seconds_with_unit());
  cmd->callback([o] {
    o->choice = ingest::classify_source(o->source);
    run_feed(*o);
  });
}

}  // namespace zc::cli
