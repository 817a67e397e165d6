// A cluster camera's LeaseGate reads "now" from the service's injected clock (zc/fifo/clock.h), so a lease's end
// and the database-outage allowance can be driven by a test's clock, without a daemon, a database or waiting.
// The fake clock starts near year 2000 of CLOCK_MONOTONIC (1e18 ns, ~31 years of uptime): a gate that read the
// host's clock instead would see every deadline here as decades away and keep saying yes.
#include "lease_gate.h"

#include <zc/fifo/clock.h>

#include <gtest/gtest.h>

#include <atomic>

using zc::service::LeaseGate;

namespace {

class ManualClock final : public zc::fifo::Clock {
 public:
  int64_t mono_ns() const override { return mono_.load(); }
  int64_t wall_ns() const override { return 1'800'000'000'000'000'000 + mono_.load(); }
  void advance(int64_t ns) { mono_ += ns; }

 private:
  std::atomic<int64_t> mono_{1'000'000'000'000'000'000};
};

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kLease = 15 * kSecond;
constexpr int64_t kRenew = kLease / 3;

}  // namespace

TEST(ServiceClock, LeaseGateEndsAtTheLeaseDeadlineOnTheInjectedClock) {
  ManualClock clock;
  LeaseGate gate(kRenew, clock);
  EXPECT_FALSE(gate.may_record());  // never granted
  gate.granted(7, clock.wall_ns(), clock.mono_ns() + kLease);
  EXPECT_TRUE(gate.may_record());
  EXPECT_EQ(gate.epoch(), 7);
  clock.advance(kLease - 1);
  EXPECT_TRUE(gate.may_record());
  // A host that made no attempt meanwhile (stopped by SIGSTOP, say) stops at its deadline.
  clock.advance(1);
  EXPECT_FALSE(gate.may_record());
}

TEST(ServiceClock, LeaseGateKeepsRecordingWhileTheDatabaseIsUnreachableAndStopsWhenAttemptsStop) {
  ManualClock clock;
  LeaseGate gate(kRenew, clock);
  gate.granted(1, clock.wall_ns(), clock.mono_ns() + kLease);
  clock.advance(kLease + kSecond);
  EXPECT_FALSE(gate.may_record());
  // An attempt that could not reach the database, seen now on the gate's clock: fail-open.
  gate.unreachable();
  EXPECT_TRUE(gate.may_record());
  const int64_t allowance = 2 * kRenew + LeaseGate::kConnectTimeoutNs;
  clock.advance(allowance - 1);
  EXPECT_TRUE(gate.may_record());
  clock.advance(1);  // no newer failure: the keeper stopped trying
  EXPECT_FALSE(gate.may_record());
  // A query error (the database answered) is no outage: the lease ends at its deadline.
  gate.unreachable();
  EXPECT_TRUE(gate.may_record());
  gate.failed();
  EXPECT_FALSE(gate.may_record());
}

TEST(ServiceClock, LeaseGateLostEndsAtOnce) {
  ManualClock clock;
  LeaseGate gate(kRenew, clock);
  gate.granted(3, clock.wall_ns(), clock.mono_ns() + kLease);
  gate.lost();
  EXPECT_FALSE(gate.may_record());
}
