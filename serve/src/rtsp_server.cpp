#include <zc/serve/rtsp_server.h>

#include "gst_ptr.h"
#include "client_feed.h"
#include "ring_auth.h"
#include "ring_media_factory.h"
#include "ring_mount.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/serve/error.h>

#include <gio/gio.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <algorithm>
#include <map>
#include <set>
#include <mutex>
#include <thread>

namespace zc::serve {
namespace {

void init_gstreamer() {
  GError* raw = nullptr;
  if (!gst_init_check(nullptr, nullptr, &raw)) {
    ErrorPtr err(raw);
    throw ServeError(ServeErrc::gstreamer,
                     std::string("GStreamer cannot start: ") + (err ? err->message : "unknown error"));
  }
  // Checked up front so that a missing package is a clear error at start, not a 503 for every client.
  struct Need {
    const char* element;
    const char* package;
  };
  for (const Need n : {Need{"appsrc", "gstreamer1.0-plugins-base"}, Need{"rtph264pay", "gstreamer1.0-plugins-good"},
                       Need{"rtph265pay", "gstreamer1.0-plugins-good"}, Need{"rtpmp4gpay", "gstreamer1.0-plugins-good"},
                       Need{"rtppcmapay", "gstreamer1.0-plugins-good"}, Need{"rtppcmupay", "gstreamer1.0-plugins-good"}}) {
    GPtr<GstElementFactory> f(gst_element_factory_find(n.element));
    if (!f)
      throw ServeError(ServeErrc::missing_plugin, std::string("the GStreamer element ") + n.element +
                                                      " is not installed (Debian package " + n.package + ")");
  }
}

std::string host_for_url(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

// Every mount (ServeOptions::rings as mounts at their own name), checked: names of rings, no path twice.
std::vector<ServeOptions::Mount> checked_mounts(std::vector<ServeOptions::Mount> all, const std::vector<std::string>& rings) {
  for (const auto& ring : rings) all.push_back({ring, ring});
  std::set<std::string> paths;
  for (const auto& [path, ring, push, push_ring_bytes] : all) {
    if (push && push_ring_bytes < (1u << 20))
      throw ServeError(ServeErrc::invalid_argument, "the ring pushed into at '" + path + "' must hold at least 1 MiB");
    if (auto why = fifo::check_stream_name(ring))
      throw ServeError(ServeErrc::invalid_argument, "cannot serve ring '" + ring + "': " + *why);
    if (auto why = fifo::check_stream_name(path))
      throw ServeError(ServeErrc::invalid_argument, "cannot serve at path '" + path + "': " + *why);
    if (!paths.insert(path).second) throw ServeError(ServeErrc::invalid_argument, "path '/" + path + "' is named twice");
  }
  return all;
}

// The transport is known from SETUP on, the media (and its payloaders) from DESCRIBE: so a client's streams that
// go over its RTSP connection get their larger packets here, at its PLAY. Each client has a media of its own, so
// no other client's packets change. The frames sent before (none, or the first keyframe) keep the default size.
void use_tcp_packet_size(GstRTSPSessionMedia* sessmedia, unsigned bytes) {
  GstRTSPMedia* media = gst_rtsp_session_media_get_media(sessmedia);
  for (guint i = 0; media && i < gst_rtsp_media_n_streams(media); ++i) {
    GstRTSPStreamTransport* st = gst_rtsp_session_media_get_transport(sessmedia, i);
    if (!st) continue;  // not set up
    const GstRTSPTransport* t = gst_rtsp_stream_transport_get_transport(st);
    if (t && t->lower_transport == GST_RTSP_LOWER_TRANS_TCP)
      gst_rtsp_stream_set_mtu(gst_rtsp_stream_transport_get_stream(st), bytes);
  }
}

// A client is `playing` once it sent PLAY (ClientEvent::Kind::playing): its media's first frame is already there
// at DESCRIBE, so the feed alone cannot tell a player from a client that only asked for the SDP. Both signals are
// emitted on the client's thread after the answer, with the context's media alive.
void on_play_request(GstRTSPClient*, GstRTSPContext* ctx, gpointer tcp_packet_bytes) {
  ClientFeed* feed = client_feed_of(ctx->media);
  if (!feed) return;  // not a ring's player
  if (ctx->sessmedia) use_tcp_packet_size(ctx->sessmedia, *static_cast<const unsigned*>(tcp_packet_bytes));
  send_at_once(ctx->media);
  feed->play();
}

void on_pause_request(GstRTSPClient*, GstRTSPContext* ctx, gpointer) {
  if (ClientFeed* feed = client_feed_of(ctx->media)) feed->pause();
}

// After a SETUP's answer: its media is now a session's, and the connection's next DESCRIBE or new-session SETUP
// makes another one (RingMount::has_unclaimed).
void on_setup_request(GstRTSPClient*, GstRTSPContext* ctx, gpointer) {
  if (ClientFeed* feed = client_feed_of(ctx->media)) feed->claimed();
}

void on_client_connected(GstRTSPServer*, GstRTSPClient* client, gpointer tcp_packet_bytes) {
  g_signal_connect(client, "setup-request", G_CALLBACK(on_setup_request), nullptr);
  g_signal_connect(client, "play-request", G_CALLBACK(on_play_request), tcp_packet_bytes);
  g_signal_connect(client, "pause-request", G_CALLBACK(on_pause_request), nullptr);
}

void add_factory(GstRTSPMountPoints* points, const std::string& path, const std::shared_ptr<RingMount>& mount) {
  GstRTSPMediaFactory* f = make_ring_media_factory(mount);
  gst_rtsp_media_factory_set_shared(f, FALSE);  // a media per client: each starts at the newest keyframe
  // Each media gets the one mode its request asks for (ring_media_factory.cpp, configure).
  if (mount->push_target())
    gst_rtsp_media_factory_set_transport_mode(
        f, static_cast<GstRTSPTransportMode>(GST_RTSP_TRANSPORT_MODE_PLAY | GST_RTSP_TRANSPORT_MODE_RECORD));
  gst_rtsp_media_factory_set_protocols(
      f, static_cast<GstRTSPLowerTrans>(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_TCP));
  gst_rtsp_media_factory_add_role(f, kViewerRole, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                    GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, nullptr);
  gst_rtsp_mount_points_add_factory(points, path.c_str(), f);  // takes the reference
}

}  // namespace

struct RtspServer::Impl {
  ServeOptions options;
  std::shared_ptr<std::atomic<uint64_t>> client_ids = std::make_shared<std::atomic<uint64_t>>(0);
  mutable std::mutex mounts_mu;  // set_mounts() changes them while stats() and url() read them
  std::map<std::string, std::shared_ptr<RingMount>> mounts;  // by path: "/<path>"
  GMainContext* context = nullptr;
  GMainLoop* loop = nullptr;
  GstRTSPServer* server = nullptr;
  GSource* source = nullptr;
  GSource* stall_timer = nullptr;
  uint16_t port = 0;
  std::thread thread;

  std::shared_ptr<RingMount> make_mount(const ServeOptions::Mount& m) const {
    auto mount = std::make_shared<RingMount>(m.ring, options.max_clients, options.client_queue_bytes,
                                             options.client_stall_timeout, options.on_event, client_ids, options.clock);
    mount->set_mount(m);
    return mount;
  }
  // A thread per RTSP connection (up to every client place, and some for the clients that are refused): a request
  // that waits (a DESCRIBE waits for the media's first buffers) then holds up only its own connection. With
  // gst-rtsp-server's default of one thread for all connections, one slow DESCRIBE held every other client's
  // requests, on every ring.
  // The server's loop, every half second: closes the connections whose feeds stalled (ClientFeed). From here,
  // because gst-rtsp-server's client filter runs over its live clients under its own lock (a stalled feed's
  // connection pointer is compared, never dereferenced), and a closed connection ends its sessions and medias.
  static gboolean close_stalled_clients(gpointer data) {
    auto* self = static_cast<Impl*>(data);
    std::set<const void*> owners;
    {
      std::lock_guard lock(self->mounts_mu);
      for (const auto& [path, mount] : self->mounts) owners.merge(mount->take_close_requests());
    }
    if (!owners.empty())
      gst_rtsp_server_client_filter(
          self->server,
          [](GstRTSPServer*, GstRTSPClient* client, gpointer set) {
            return static_cast<std::set<const void*>*>(set)->count(client) ? GST_RTSP_FILTER_REMOVE
                                                                            : GST_RTSP_FILTER_KEEP;
          },
          &owners);
    return G_SOURCE_CONTINUE;
  }

  void size_thread_pool() {
    GPtr<GstRTSPThreadPool> pool(gst_rtsp_server_get_thread_pool(server));
    gst_rtsp_thread_pool_set_max_threads(
        pool.get(), static_cast<gint>(std::min<size_t>(size_t{options.max_clients} * mounts.size() + 16, 4096)));
  }

  ~Impl() {
    if (server) g_object_unref(server);
    if (source) g_source_unref(source);
    if (stall_timer) g_source_unref(stall_timer);
    if (loop) g_main_loop_unref(loop);
    if (context) g_main_context_unref(context);
  }
};

RtspServer::RtspServer(ServeOptions options) : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.options = std::move(options);
  const auto& o = d.options;
  if (!o.clock) throw ServeError(ServeErrc::invalid_argument, "ServeOptions::clock is required");
  if (o.address.empty()) throw ServeError(ServeErrc::invalid_argument, "the address to listen on is empty");
  if (o.max_clients == 0) throw ServeError(ServeErrc::invalid_argument, "the number of clients per ring must be >= 1");
  if (o.user.empty() != o.password.empty())
    throw ServeError(ServeErrc::invalid_argument, "a user name needs a password and a password a user name");
  if (o.tcp_packet_bytes < 1400 || o.tcp_packet_bytes > 65535)
    throw ServeError(ServeErrc::invalid_argument, "the RTP packet size for TCP clients must be 1400 to 65535 bytes");
  if (o.user.find(':') != std::string::npos)
    throw ServeError(ServeErrc::invalid_argument, "a user name cannot contain ':'");
  for (const auto& m : checked_mounts(o.mounts, o.rings)) d.mounts["/" + m.path] = d.make_mount(m);
  init_gstreamer();

  d.context = g_main_context_new();
  d.loop = g_main_loop_new(d.context, FALSE);
  d.server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(d.server, o.address.c_str());
  gst_rtsp_server_set_service(d.server, std::to_string(o.port).c_str());
  // gst-rtsp-server's listen backlog is 5: a burst of clients (a wall of viewers reconnecting at once) had every
  // sixth connect wait a second for a SYN retransmit.
  gst_rtsp_server_set_backlog(d.server, 128);
  d.size_thread_pool();

  // Always an auth object: besides credentials (when given) it answers 404/503 for the rings (ring_auth.h).
  GPtr<GstRTSPAuth> auth(make_ring_auth({o.user, o.password}, o.reserved_reader_slots));
  // gst-rtsp-server reads any announced body into memory: three 120 MB SET_PARAMETER bodies took 350 MB.
  gst_rtsp_server_set_content_length_limit(d.server, o.max_request_body_bytes);
  gst_rtsp_server_set_auth(d.server, auth.get());
  GPtr<GstRTSPMountPoints> points(gst_rtsp_server_get_mount_points(d.server));
  for (const auto& [path, mount] : d.mounts) add_factory(points.get(), path, mount);

  GError* raw = nullptr;
  d.source = gst_rtsp_server_create_source(d.server, nullptr, &raw);
  if (!d.source) {
    ErrorPtr err(raw);
    const std::string where = host_for_url(o.address) + ":" + std::to_string(o.port);
    if (err && g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
      throw ServeError(ServeErrc::address_in_use,
                       "cannot listen on " + where + ": the address is already in use (another server?)");
    throw ServeError(ServeErrc::listen_failed,
                     "cannot listen on " + where + ": " + (err ? err->message : std::string("unknown error")));
  }
  g_source_attach(d.source, d.context);
  g_signal_connect(d.server, "client-connected", G_CALLBACK(on_client_connected), &d.options.tcp_packet_bytes);
  d.stall_timer = g_timeout_source_new(500);
  g_source_set_callback(d.stall_timer, &Impl::close_stalled_clients, &d, nullptr);
  g_source_attach(d.stall_timer, d.context);
  d.port = static_cast<uint16_t>(gst_rtsp_server_get_bound_port(d.server));
  d.thread = std::thread([&d] {
    g_main_context_push_thread_default(d.context);
    g_main_loop_run(d.loop);
    g_main_context_pop_thread_default(d.context);
  });
}

RtspServer::~RtspServer() {
  auto& d = *impl_;
  // Clients are closed from the server's own loop (their watches live there), then the loop ends.
  g_main_context_invoke(
      d.context,
      [](gpointer data) -> gboolean {
        auto* self = static_cast<Impl*>(data);
        gst_rtsp_server_client_filter(
            self->server, [](GstRTSPServer*, GstRTSPClient*, gpointer) { return GST_RTSP_FILTER_REMOVE; }, nullptr);
        g_main_loop_quit(self->loop);
        return G_SOURCE_REMOVE;
      },
      &d);
  if (d.thread.joinable()) d.thread.join();
  g_source_destroy(d.stall_timer);
  g_source_destroy(d.source);
}

uint16_t RtspServer::port() const noexcept { return impl_->port; }

void RtspServer::set_mounts(std::vector<ServeOptions::Mount> wanted) {
  auto& d = *impl_;
  wanted = checked_mounts(std::move(wanted), {});
  GPtr<GstRTSPMountPoints> points(gst_rtsp_server_get_mount_points(d.server));
  std::lock_guard lock(d.mounts_mu);
  for (auto it = d.mounts.begin(); it != d.mounts.end();) {
    const bool kept = std::any_of(wanted.begin(), wanted.end(), [&](const ServeOptions::Mount& m) {
      return "/" + m.path == it->first && m == it->second->mount();
    });
    if (kept) {
      ++it;
      continue;
    }
    // New clients get 404 at once; those playing it end (RTCP BYE) within a read timeout of their feed.
    gst_rtsp_mount_points_remove_factory(points.get(), it->first.c_str());
    it->second->retire();
    it = d.mounts.erase(it);
  }
  for (const auto& m : wanted) {
    if (d.mounts.count("/" + m.path)) continue;
    auto mount = d.make_mount(m);
    d.mounts["/" + m.path] = mount;
    add_factory(points.get(), "/" + m.path, mount);
  }
  d.size_thread_pool();
}

std::string RtspServer::url(const std::string& ring) const {
  std::lock_guard lock(impl_->mounts_mu);
  std::string path = "/" + ring;
  for (const auto& [p, mount] : impl_->mounts)
    if (mount->ring() == ring) path = p;
  return "rtsp://" + host_for_url(impl_->options.address) + ":" + std::to_string(impl_->port) + path;
}

std::vector<RingServeStats> RtspServer::stats() const {
  std::lock_guard lock(impl_->mounts_mu);
  std::vector<RingServeStats> out;
  for (const auto& [path, mount] : impl_->mounts) out.push_back(mount->stats());
  return out;
}

}  // namespace zc::serve
