// `zcrec restream RING URL`: the ring pushed out to a remote server (zc::restream; docs/serving.md, "Restream
// out"), until SIGINT/SIGTERM or the ring's end. Failures of the server are waited out and retried; stderr has a
// line per connection and failure (the URL's password replaced by ***), stdout a summary at the end.
#include "cli_units.h"
#include "commands.h"
#include "stop_signals.h"

#include <zc/fifo/clock.h>
#include <zc/restream/restream.h>

#include <signal.h>

#include <cstdio>
#include <memory>

namespace zc::cli {
namespace {

struct RestreamCliOptions {
  std::string ring, url, format, rtsp_transport = "tcp";
  double retry_max_s = 30;
};

void run_restream(const RestreamCliOptions& c) {
  ::signal(SIGPIPE, SIG_IGN);  // a server that closes its end is an EPIPE for the muxer, not our death
  StopSignals stop;
  const fifo::SystemClock clock;
  restream::RestreamOptions o;
  o.ring = c.ring;
  o.url = c.url;
  o.format = c.format;
  o.rtsp_transport = c.rtsp_transport;
  o.max_retry = std::chrono::milliseconds(static_cast<int64_t>(c.retry_max_s * 1000));
  o.first_retry = std::min(o.first_retry, o.max_retry);
  o.clock = &clock;
  o.stop = [&stop] { return stop.requested(); };
  o.on_log = [](const std::string& line) { std::fprintf(stderr, "zcrec restream: %s\n", line.c_str()); };
  const auto s = restream::restream(o);
  std::printf("restreamed ring '%s' to %s: %llu connections, %llu failed, %llu frames (%llu bytes) sent, %llu skipped\n",
              c.ring.c_str(), restream::redacted(c.url).c_str(), static_cast<unsigned long long>(s.connections),
              static_cast<unsigned long long>(s.failures), static_cast<unsigned long long>(s.frames_sent),
              static_cast<unsigned long long>(s.bytes_sent), static_cast<unsigned long long>(s.frames_skipped));
}

}  // namespace

void add_restream_command(CLI::App& app) {
  auto o = std::make_shared<RestreamCliOptions>();
  auto* cmd = app.add_subcommand(
      "restream",
      "push a live ring to a remote server (RTSP RECORD, RTMP, SRT/UDP MPEG-TS) through libavformat, reconnecting "
      "after failures; runs until SIGINT/SIGTERM");
  cmd->add_option("RING", o->ring, "the ring to push out (from its newest keyframe)")->required();
  cmd->add_option("URL", o->url,
                  "where to: rtsp://host:8554/path (ANNOUNCE/RECORD), rtmp://host/app/key, srt://host:port, "
                  "udp://host:port")
      ->required();
  cmd->add_option("--format", o->format, "libavformat's muxer when the URL's scheme does not say (e.g. flv, mpegts)");
  cmd->add_option("--rtsp-transport", o->rtsp_transport, "RTSP only: RTP over the RTSP connection (tcp) or udp")
      ->check(CLI::IsMember({"tcp", "udp"}))
      ->capture_default_str();
  cmd->add_option("--retry-max", o->retry_max_s,
                  "the longest wait between connections after failures, e.g. 30s (waits double from 1 s)")
      ->transform(seconds_with_unit())
      ->check(in_range(0.1, 3600.0))
      ->capture_default_str();
  cmd->callback([o] { run_restream(*o); });
}

}  // namespace zc::cli
