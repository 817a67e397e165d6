// The two byte-level facts the server reads from access units (serve/src/elementary.h), on the edge cases a
// ring can hold: parameter sets behind 3- and 4-byte start codes, none at all, truncated units; ADTS headers with
// and without CRC, and frames that only look like ADTS.
#include "elementary.h"

#include <gtest/gtest.h>

#include <vector>

namespace zc::serve {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(Elementary, FindsAnSpsBehindEitherStartCode) {
  const Bytes h264_4{0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88};
  const Bytes h264_3{0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 0x42};
  const Bytes h264_idr_only{0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x67};  // 0x67 in the payload is no NAL header
  EXPECT_TRUE(has_parameter_sets(fifo::Codec::h264, h264_4));
  EXPECT_TRUE(has_parameter_sets(fifo::Codec::h264, h264_3));
  EXPECT_FALSE(has_parameter_sets(fifo::Codec::h264, h264_idr_only));
  // H.265: NAL type in bits 1..6 of the first header byte (VPS 32 = 0x40, SPS 33 = 0x42, IDR_W_RADL 19 = 0x26).
  const Bytes h265{0, 0, 0, 1, 0x40, 0x01, 0, 0, 0, 1, 0x42, 0x01, 0, 0, 0, 1, 0x26, 0x01};
  const Bytes h265_idr_only{0, 0, 0, 1, 0x26, 0x01, 0xaf};
  EXPECT_TRUE(has_parameter_sets(fifo::Codec::h265, h265));
  EXPECT_FALSE(has_parameter_sets(fifo::Codec::h265, h265_idr_only));
  EXPECT_FALSE(has_parameter_sets(fifo::Codec::h264, h265));  // 0x42 & 0x1f is 2, not an SPS
}

TEST(Elementary, TruncatedUnitsAreNotReadPastTheirEnd) {
  for (const Bytes& b : {Bytes{}, Bytes{0}, Bytes{0, 0}, Bytes{0, 0, 1}, Bytes{0, 0, 0, 1}})
    EXPECT_FALSE(has_parameter_sets(fifo::Codec::h264, b)) << b.size();
}

TEST(Elementary, StripsAnAdtsHeaderWithOrWithoutCrc) {
  // 7-byte header (protection_absent = 1), frame_length = 7 + 3.
  const Bytes no_crc{0xff, 0xf1, 0x50, 0x80, 0x01, 0x5f, 0xfc, 0xaa, 0xbb, 0xcc};
  const auto a = without_adts_header(no_crc);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0], 0xaa);
  // 9-byte header (protection_absent = 0: a CRC follows), frame_length = 9 + 2.
  const Bytes crc{0xff, 0xf0, 0x50, 0x80, 0x01, 0x7f, 0xfc, 0x12, 0x34, 0xdd, 0xee};
  const auto b = without_adts_header(crc);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0], 0xdd);
}

TEST(Elementary, RawAacAndBrokenHeadersAreLeftAlone) {
  const Bytes raw{0x21, 0x10, 0x05, 0x00};
  EXPECT_EQ(without_adts_header(raw).size(), raw.size());
  // Sync word, but frame_length (100) longer than the frame: not ADTS, passed on untouched.
  const Bytes too_long{0xff, 0xf1, 0x50, 0x80, 0x0c, 0x9f, 0xfc, 0xaa};
  EXPECT_EQ(without_adts_header(too_long).size(), too_long.size());
  const Bytes short_frame{0xff, 0xf1, 0x50};
  EXPECT_EQ(without_adts_header(short_frame).size(), short_frame.size());
}

}  // namespace
}  // namespace zc::serve
