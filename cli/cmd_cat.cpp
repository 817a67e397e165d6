// `zcrec cat NAME`: one track of a live ring or playback fifo on stdout as an elementary stream that players
// read: Annex-B video, ADTS for AAC, raw bytes for G.711/Opus. The stream info's parameter sets are put in
// front of a keyframe only when the decoder has not seen them and the keyframe does not carry them itself,
// so a stream that has them in band (as cameras and x264/x265 send it) comes out byte for byte.
#include "cli_units.h"
#include "commands.h"
#include "record_cli.h"
#include "stop_signals.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/writer_absence.h>
#include <zc/media/adts.h>
#include <zc/media/annexb.h>

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace zc::cli {

namespace {

struct CatOptions {
  std::string stream;
  std::string start = "newest";
  int64_t frames = 0;
  double seconds = 0;
  std::string track = "";  // empty: video if there is one, else audio
  double wait_s = 0;
  std::optional<int64_t> writer_grace_ns;  // default: WriterAbsence::kDefaultGraceNs, as `zcrec start`
};


// stdout as a byte sink; a reader that went away (EPIPE) ends the command quietly.
class Output {
 public:
  bool write(const void* data, size_t n) {
    auto* p = static_cast<const char*>(data);
    while (n > 0) {
      const ssize_t w = ::write(STDOUT_FILENO, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EPIPE) return false;
      if (w < 0) throw std::runtime_error(std::string("writing to stdout: ") + std::strerror(errno));
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
};

fifo::StartAt start_at(const std::string& s) {
  if (s == "oldest") return fifo::StartAt::oldest_keyframe;
  if (s == "now") return fifo::StartAt::next_keyframe;
  return fifo::StartAt::newest_keyframe;
}

const fifo::TrackInfo* pick_track(const fifo::StreamInfo& info, const std::string& wanted) {
  if (wanted == "audio") return info.first_of(fifo::MediaKind::audio);
  if (wanted == "video") return info.first_of(fifo::MediaKind::video);
  if (auto* v = info.first_of(fifo::MediaKind::video)) return v;
  return info.first_of(fifo::MediaKind::audio);
}

class ElementaryWriter {
 public:
  explicit ElementaryWriter(Output& out) : out_(out) {}

  // Writes one frame of `track`; false when stdout is gone.
  bool write(const fifo::TrackInfo& track, const fifo::Frame& frame) {
    const std::span<const uint8_t> payload(frame.payload.data(), frame.payload.size());
    if (track.kind == fifo::MediaKind::video) {
      if (frame.header.is_key()) {
        if (media::annexb::carries_sps(track.codec, payload)) {
          decoder_config_ = track.config;
        } else if (decoder_config_ != track.config) {
          if (!out_.write(track.config.data(), track.config.size())) return false;
          decoder_config_ = track.config;
        }
      }
      return out_.write(payload.data(), payload.size());
    }
    if (track.codec == fifo::Codec::aac) {
      const auto config = media::adts::parse_audio_specific_config(track.config);
      if (!config) throw std::runtime_error("the AAC track's AudioSpecificConfig cannot be expressed as ADTS");
      const auto header = media::adts::header(*config, payload.size());
      if (!out_.write(header.data(), header.size())) return false;
    }
    return out_.write(payload.data(), payload.size());
  }

 private:
  Output& out_;
  std::vector<uint8_t> decoder_config_;  // parameter sets the consumer has seen last
};

// RingReader::open that waits up to `wait_s` for the stream to appear, in short slices so that SIGINT/SIGTERM
// (blocked and routed to StopSignals) still end the wait at once: nullopt then.
std::optional<fifo::RingReader> open_waiting(const std::string& stream, fifo::ReaderOptions ro, double wait_s,
                                             StopSignals& stop, const fifo::Clock& clock) {
  const auto slice = std::chrono::milliseconds(100);
  const int64_t deadline_ns = clock.mono_ns() + static_cast<int64_t>(wait_s * 1000) * 1'000'000;
  for (;;) {
    const auto left = std::chrono::milliseconds((deadline_ns - clock.mono_ns()) / 1'000'000);
    ro.wait_for_stream = std::clamp(left, std::chrono::milliseconds(0), slice);
    try {
      return fifo::RingReader::open(stream, ro);
    } catch (const fifo::FifoError& e) {
      const bool absent = e.code() == fifo::FifoErrc::not_found || e.code() == fifo::FifoErrc::timeout;
      if (!absent || wait_s <= 0) throw;
      if (left <= slice)
        throw fifo::FifoError(fifo::FifoErrc::timeout, "stream '" + stream + "' did not appear within " +
                                                           record::format_seconds(static_cast<int64_t>(wait_s * 1e9)));
      if (stop.requested()) return std::nullopt;
    }
  }
}

void run_cat(const CatOptions& o) {
  ::signal(SIGPIPE, SIG_IGN);  // a closed pipe becomes EPIPE, which ends cat cleanly
  StopSignals stop;
  const fifo::SystemClock clock;  // the command's one clock: the wait for the stream, the writer's absence
  fifo::ReaderOptions ro;
  ro.start = start_at(o.start);
  auto opened = open_waiting(o.stream, ro, o.wait_s, stop, clock);
  if (!opened) return;  // stopped while waiting for the stream
  fifo::RingReader& reader = *opened;
  reader.refresh_stream_info();

  Output out;
  ElementaryWriter writer(out);
  fifo::WriterAbsence absence(o.writer_grace_ns.value_or(fifo::WriterAbsence::kDefaultGraceNs));
  fifo::Frame frame;
  int64_t written = 0;
  std::optional<int64_t> first_dts;
  bool waiting_for_key = true;
  uint64_t lost_total = 0;
  // Why the loop ended when it was not one of cat's own limits (--frames, --seconds, a signal, a closed stdout,
  // the end of a finite stream): a live consumer's supervisor must be able to tell.
  std::string failure;
  while (!stop.requested()) {
    const auto st = reader.read(frame, std::chrono::milliseconds(100));
    if (st == fifo::WaitStatus::timeout) continue;
    if (st == fifo::WaitStatus::end_of_stream) break;  // the input ended on purpose, or a playback's end
    if (st == fifo::WaitStatus::writer_gone) {
      // A camera process that crashed or is being restarted: the ring survives it, and so does cat.
      const bool first_notice = !absence.absent();
      if (!absence.within_grace(clock.mono_ns())) {
        failure = "the writer of stream '" + o.stream + "' is gone and none came back within " +
                  record::format_seconds(absence.grace_ns());
        break;
      }
      if (first_notice)
        std::fprintf(stderr, "zcrec cat: the writer of stream '%s' is gone: waiting up to %s for a new one\n",
                     o.stream.c_str(), record::format_seconds(absence.grace_ns()).c_str());
      continue;
    }
    if (const auto away = absence.writer_seen(clock.mono_ns())) {
      std::fprintf(stderr, "zcrec cat: stream '%s' has a writer again after %s; going on from its next keyframe\n",
                   o.stream.c_str(), record::format_seconds(*away).c_str());
      waiting_for_key = true;
    }
    if (frame.header.lost_before > 0) {
      lost_total += frame.header.lost_before;
      std::fprintf(stderr, "zcrec cat: lost %llu frames before frame %llu (overwritten by the writer)\n",
                   static_cast<unsigned long long>(frame.header.lost_before),
                   static_cast<unsigned long long>(frame.header.seq));
      waiting_for_key = true;
    }
    // A writer that took the ring over after a crash: what follows does not continue the last frame written.
    if ((frame.header.flags & fifo::frame_flag::discontinuity) != 0) waiting_for_key = true;
    const fifo::TrackInfo* track = pick_track(reader.stream_info(), o.track);
    if (track == nullptr) {
      if (o.track.empty()) throw std::runtime_error("stream '" + o.stream + "' has no video or audio track");
      throw std::runtime_error("stream '" + o.stream + "' has no " + o.track + " track");
    }
    if (frame.header.track != track->track_id) continue;
    if (waiting_for_key && !frame.header.is_key()) continue;
    waiting_for_key = false;
    if (!first_dts) first_dts = frame.header.dts;
    if (o.seconds > 0 && static_cast<double>(frame.header.dts - *first_dts) * track->time_base.num /
                                 track->time_base.den >= o.seconds)
      break;
    if (!writer.write(*track, frame)) break;
    if (o.frames > 0 && ++written >= o.frames) break;
  }
  if (lost_total > 0)
    std::fprintf(stderr, "zcrec cat: %llu frames lost in total\n", static_cast<unsigned long long>(lost_total));
  if (!failure.empty()) throw std::runtime_error(failure);
}

}  // namespace

void add_cat_command(CLI::App& app) {
  auto o = std::make_shared<CatOptions>();
  auto* cmd = app.add_subcommand("cat", "Write one track of a stream to stdout as an elementary stream");
  cmd->add_option("NAME", o->stream, "stream name")->required();
  cmd->add_option("--start", o->start, "newest keyframe, oldest keyframe, or the next keyframe written (now)")
      ->check(CLI::IsMember({"newest", "oldest", "now"}))
      ->capture_default_str();
  cmd->add_option("--frames", o->frames, "stop after N frames of the track")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seconds", o->seconds, "stop after this much media time, e.g. 10s")
      ->transform(seconds_with_unit())
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--track", o->track, "video or audio (default: video if present)")
      ->check(CLI::IsMember({"video", "audio"}));
  cmd->add_option("--wait", o->wait_s, "wait this long for the stream to appear, e.g. 5s (default: fail at once)")
      ->transform(seconds_with_unit())
      ->check(in_range(0.0, 365.0 * 86400));
  record::add_duration_option(cmd, "--writer-grace", o->writer_grace_ns,
                              "how long to wait for a new writer when the stream's writer dies or restarts, e.g. "
                              "10s; 0 ends at once (default 30s, as `zcrec start`)");
  cmd->callback([o] { run_cat(*o); });
}

}  // namespace zc::cli
