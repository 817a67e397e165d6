#include "rtsp_serving.h"

#include <zc/serve/error.h>
#include <zc/service/service.h>

namespace zc::service {
namespace {

std::vector<serve::ServeOptions::Mount> mounts_of(const ServiceConfig& config) {
  std::vector<serve::ServeOptions::Mount> m;
  for (const auto& c : config.cameras) {
    if (!c.enabled) continue;
    serve::ServeOptions::Mount mount{c.name, config.ring_name(c)};
    if (c.pushed()) {  // the camera's encoder pushes to this same path; the server is its ring's writer
      mount.push = true;
      mount.push_ring_bytes = static_cast<uint64_t>(c.ring_size_bytes);
    }
    m.push_back(mount);
  }
  return m;
}

}  // namespace

RtspServing::RtspServing(const ServiceConfig& config, const Logger& log, std::shared_ptr<const fifo::Clock> clock)
    : log_(log), rtsp_(*config.rtsp) {
  serve::ServeOptions o;
  o.clock = std::move(clock);
  o.address = rtsp_.address;
  o.port = static_cast<uint16_t>(rtsp_.port);
  o.mounts = mounts_of(config);
  o.max_clients = static_cast<unsigned>(rtsp_.max_clients);
  o.client_stall_timeout = std::chrono::milliseconds(rtsp_.stall_timeout_ns / 1'000'000);
  o.tcp_packet_bytes = static_cast<unsigned>(rtsp_.tcp_packet_bytes);
  // A camera's ring has 32 reader slots; its recorder, live views, HLS segmenter and pictures need some whatever
  // the RTSP clients do.
  o.reserved_reader_slots = 8;
  o.user = rtsp_.user;
  o.password = rtsp_.password;
  const Logger* l = &log_;
  o.on_event = [l, prefix = config.ring_prefix](const serve::ClientEvent& e) {
    using K = serve::ClientEvent::Kind;
    // The log speaks of cameras, as the rest of zcrecd's log does (a ring is <ring_prefix><camera>).
    const std::string camera = e.ring.compare(0, prefix.size(), prefix) == 0 ? e.ring.substr(prefix.size()) : e.ring;
    const std::string who = "rtsp: camera " + camera + " client " + std::to_string(e.client);
    switch (e.kind) {
      case K::playing: l->info(who + " playing from a keyframe"); break;
      case K::left:
        l->info(who + " left (" + std::to_string(e.frames_sent) + " frames sent, " + std::to_string(e.frames_dropped) +
                " dropped for being slow)");
        break;
      case K::refused: l->warning("rtsp: camera " + camera + " client refused: " + e.reason); break;
      case K::ended: l->info(who + " ended: " + e.reason + " (the client must reconnect)"); break;
      case K::push_started: l->info("rtsp: camera " + camera + " pusher " + std::to_string(e.client) + " pushing " + e.reason); break;
      case K::push_ended:
        l->info("rtsp: camera " + camera + " pusher " + std::to_string(e.client) + " " + e.reason + " (" +
                std::to_string(e.frames_sent) + " frames written, " + std::to_string(e.frames_dropped) + " not)");
        break;
      case K::behind:
      case K::resumed: break;  // per-client churn: counted in stats(), not logged
    }
  };
  try {
    server_ = std::make_unique<serve::RtspServer>(std::move(o));
  } catch (const serve::ServeError& e) {
    throw ServiceError(ServiceError::Kind::unavailable,
                       "rtsp.listen " + rtsp_.address + ":" + std::to_string(rtsp_.port) + ": " + e.what());
  }
  const std::string host = rtsp_.address.find(':') != std::string::npos ? "[" + rtsp_.address + "]" : rtsp_.address;
  log_.info("rtsp: serving " + std::to_string(mounts_of(config).size()) + " camera(s) at rtsp://" + host + ":" +
            std::to_string(server_->port()) + "/<camera>");
}

RtspServing::~RtspServing() = default;

void RtspServing::serve(const ServiceConfig& config) {
  server_->set_mounts(mounts_of(config));
}

std::vector<serve::RingServeStats> RtspServing::stats() const { return server_->stats(); }

}  // namespace zc::service
