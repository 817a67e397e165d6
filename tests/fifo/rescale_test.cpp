// fifo::rescale: exact for any media timestamp (128-bit intermediates), both roundings, clamped results.
#include <zc/fifo/rescale.h>

#include <gtest/gtest.h>

#include <limits>

using namespace zc::fifo;

TEST(Rescale, CommonTimeBases) {
  EXPECT_EQ(to_ns(90000, {1, 90000}), 1'000'000'000);
  EXPECT_EQ(from_ns(1'000'000'000, {1, 48000}), 48000);
  EXPECT_EQ(rescale(3003, {1, 30000}, {1, 90000}), 9009);
  EXPECT_EQ(rescale(1, {1001, 30000}, {1, 90000}), 3003);
  static_assert(rescale(1, {1, 25}, {1, 1000}) == 40);
}

TEST(Rescale, RoundingTowardZeroOrToTheNearestHalvesAway) {
  // 1 tick of 1/90000 s is 11111.1 ns.
  EXPECT_EQ(to_ns(1, {1, 90000}), 11111);
  EXPECT_EQ(to_ns(-1, {1, 90000}), -11111);
  EXPECT_EQ(from_ns(5, {1, 10}), 0);                                   // 0.5e-7 ticks
  EXPECT_EQ(rescale(1, {1, 2}, {1, 1}, Rounding::nearest), 1);          // 0.5 -> 1
  EXPECT_EQ(rescale(-1, {1, 2}, {1, 1}, Rounding::nearest), -1);        // -0.5 -> -1
  EXPECT_EQ(rescale(1, {1, 3}, {1, 1}, Rounding::nearest), 0);          // 0.33 -> 0
  EXPECT_EQ(rescale(2, {1, 3}, {1, 1}, Rounding::nearest), 1);          // 0.67 -> 1
  EXPECT_EQ(rescale(2, {1, 3}, {1, 1}), 0);
  EXPECT_EQ(from_ns(11112, {1, 90000}, Rounding::nearest), 1);
}

TEST(Rescale, LargeTimestampsDoNotOverflowAndResultsClamp) {
  // A day at 90 kHz in nanoseconds: v * 1e9 in 64 bits would overflow (7.8e12 * 1e9); in 128 bits it does not.
  const int64_t day = int64_t{86400} * 90000;
  EXPECT_EQ(to_ns(day, {1, 90000}), int64_t{86400} * 1'000'000'000);
  const int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_EQ(rescale(big, {1, 1000}, {1, 1000}), big);
  EXPECT_EQ(rescale(big, {1, 1}, {1, 1'000'000'000}), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(rescale(-big, {1, 1}, {1, 1'000'000'000}), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(rescale(big, {1'000'000'000, 1}, {1, 1'000'000'000}), std::numeric_limits<int64_t>::max());
}

TEST(Rescale, InvalidTimeBasesGiveZeroNotADivisionByZero) {
  EXPECT_EQ(rescale(5, {1, 0}, {1, 90000}), 0);
  EXPECT_EQ(rescale(5, {0, 1}, {1, 90000}), 0);
  EXPECT_EQ(rescale(5, {1, 90000}, {-1, 90000}), 0);
}
