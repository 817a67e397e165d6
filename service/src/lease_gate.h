// Whether this host may record one cluster camera now (docs/cluster.md, "Leases and epochs"): the LeaseKeeper
// sets it after each renewal; the camera's recording loop asks before every poll and the service before it runs
// the camera's ingest. Times are the service clock's mono_ns (CLOCK_MONOTONIC ns, this host's own clock: a lease's
// end is never compared with another clock); the gate reads "now" from that clock itself.
#pragma once

#include <zc/fifo/clock.h>

#include <cstdint>
#include <mutex>

namespace zc::service {

class LeaseGate {
 public:
  // renew_ns: how often the keeper tries; a database that cannot be reached is noticed within
  // renew_ns + the connect timeout.
  // clock: the service's (the keeper's), which outlives the gate.
  LeaseGate(int64_t renew_ns, const fifo::Clock& clock) : renew_ns_(renew_ns), clock_(clock) {}

  // True while this host holds the lease by its own clock (deadline = when it sent the renewal + the lease), or
  // when every attempt since the last renewal failed to reach the database at all and the keeper is still trying
  // (fail-open: a database outage must not stop every host's recording; docs/cluster.md, "When the database is
  // down"). A host that was stopped (SIGSTOP) made no attempt meanwhile: it stops at its deadline.
  bool may_record() const {
    const int64_t now_mono_ns = clock_.mono_ns();
    std::lock_guard lock(mu_);
    if (!held_) return false;
    if (now_mono_ns < deadline_mono_ns_) return true;
    return unreachable_ && now_mono_ns - last_failure_mono_ns_ < 2 * renew_ns_ + kConnectTimeoutNs;
  }
  int64_t epoch() const {
    std::lock_guard lock(mu_);
    return epoch_;
  }
  int64_t from_wall_ns() const {
    std::lock_guard lock(mu_);
    return from_wall_ns_;
  }

  // The keeper's side.
  void granted(int64_t epoch, int64_t from_wall_ns, int64_t deadline_mono_ns) {
    std::lock_guard lock(mu_);
    held_ = true;
    epoch_ = epoch;
    from_wall_ns_ = from_wall_ns;
    deadline_mono_ns_ = deadline_mono_ns;
    unreachable_ = false;
  }
  void lost() {
    std::lock_guard lock(mu_);
    held_ = false;
    unreachable_ = false;
  }
  // An attempt could not reach the database (seen now): a held lease stays usable past its deadline while such
  // failures keep coming.
  void unreachable() {
    const int64_t now_mono_ns = clock_.mono_ns();
    std::lock_guard lock(mu_);
    unreachable_ = true;
    last_failure_mono_ns_ = now_mono_ns;
  }
  // Any other failure (a query error): the lease ends at its deadline.
  void failed() {
    std::lock_guard lock(mu_);
    unreachable_ = false;
  }

  static constexpr int64_t kConnectTimeoutNs = 6'000'000'000;  // libpq's connect_timeout (5 s) and a margin

 private:
  const int64_t renew_ns_;
  const fifo::Clock& clock_;
  mutable std::mutex mu_;
  bool held_ = false;
  int64_t epoch_ = 0, from_wall_ns_ = 0, deadline_mono_ns_ = 0;
  bool unreachable_ = false;
  int64_t last_failure_mono_ns_ = 0;
};

}  // namespace zc::service
