// zc::media's Annex-B -> MP4 sample conversion (the recorder's segments), checked on hand-made edge cases and
// against FFmpeg: real libx264/libx265 access units converted by zcrec and turned back into Annex-B by FFmpeg's h264/hevc_mp4toannexb
// bitstream filter (fed with zcrec's avcC/hvcC record) must give back exactly the NAL units that went in.
#include <zc/media/annexb.h>
#include <zc/media/ffmpeg_ptr.h>
#include <zc/media/mp4_sample.h>
#include <zc/media/test_source.h>

#include <gtest/gtest.h>

extern "C" {
#include <libavutil/mem.h>
}

#include <algorithm>
#include <cstring>
#include <string>

using namespace zc;
using media::mp4_sample::decoder_config_record;
using media::mp4_sample::from_annexb;

namespace {

std::vector<uint8_t> convert(std::vector<uint8_t> annexb) {
  std::vector<uint8_t> out{0xEE};  // from_annexb must replace, not append
  from_annexb(std::as_bytes(std::span(annexb)), out);
  return out;
}

// NAL units as (length, bytes) pairs of a length-prefixed sample; fails the test on a malformed one.
std::vector<std::vector<uint8_t>> length_prefixed_nals(const std::vector<uint8_t>& s) {
  std::vector<std::vector<uint8_t>> nals;
  size_t i = 0;
  while (i < s.size()) {
    EXPECT_LE(i + 4, s.size());
    if (i + 4 > s.size()) break;
    const size_t n = size_t{s[i]} << 24 | size_t{s[i + 1]} << 16 | size_t{s[i + 2]} << 8 | s[i + 3];
    EXPECT_LE(i + 4 + n, s.size());
    if (i + 4 + n > s.size()) break;
    nals.emplace_back(s.begin() + static_cast<long>(i + 4), s.begin() + static_cast<long>(i + 4 + n));
    i += 4 + n;
  }
  return nals;
}

std::vector<std::vector<uint8_t>> annexb_nals(std::span<const uint8_t> annexb) {
  std::vector<std::vector<uint8_t>> out;
  for (auto nal : media::annexb::split(annexb)) out.emplace_back(nal.begin(), nal.end());
  return out;
}

std::vector<std::vector<uint8_t>> without_parameter_sets(fifo::Codec codec, std::vector<std::vector<uint8_t>> nals) {
  std::erase_if(nals, [&](const auto& n) { return media::annexb::is_parameter_set(codec, n); });
  return nals;
}

}  // namespace

TEST(Mp4Sample, StartCodesOfThreeAndFourBytesBecomeLengths) {
  EXPECT_EQ(convert({0, 0, 0, 1, 0x65, 0xAA, 0, 0, 1, 0x41, 0xBB, 0xCC}),
            (std::vector<uint8_t>{0, 0, 0, 2, 0x65, 0xAA, 0, 0, 0, 3, 0x41, 0xBB, 0xCC}));
}

TEST(Mp4Sample, BytesBeforeTheFirstStartCodeAndZerosBeforeEachAreDropped) {
  EXPECT_EQ(convert({0x12, 0x34, 0, 0, 1, 0x67, 0x01, 0, 0, 0, 0, 1, 0x68, 0x02, 0, 0}),
            (std::vector<uint8_t>{0, 0, 0, 2, 0x67, 0x01, 0, 0, 0, 2, 0x68, 0x02}));
}

TEST(Mp4Sample, EmulationPreventionAndLoneOnesStayInsideTheNal) {
  // 00 00 03 01 is escaped payload, not a start code; a 01 after a single zero is payload too.
  EXPECT_EQ(convert({0, 0, 1, 0x41, 0, 0, 3, 1, 0, 1, 1, 0x7F}),
            (std::vector<uint8_t>{0, 0, 0, 9, 0x41, 0, 0, 3, 1, 0, 1, 1, 0x7F}));
}

TEST(Mp4Sample, InputWithoutAStartCodeOrWithEmptyNalsGivesNoNals) {
  EXPECT_TRUE(convert({}).empty());
  EXPECT_TRUE(convert({0x41, 0x42, 0x43}).empty());
  EXPECT_TRUE(convert({0, 0, 1}).empty());
  EXPECT_TRUE(convert({0, 0, 1, 0, 0, 1, 0, 0, 0}).empty());
  EXPECT_EQ(convert({0, 0, 1, 0, 0, 1, 0x09, 0xF0}), (std::vector<uint8_t>{0, 0, 0, 2, 0x09, 0xF0}));
}

TEST(Mp4Sample, AStartCodeThatEndsTheBufferIsNotPartOfTheLastNal) {
  EXPECT_EQ(convert({0, 0, 1, 0x41, 0xAA, 0, 0, 1}), (std::vector<uint8_t>{0, 0, 0, 2, 0x41, 0xAA}));
  EXPECT_EQ(convert({0, 0, 1, 0x41, 0xAA, 0, 0, 0, 1}), (std::vector<uint8_t>{0, 0, 0, 2, 0x41, 0xAA}));
}

TEST(Mp4Sample, NoRecordForAudioOrAMissingConfiguration) {
  fifo::TrackInfo aac;
  aac.kind = fifo::MediaKind::audio;
  aac.codec = fifo::Codec::aac;
  aac.config = {0x12, 0x10};
  EXPECT_FALSE(decoder_config_record(aac));
  fifo::TrackInfo bare;
  bare.codec = fifo::Codec::h264;
  EXPECT_FALSE(decoder_config_record(bare));
  // Already an avcC record (configurationVersion 1): its frames are length-prefixed, not ours to convert.
  fifo::TrackInfo avcc = bare;
  avcc.config = {1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0, 0x1F, 1, 0, 2, 0x68, 0xEE};
  EXPECT_FALSE(decoder_config_record(avcc));
}

class Mp4SampleAgainstFfmpeg : public ::testing::TestWithParam<fifo::Codec> {};

TEST_P(Mp4SampleAgainstFfmpeg, FfmpegTurnsOurSamplesBackIntoTheSameNals) {
  media::TestSourceOptions o;
  o.codec = GetParam();
  o.width = 320;
  o.height = 240;
  o.bframes = 2;
  o.frames = 60;
  o.gop_seconds = 1.0;
  media::TestSource src(o);
  const fifo::TrackInfo& video = src.stream_info().tracks.at(0);
  const auto record = decoder_config_record(video);
  ASSERT_TRUE(record) << "no record for " << fifo::to_string(GetParam());
  ASSERT_GE(record->size(), 7u);
  EXPECT_EQ((*record)[0], 1) << "configurationVersion";

  const char* bsf_name = GetParam() == fifo::Codec::h264 ? "h264_mp4toannexb" : "hevc_mp4toannexb";
  const AVBitStreamFilter* filter = av_bsf_get_by_name(bsf_name);
  ASSERT_NE(filter, nullptr);
  AVBSFContext* raw = nullptr;
  ASSERT_EQ(av_bsf_alloc(filter, &raw), 0);
  media::BsfPtr bsf(raw);
  raw->par_in->codec_type = AVMEDIA_TYPE_VIDEO;
  raw->par_in->codec_id = GetParam() == fifo::Codec::h264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC;
  raw->par_in->extradata = static_cast<uint8_t*>(av_mallocz(record->size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::memcpy(raw->par_in->extradata, record->data(), record->size());
  raw->par_in->extradata_size = static_cast<int>(record->size());
  ASSERT_EQ(av_bsf_init(raw), 0) << "FFmpeg rejects zcrec's " << bsf_name << " record";

  media::MediaPacket in;
  int frames = 0;
  std::vector<uint8_t> sample;
  auto pkt = media::make_packet();
  while (src.read(in)) {
    if (in.track != video.track_id) continue;
    from_annexb(std::as_bytes(std::span(in.data)), sample);
    const auto ours = length_prefixed_nals(sample);
    ASSERT_EQ(ours, annexb_nals(in.data)) << "frame " << frames << ": lengths do not frame the same NAL units";

    ASSERT_EQ(av_new_packet(pkt.get(), static_cast<int>(sample.size())), 0);
    std::memcpy(pkt->data, sample.data(), sample.size());
    if (in.keyframe) pkt->flags |= AV_PKT_FLAG_KEY;
    ASSERT_EQ(av_bsf_send_packet(raw, pkt.get()), 0) << "frame " << frames;
    ASSERT_EQ(av_bsf_receive_packet(raw, pkt.get()), 0) << "frame " << frames;
    const auto back = annexb_nals({pkt->data, static_cast<size_t>(pkt->size)});
    av_packet_unref(pkt.get());
    // On keyframes the filter adds the record's parameter sets (before the first slice, for H.265): apart from
    // parameter sets, the NAL units must come back identical and in order, and ours must all be there.
    EXPECT_EQ(without_parameter_sets(GetParam(), back), without_parameter_sets(GetParam(), ours)) << "frame " << frames;
    for (const auto& nal : ours)
      EXPECT_NE(std::find(back.begin(), back.end(), nal), back.end()) << "frame " << frames << " lost a NAL unit";
    ++frames;
  }
  EXPECT_EQ(frames, 60);
}

INSTANTIATE_TEST_SUITE_P(Codecs, Mp4SampleAgainstFfmpeg, ::testing::Values(fifo::Codec::h264, fifo::Codec::h265),
                         [](const auto& p) { return std::string(fifo::to_string(p.param)); });
