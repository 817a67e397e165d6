// What the server knows about one served ring: its bound on clients and its counters. Shared (shared_ptr)
// between the server, the ring's media factory and every client feed, because gst-rtsp-server may finalize a
// client's media on one of its own threads after the server object is gone.
#pragma once

#include "push_target.h"
#include "ring_fanout.h"

#include <zc/serve/rtsp_server.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace zc::serve {

class RingMount {
 public:
  RingMount(std::string ring, unsigned max_clients, uint64_t queue_bytes, std::chrono::milliseconds stall_timeout,
            std::function<void(const ClientEvent&)> on_event, std::shared_ptr<std::atomic<uint64_t>> client_ids,
            std::shared_ptr<const fifo::Clock> clock)
      : ring_(std::move(ring)), max_clients_(max_clients), queue_bytes_(queue_bytes), stall_timeout_(stall_timeout),
        on_event_(std::move(on_event)), client_ids_(std::move(client_ids)), clock_(std::move(clock)) {}

  const std::string& ring() const noexcept { return ring_; }
  // What the mount was made from (RtspServer::set_mounts keeps a mount whose spec is unchanged).
  const ServeOptions::Mount& mount() const noexcept { return spec_; }
  void set_mount(const ServeOptions::Mount& spec) {
    spec_ = spec;
    if (spec.push) push_ = std::make_shared<PushTarget>(ring_, spec.path, spec.push_ring_bytes);
  }
  // The push side of a mount that accepts pushes (ServeOptions::Mount::push), else nullptr.
  const std::shared_ptr<PushTarget>& push_target() const noexcept { return push_; }
  // A number for a pusher, from the same count as the clients'.
  uint64_t next_client_id() noexcept { return client_ids_->fetch_add(1, std::memory_order_relaxed) + 1; }
  uint64_t queue_bytes() const noexcept { return queue_bytes_; }
  unsigned max_clients() const noexcept { return max_clients_; }
  std::chrono::milliseconds stall_timeout() const noexcept { return stall_timeout_; }
  // The server's clock (ServeOptions::clock), which the mount's client feeds and pusher read.
  const fifo::Clock& clock() const noexcept { return *clock_; }

  // The one reader of the ring that every client's feed gets its frames from.
  RingFanout& fanout() noexcept { return *fanout_; }

  // Takes a client place for a media of the RTSP connection `owner`; 0 when all are taken (the refusal is counted
  // and reported), else the client's number. The media is unclaimed until a session takes it (claim()).
  uint64_t admit(const void* owner);
  // A session took the media (its first SETUP): it is no longer the one the connection's next request reuses.
  void claim(const void* owner);
  // Gives the place back; `claimed`: whether claim() was called for that media.
  void release(const void* owner, bool claimed);
  // True when the RTSP connection `owner` has a media of this ring that no session has taken yet.
  // gst-rtsp-server keeps the media a connection's DESCRIBE (or a SETUP without a session) made for that
  // connection's next request of the same path, and checks access on every such request: while there is one, the
  // request reuses it and takes no new place. Once a session took it, the connection's next DESCRIBE or SETUP
  // without a session makes another media, which takes a place like any other client's (a third SETUP past
  // max_clients on one connection got 400 and a GLib CRITICAL instead of 503: attacker trial).
  bool has_unclaimed(const void* owner) const;
  bool full() const;
  // A client of this ring sent PLAY and has its first frame (ClientEvent::Kind::playing), and its media ended.
  void count_playing();
  void count_stopped_playing();
  // The RTSP connection `owner` stalled (ClientFeed): the server closes it from its own loop
  // (RtspServer, close_stalled_clients), which takes the requests made since it last looked.
  void request_close(const void* owner);
  std::set<const void*> take_close_requests();
  // A client's traffic, counted as it happens.
  void count_sent(uint64_t bytes) noexcept {
    frames_sent_.fetch_add(1, std::memory_order_relaxed);
    bytes_sent_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void count_dropped(uint64_t frames) noexcept { frames_dropped_.fetch_add(frames, std::memory_order_relaxed); }
  void count_refusal(const std::string& reason);

  // The ring is no longer served (RtspServer::set_mounts): its client feeds end their medias.
  void retire() noexcept {
    retired_.store(true, std::memory_order_relaxed);
    if (push_) push_->retire();
  }
  bool retired() const noexcept { return retired_.load(std::memory_order_relaxed); }

  void emit(const ClientEvent& e) const {
    if (on_event_) on_event_(e);
  }
  RingServeStats stats() const;

 private:
  const std::string ring_;
  const unsigned max_clients_;
  const uint64_t queue_bytes_;
  const std::chrono::milliseconds stall_timeout_;
  const std::function<void(const ClientEvent&)> on_event_;
  const std::shared_ptr<std::atomic<uint64_t>> client_ids_;  // one numbering for every ring of a server
  const std::shared_ptr<const fifo::Clock> clock_;

  mutable std::mutex mu_;
  unsigned clients_ = 0, playing_ = 0;
  std::multiset<const void*> unclaimed_;  // one entry per media of an owner that no session has taken
  std::set<const void*> to_close_;
  uint64_t clients_total_ = 0, clients_refused_ = 0;
  std::atomic<uint64_t> frames_sent_{0}, bytes_sent_{0}, frames_dropped_{0};
  std::atomic<bool> retired_{false};
  ServeOptions::Mount spec_;
  std::shared_ptr<PushTarget> push_;
  // Last: destroyed first, while what its thread reads is still there.
  const std::unique_ptr<RingFanout> fanout_ = std::make_unique<RingFanout>(*this);
};

}  // namespace zc::serve
