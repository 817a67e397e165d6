// Annex-B splitting and ADTS framing on hand-made bytes whose right answer is known from the specs.
#include <zc/media/adts.h>
#include <zc/media/annexb.h>
#include <zc/media/error.h>

#include <gtest/gtest.h>

namespace zc::media {
namespace {

std::vector<uint8_t> bytes(std::initializer_list<int> v) { return {v.begin(), v.end()}; }

TEST(AnnexB, SplitsThreeAndFourByteStartCodesAndDropsTrailingZeros) {
  const auto au = bytes({0, 0, 0, 1, 0x67, 0x42, 0x00, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 0, 1, 0x65, 0x88, 0x80});
  const auto nals = annexb::split(au);
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(std::vector<uint8_t>(nals[0].begin(), nals[0].end()), bytes({0x67, 0x42}));
  EXPECT_EQ(std::vector<uint8_t>(nals[1].begin(), nals[1].end()), bytes({0x68, 0xce}));
  EXPECT_EQ(std::vector<uint8_t>(nals[2].begin(), nals[2].end()), bytes({0x65, 0x88, 0x80}));
  EXPECT_TRUE(annexb::is_sps(fifo::Codec::h264, nals[0]));
  EXPECT_TRUE(annexb::is_parameter_set(fifo::Codec::h264, nals[1]));
  EXPECT_FALSE(annexb::is_parameter_set(fifo::Codec::h264, nals[2]));
  EXPECT_EQ(annexb::parameter_sets(fifo::Codec::h264, au),
            bytes({0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce}));
  EXPECT_TRUE(annexb::carries_sps(fifo::Codec::h264, au));
}

TEST(AnnexB, H265NalTypesAndNoStartCode) {
  // VPS 32 (0x40 0x01), SPS 33 (0x42 0x01), PPS 34 (0x44 0x01), IDR_W_RADL 19 (0x26 0x01)
  const auto au = bytes({0, 0, 1, 0x40, 0x01, 0x0c, 0, 0, 1, 0x42, 0x01, 0x01, 0, 0, 1, 0x44, 0x01, 0xc1, 0, 0, 1,
                         0x26, 0x01, 0xaf});
  EXPECT_EQ(annexb::split(au).size(), 4u);
  EXPECT_EQ(annexb::parameter_sets(fifo::Codec::h265, au).size(), 3u * (4 + 3));
  EXPECT_TRUE(annexb::carries_sps(fifo::Codec::h265, au));
  EXPECT_FALSE(annexb::carries_sps(fifo::Codec::h264, bytes({0x65, 0x88})));
  EXPECT_TRUE(annexb::split(bytes({0x65, 0x88, 0x80})).empty());
  EXPECT_FALSE(annexb::looks_like_annexb(bytes({0x01, 0x64, 0x00, 0x1f})));  // avcC starts with version 1
}

TEST(AnnexB, AStartCodeThatEndsTheBufferIsNotPartOfTheLastNal) {
  for (const auto& au : {bytes({0, 0, 1, 0x41, 0xAA, 0, 0, 1}), bytes({0, 0, 1, 0x41, 0xAA, 0, 0, 0, 1})}) {
    const auto nals = annexb::split(au);
    ASSERT_EQ(nals.size(), 1u);
    EXPECT_EQ(std::vector<uint8_t>(nals[0].begin(), nals[0].end()), bytes({0x41, 0xAA}));
  }
}

TEST(Adts, HeaderRoundTripsThroughTheParser) {
  const adts::AudioConfig lc48k_stereo{2, 3, 2};
  EXPECT_EQ(adts::make_audio_specific_config(lc48k_stereo), bytes({0x11, 0x90}));  // the well-known AAC-LC 48k/2
  const auto parsed_asc = adts::parse_audio_specific_config(bytes({0x11, 0x90}));
  ASSERT_TRUE(parsed_asc);
  EXPECT_EQ(parsed_asc->frequency_index, 3);
  const auto h = adts::header(lc48k_stereo, 300);
  const auto p = adts::parse_header(h);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->frame_bytes, 307u);
  EXPECT_EQ(p->header_bytes, 7u);
  EXPECT_EQ(p->config.object_type, 2);
  EXPECT_EQ(p->config.frequency_index, 3);
  EXPECT_EQ(p->config.channel_config, 2);
  EXPECT_THROW(adts::header(lc48k_stereo, 9000), MediaError);
  EXPECT_FALSE(adts::parse_header(bytes({0x12, 0x34, 0, 0, 0, 0, 0})));
}

}  // namespace
}  // namespace zc::media
