#include "ring_mount.h"

#include <utility>

namespace zc::serve {

uint64_t RingMount::admit(const void* owner) {
  {
    std::lock_guard lock(mu_);
    if (clients_ < max_clients_) {
      ++clients_;
      unclaimed_.insert(owner);
      return client_ids_->fetch_add(1, std::memory_order_relaxed) + 1;
    }
  }
  count_refusal("every one of its " + std::to_string(max_clients_) + " client places is taken");
  return 0;
}

void RingMount::claim(const void* owner) {
  std::lock_guard lock(mu_);
  if (const auto it = unclaimed_.find(owner); it != unclaimed_.end()) unclaimed_.erase(it);
}

void RingMount::release(const void* owner, bool claimed) {
  std::lock_guard lock(mu_);
  if (clients_ > 0) --clients_;
  if (claimed) return;
  if (const auto it = unclaimed_.find(owner); it != unclaimed_.end()) unclaimed_.erase(it);
}

bool RingMount::has_unclaimed(const void* owner) const {
  std::lock_guard lock(mu_);
  return unclaimed_.count(owner) > 0;
}

bool RingMount::full() const {
  std::lock_guard lock(mu_);
  return clients_ >= max_clients_;
}

void RingMount::count_playing() {
  std::lock_guard lock(mu_);
  ++playing_;
  ++clients_total_;
}

void RingMount::count_stopped_playing() {
  std::lock_guard lock(mu_);
  if (playing_ > 0) --playing_;
}

void RingMount::request_close(const void* owner) {
  std::lock_guard lock(mu_);
  to_close_.insert(owner);
}

std::set<const void*> RingMount::take_close_requests() {
  std::lock_guard lock(mu_);
  return std::exchange(to_close_, {});
}

void RingMount::count_refusal(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    ++clients_refused_;
  }
  ClientEvent e;
  e.kind = ClientEvent::Kind::refused;
  e.ring = ring_;
  e.reason = reason;
  emit(e);
}

RingServeStats RingMount::stats() const {
  RingServeStats s;
  s.ring = ring_;
  {
    std::lock_guard lock(mu_);
    s.clients = playing_;
    s.places = clients_;
    s.clients_total = clients_total_;
    s.clients_refused = clients_refused_;
  }
  s.frames_sent = frames_sent_.load(std::memory_order_relaxed);
  s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
  s.frames_dropped = frames_dropped_.load(std::memory_order_relaxed);
  if (push_) {
    const PushTarget::Stats p = push_->stats();
    s.push = true;
    s.pushing = p.pushing;
    s.pushes = p.pushes;
    s.pushes_refused = p.refused;
    s.frames_in = p.frames_in;
    s.bytes_in = p.bytes_in;
    s.frames_in_dropped = p.frames_in_dropped;
  }
  return s;
}

}  // namespace zc::serve
