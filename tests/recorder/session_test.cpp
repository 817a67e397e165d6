// The pre-roll/post-roll/re-trigger/max-length state machine with injected times (no I/O).
#include <zc/recorder/session.h>

#include <gtest/gtest.h>

using namespace zc::recorder;

namespace {
constexpr int64_t kS = 1'000'000'000;
SessionTiming timing(int64_t post, std::optional<int64_t> duration = {}, std::optional<int64_t> max = {}) {
  SessionTiming t;
  t.preroll_ns = 5 * kS;
  t.postroll_ns = post;
  t.duration_ns = duration;
  t.max_length_ns = max;
  return t;
}
}  // namespace

TEST(Session, OpenEndedUntilStopThenPostroll) {
  RecordingSession s(timing(3 * kS), 100 * kS);
  s.first_frame(95 * kS);
  EXPECT_TRUE(s.accepts(1000 * kS));
  s.stop(110 * kS);
  EXPECT_TRUE(s.accepts(112 * kS));
  EXPECT_FALSE(s.accepts(113 * kS));
  EXPECT_EQ(s.end_reason(), EndReason::stopped);
  s.stop(111 * kS);  // a later stop does not extend
  EXPECT_EQ(s.end_mono_ns(), 113 * kS);
}

TEST(Session, RetriggerDuringPostrollExtendsFromTrigger) {
  RecordingSession s(timing(3 * kS), 100 * kS);
  s.stop(110 * kS);
  s.trigger(112 * kS);
  EXPECT_EQ(s.end_mono_ns(), 115 * kS);
  EXPECT_TRUE(s.accepts(114 * kS));
}

TEST(Session, DurationEndsByItselfAndRetriggerExtendsIt) {
  RecordingSession s(timing(2 * kS, 10 * kS), 100 * kS);
  EXPECT_EQ(s.end_mono_ns(), 112 * kS);
  EXPECT_EQ(s.end_reason(), EndReason::duration);
  s.trigger(105 * kS);
  EXPECT_EQ(s.end_mono_ns(), 117 * kS);
  s.trigger(101 * kS);  // an older trigger does not shorten
  EXPECT_EQ(s.end_mono_ns(), 117 * kS);
}

TEST(Session, MaxLengthCapsFromFirstFrame) {
  RecordingSession s(timing(2 * kS, 10 * kS, 8 * kS), 100 * kS);
  s.first_frame(96 * kS);
  EXPECT_EQ(s.end_mono_ns(), 104 * kS);
  EXPECT_EQ(s.end_reason(), EndReason::max_length);
  s.trigger(103 * kS);
  EXPECT_EQ(s.end_mono_ns(), 104 * kS);
}

TEST(Session, StopBeforeDurationWins) {
  RecordingSession s(timing(1 * kS, 10 * kS), 100 * kS);
  s.stop(103 * kS);
  EXPECT_EQ(s.end_mono_ns(), 104 * kS);
  EXPECT_EQ(s.end_reason(), EndReason::stopped);
}
