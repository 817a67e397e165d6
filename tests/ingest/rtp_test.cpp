// RTP headers, RTCP sender reports, sequence numbers (losses, wraps, any start) and timestamp unwrapping.
#include <zc/ingest/reorder_buffer.h>
#include <zc/ingest/rtp.h>

#include <gtest/gtest.h>

#include <vector>

using namespace zc::ingest;

namespace {

std::vector<uint8_t> rtp(uint16_t seq, uint32_t ts, bool marker = false, std::vector<uint8_t> payload = {0x41}) {
  std::vector<uint8_t> b = {0x80, static_cast<uint8_t>((marker ? 0x80 : 0) | 96), static_cast<uint8_t>(seq >> 8),
                            static_cast<uint8_t>(seq), static_cast<uint8_t>(ts >> 24), static_cast<uint8_t>(ts >> 16),
                            static_cast<uint8_t>(ts >> 8), static_cast<uint8_t>(ts), 0x12, 0x34, 0x56, 0x78};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

}  // namespace

TEST(Rtp, HeaderWithCsrcExtensionAndPadding) {
  std::vector<uint8_t> b = {0xB1, 0xE0, 0x00, 0x07, 0, 0, 0x10, 0, 1, 2, 3, 4,  // V2 P X CC=1, M, PT 96
                            9, 9, 9, 9,                                        // CSRC
                            0xBE, 0xDE, 0x00, 0x01, 1, 2, 3, 4,                // extension, one word
                            0xAA, 0xBB, 0, 0, 3};                              // payload + 3 bytes padding
  const auto p = parse_rtp(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->marker);
  EXPECT_EQ(p->payload_type, 96);
  EXPECT_EQ(p->sequence, 7);
  EXPECT_EQ(p->timestamp, 0x1000u);
  ASSERT_EQ(p->payload.size(), 2u);
  EXPECT_EQ(p->payload[0], 0xAA);
}

TEST(Rtp, MalformedPacketsAreRejected) {
  EXPECT_FALSE(parse_rtp(std::vector<uint8_t>{0x80, 96, 0}));
  EXPECT_FALSE(parse_rtp(std::vector<uint8_t>{0x40, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));       // version 1
  EXPECT_FALSE(parse_rtp(std::vector<uint8_t>{0x8F, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));       // 15 CSRCs missing
  EXPECT_FALSE(parse_rtp(std::vector<uint8_t>{0xA0, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9}));  // padding > payload
}

TEST(Rtp, SenderReportGivesWallClock) {
  // NTP 2024-01-01T00:00:00.5 = 3913056000 s since 1900.
  const uint32_t secs = 3913056000u;
  std::vector<uint8_t> sr = {0x80, 200, 0, 6, 0, 0, 0, 1,
                             static_cast<uint8_t>(secs >> 24), static_cast<uint8_t>(secs >> 16),
                             static_cast<uint8_t>(secs >> 8), static_cast<uint8_t>(secs), 0x80, 0, 0, 0,
                             0, 0, 0x30, 0x39, 0, 0, 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> compound = {0x81, 201, 0, 1, 0, 0, 0, 2};  // an RR first
  compound.insert(compound.end(), sr.begin(), sr.end());
  const auto r = parse_sender_report(compound);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->wall_ns, 1704067200'500'000'000LL);
  EXPECT_EQ(r->rtp_timestamp, 12345u);
  EXPECT_FALSE(parse_sender_report(std::vector<uint8_t>{0x80, 201, 0, 1, 0, 0, 0, 2}));
}

TEST(Rtp, SequenceNumbersStartingAtZero) {
  SequenceTracker s;
  EXPECT_EQ(s.next(0).lost, 0u);
  EXPECT_EQ(s.next(1).lost, 0u);
  EXPECT_EQ(s.next(2).lost, 0u);
}

TEST(Rtp, SequenceNumbersStartingAtOne) {
  SequenceTracker s;
  EXPECT_EQ(s.next(1).lost, 0u);
  EXPECT_EQ(s.next(2).lost, 0u);
  EXPECT_EQ(s.next(5).lost, 2u);
}

TEST(Rtp, SequenceWrapIsNotALoss) {
  SequenceTracker s;
  s.next(65534);
  EXPECT_EQ(s.next(65535).lost, 0u);
  EXPECT_EQ(s.next(0).lost, 0u);
  EXPECT_EQ(s.next(2).lost, 1u);
  EXPECT_TRUE(s.next(2).stale);
  EXPECT_TRUE(s.next(65535).stale);
}

TEST(Rtp, TimestampUnwrapsAcross32Bits) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.unwrap(0xFFFFF000u), 0xFFFFF000LL);
  EXPECT_EQ(u.unwrap(0x00000F00u), 0x100000F00LL);
  EXPECT_EQ(u.unwrap(0xFFFFFF00u), 0xFFFFFF00LL);  // a step back across the wrap
  EXPECT_EQ(u.peek(0x00001000u), 0x100001000LL);
}

TEST(Rtp, ReorderBufferPutsLatePacketsInPlace) {
  ReorderBuffer r;
  std::vector<uint16_t> out;
  auto deliver = [&](std::span<const uint8_t> b) { out.push_back(static_cast<uint16_t>((b[2] << 8) | b[3])); };
  for (uint16_t seq : {10, 12, 13, 11, 14, 14, 9}) {
    const auto p = rtp(seq, 0);
    r.push(seq, p, deliver);
  }
  EXPECT_EQ(out, (std::vector<uint16_t>{10, 11, 12, 13, 14}));
}

TEST(Rtp, ReorderBufferGivesUpAHoleWhenFull) {
  ReorderBuffer r;
  std::vector<uint16_t> out;
  auto deliver = [&](std::span<const uint8_t> b) { out.push_back(static_cast<uint16_t>((b[2] << 8) | b[3])); };
  r.push(65530, rtp(65530, 0), deliver);
  for (int i = 2; i < 2 + static_cast<int>(ReorderBuffer::kSlots); ++i) {
    const auto seq = static_cast<uint16_t>(65530 + i);
    r.push(seq, rtp(seq, 0), deliver);
  }
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0], 65530);
  EXPECT_EQ(out[1], 65532);  // 65531 given up; sequence numbers wrap on the way
  for (size_t i = 2; i < out.size(); ++i) EXPECT_EQ(out[i], static_cast<uint16_t>(out[i - 1] + 1));
}

// Found by the rtp_packet fuzz target: a packet half the sequence space away was taken for a hole to wait for.
TEST(Rtp, ASequenceRestartIsNotAHoleToWaitFor) {
  ReorderBuffer r;
  std::vector<uint16_t> out;
  auto deliver = [&](std::span<const uint8_t> b) { out.push_back(static_cast<uint16_t>((b[2] << 8) | b[3])); };
  for (uint16_t seq : {100, 102, 9000, 9001}) r.push(seq, rtp(seq, 0), deliver);
  EXPECT_EQ(out, (std::vector<uint16_t>{100, 102, 9000, 9001}));
  SequenceTracker s;
  s.next(100);
  EXPECT_EQ(s.next(9000).lost, 1u);  // one break, not 8899 lost packets
  // Exactly half the sequence space away is neither after nor before: dropped.
  ReorderBuffer half;
  out.clear();
  for (uint16_t seq : {0, 32768}) half.push(seq, rtp(seq, 0), deliver);
  EXPECT_EQ(out, (std::vector<uint16_t>{0}));
}
