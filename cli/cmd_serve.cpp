// `zcrec serve RING...`: an RTSP server over live rings (zc::serve, docs/serving.md). Each ring is served at
// rtsp://HOST:PORT/<ring>; every client starts at the ring's newest keyframe. `--push RING` also accepts one encoder
// at a time pushing into RING (ANNOUNCE/RECORD). Runs until SIGINT/SIGTERM.
// stdout: one `serving URL` line per ring once listening, then one line per client event.
#include "cli_units.h"
#include "commands.h"
#include "stop_signals.h"

#include <zc/serve/error.h>
#include <zc/serve/rtsp_server.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc::cli {

namespace {

constexpr const char* kPasswordVariable = "ZCREC_RTSP_PASSWORD";

struct ServeCliOptions {
  std::string listen = "127.0.0.1:8554";
  std::vector<std::string> rings;
  std::vector<std::string> push;
  uint64_t ring_size = 64ULL << 20;
  unsigned max_clients = 16;
  uint64_t client_queue = 4u << 20;
  double stall_timeout_s = 10;
  unsigned tcp_packet_bytes = 60'000;
  unsigned reserved_readers = 4;
  std::string user;
};

// HOST:PORT or [IPv6]:PORT.
void parse_listen(const std::string& text, serve::ServeOptions& o) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    throw CLI::ValidationError("--listen", "expected HOST:PORT (e.g. 127.0.0.1:8554 or [::1]:8554), got '" + text + "'");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) throw CLI::ValidationError("--listen", "no host in '" + text + "' (0.0.0.0 listens everywhere)");
  const std::string port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoul(port) > 65535)
    throw CLI::ValidationError("--listen", "the port in '" + text + "' is not a number from 0 to 65535");
  o.address = host;
  o.port = static_cast<uint16_t>(std::stoul(port));
}

void print_event(const serve::ClientEvent& e) {
  using K = serve::ClientEvent::Kind;
  static std::mutex mu;  // events come from the server's threads; one line each, never interleaved
  std::lock_guard lock(mu);
  switch (e.kind) {
    case K::playing:
      std::printf("client %llu %s: starts at keyframe #%llu (written %lld ms before)\n",
                  static_cast<unsigned long long>(e.client), e.ring.c_str(),
                  static_cast<unsigned long long>(e.first_seq), static_cast<long long>(e.first_frame_age.count()));
      break;
    case K::behind:
      std::printf("client %llu %s: fell behind, dropping frames up to the next keyframe that fits its queue\n",
                  static_cast<unsigned long long>(e.client), e.ring.c_str());
      break;
    case K::resumed:
      std::printf("client %llu %s: resumed at a keyframe after dropping %llu frames (%llu dropped in all)\n",
                  static_cast<unsigned long long>(e.client), e.ring.c_str(),
                  static_cast<unsigned long long>(e.frames), static_cast<unsigned long long>(e.frames_dropped));
      break;
    case K::left:
      std::printf("client %llu %s: left after %llu frames, %llu bytes, %llu dropped\n",
                  static_cast<unsigned long long>(e.client), e.ring.c_str(),
                  static_cast<unsigned long long>(e.frames_sent), static_cast<unsigned long long>(e.bytes_sent),
                  static_cast<unsigned long long>(e.frames_dropped));
      break;
    case K::refused: std::printf("refused a client of %s: %s\n", e.ring.c_str(), e.reason.c_str()); break;
    case K::ended:
      std::printf("client %llu %s: ended: %s\n", static_cast<unsigned long long>(e.client), e.ring.c_str(),
                  e.reason.c_str());
      break;
    case K::push_started:
      std::printf("pusher %llu %s: pushing %s\n", static_cast<unsigned long long>(e.client), e.ring.c_str(),
                  e.reason.c_str());
      break;
    case K::push_ended:
      std::printf("pusher %llu %s: %s after %llu frames, %llu bytes, %llu not written\n",
                  static_cast<unsigned long long>(e.client), e.ring.c_str(), e.reason.c_str(),
                  static_cast<unsigned long long>(e.frames_sent), static_cast<unsigned long long>(e.bytes_sent),
                  static_cast<unsigned long long>(e.frames_dropped));
      break;
  }
  std::fflush(stdout);
}

void run_serve(const ServeCliOptions& c) {
  serve::ServeOptions o;
  parse_listen(c.listen, o);
  o.rings = c.rings;
  for (const auto& ring : c.push) {
    serve::ServeOptions::Mount m;
    m.path = m.ring = ring;
    m.push = true;
    m.push_ring_bytes = c.ring_size;
    o.mounts.push_back(m);
  }
  if (o.rings.empty() && o.mounts.empty()) throw CLI::ValidationError("RING", "name at least one ring to serve (or --push RING)");
  o.max_clients = c.max_clients;
  o.client_queue_bytes = c.client_queue;
  o.client_stall_timeout = std::chrono::milliseconds(static_cast<int64_t>(c.stall_timeout_s * 1000));
  o.tcp_packet_bytes = c.tcp_packet_bytes;
  o.reserved_reader_slots = c.reserved_readers;
  if (!c.user.empty()) {
    const char* password = std::getenv(kPasswordVariable);
    if (!password || !*password)
      throw CLI::ValidationError("--user", std::string("needs the password in $") + kPasswordVariable);
    o.user = c.user;
    o.password = password;
  }
  o.on_event = print_event;
  o.clock = std::make_shared<const fifo::SystemClock>();  // the command's one clock (zc/fifo/clock.h)

  StopSignals stop;  // before the server's threads start, so that they inherit the blocked signals
  std::unique_ptr<serve::RtspServer> server;
  try {
    server = std::make_unique<serve::RtspServer>(std::move(o));
  } catch (const serve::ServeError& e) {
    if (e.code() == serve::ServeErrc::address_in_use || e.code() == serve::ServeErrc::listen_failed)
      throw std::runtime_error(std::string(e.what()) + "; choose another with --listen HOST:PORT");
    throw;
  }
  for (const auto& ring : c.rings) std::printf("serving %s\n", server->url(ring).c_str());
  for (const auto& ring : c.push) std::printf("serving %s (accepts a push)\n", server->url(ring).c_str());
  std::fflush(stdout);
  while (!stop.requested()) stop.sleep_for(std::chrono::seconds(1));
  for (const auto& r : server->stats())
    std::printf("%s: %llu clients served, %llu refused, %llu frames, %llu bytes, %llu dropped for slow clients\n",
                r.ring.c_str(), static_cast<unsigned long long>(r.clients_total),
                static_cast<unsigned long long>(r.clients_refused), static_cast<unsigned long long>(r.frames_sent),
                static_cast<unsigned long long>(r.bytes_sent), static_cast<unsigned long long>(r.frames_dropped));
  for (const auto& r : server->stats())
    if (r.push)
      std::printf("%s: %llu pushes, %llu refused, %llu frames and %llu bytes written\n", r.ring.c_str(),
                  static_cast<unsigned long long>(r.pushes), static_cast<unsigned long long>(r.pushes_refused),
                  static_cast<unsigned long long>(r.frames_in), static_cast<unsigned long long>(r.bytes_in));
  std::fflush(stdout);
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeCliOptions>();
  auto* cmd = app.add_subcommand("serve", "Serve live rings over RTSP: rtsp://HOST:PORT/<ring>");
  cmd->footer(
      "Each client starts at the ring's newest keyframe, so its first frame is a keyframe; all clients of a ring\n"
      "share one reader of it. H.264, H.265, AAC and G.711 (PCMA/PCMU) go out with the ring's parameter sets;\n"
      "RTP over TCP (interleaved) or UDP, as the client asks. A client that cannot keep up loses frames up to the next\n"
      "keyframe; it never slows the ring or other clients. A ring that does not exist is answered 404, a ring\n"
      "whose client places are all taken 503, wrong or missing credentials (with --user) 401.\n"
      "--push RING: RING is also written by an encoder that pushes to rtsp://HOST:PORT/RING (ANNOUNCE/RECORD, e.g.\n"
      "ffmpeg -re -i in.mp4 -c copy -f rtsp rtsp://127.0.0.1:8554/RING), one at a time: a second pusher gets 503,\n"
      "a push to a ring not named by --push 405. Its disconnect is a discontinuity; the next pusher continues.\n"
      "Runs until SIGINT/SIGTERM. stdout: a `serving URL` line per ring, then one line per client event, and a\n"
      "summary per ring at the end.\n"
      "Password: from $ZCREC_RTSP_PASSWORD (never on the command line, never logged).\n"
      "Example: zcrec serve --listen 0.0.0.0:8554 cam1 cam2   then   ffplay rtsp://HOST:8554/cam1");
  cmd->add_option("RING", o->rings, "ring (stream) names to serve; each need not exist yet");
  cmd->add_option("--push", o->push, "a ring to serve that pushers write into (repeatable)")->allow_extra_args(false);
  cmd->add_option("--ring-size", o->ring_size, "the data area of a ring a push creates, e.g. 64M")
      ->transform(CLI::AsSizeValue(false))
      ->check(in_range(uint64_t{1} << 20, uint64_t{1} << 34))
      ->capture_default_str();
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on ([::1]:8554 for IPv6; port 0: any free one)")
      ->capture_default_str();
  cmd->add_option("--max-clients", o->max_clients, "clients per ring at once; the next one is answered 503")
      ->check(in_range(1u, 1024u))
      ->capture_default_str();
  cmd->add_option("--reserved-readers", o->reserved_readers,
                  "reader slots of each ring no client takes (kept for a recorder, `zcrec cat`); past them: 503")
      ->check(in_range(0u, 63u))
      ->capture_default_str();
  cmd->add_option("--client-queue", o->client_queue,
                  "bytes a client may have waiting to be sent, e.g. 4M; past it the client drops to the next keyframe")
      ->transform(CLI::AsSizeValue(false))
      ->check(in_range(uint64_t{64} << 10, uint64_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--stall-timeout", o->stall_timeout_s,
                  "a playing client that takes nothing for this long is disconnected, and so is one that sends no PLAY "
                  "this long after its DESCRIBE, e.g. 10s (0: never)")
      ->transform(seconds_with_unit())
      ->check(in_range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--tcp-packet-bytes", o->tcp_packet_bytes,
                  "largest RTP packet to a client over RTSP/TCP (1400 for a client that cannot take larger; UDP: "
                  "always 1400)")
      ->check(in_range(1400u, 65535u))
      ->capture_default_str();
  cmd->add_option("--user", o->user,
                  std::string("require RTSP Basic/Digest credentials: this user, the password from $") +
                      kPasswordVariable);
  cmd->callback([o] { run_serve(*o); });
}

}  // namespace zc::cli
