// SDP of real cameras: rtpmap/fmtp per media, static payload types, session and media control.
#include <zc/ingest/depacketizer.h>
#include <zc/ingest/error.h>
#include <zc/ingest/sdp.h>

#include <gtest/gtest.h>

using namespace zc::ingest;

TEST(Sdp, H264WithSpropParameterSetsAndAac) {
  const Sdp s = parse_sdp(
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Session\r\nt=0 0\r\na=control:*\r\n"
      "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
      "a=fmtp:96 packetization-mode=1; profile-level-id=42c01f; sprop-parameter-sets=Z0LAH9kAUAW7ARAAAAMAEAAAAwPI8YMkgA==,aMuDyyA=\r\n"
      "a=control:stream=0\r\n"
      "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
      "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1190;sizelength=13;indexlength=3;indexdeltalength=3\r\n"
      "a=control:stream=1\r\n");
  EXPECT_EQ(s.control, "*");
  ASSERT_EQ(s.media.size(), 2u);
  EXPECT_EQ(s.media[0].kind, "video");
  EXPECT_EQ(s.media[0].encoding, "H264");
  EXPECT_EQ(s.media[0].clock_rate, 90000u);
  EXPECT_EQ(s.media[0].fmtp.at("sprop-parameter-sets"), "Z0LAH9kAUAW7ARAAAAMAEAAAAwPI8YMkgA==,aMuDyyA=");
  EXPECT_EQ(s.media[0].control, "stream=0");
  EXPECT_EQ(codec_of(s.media[0]), zc::fifo::Codec::h264);
  EXPECT_EQ(s.media[1].channels, 2u);
  EXPECT_EQ(s.media[1].fmtp.at("config"), "1190");
  EXPECT_EQ(codec_of(s.media[1]), zc::fifo::Codec::aac);
}

TEST(Sdp, StaticPayloadTypesWithoutRtpmap) {
  const Sdp s = parse_sdp("v=0\nm=audio 0 RTP/AVP 8\nm=audio 0 RTP/AVP 0\n");
  EXPECT_EQ(codec_of(s.media[0]), zc::fifo::Codec::pcm_alaw);
  EXPECT_EQ(s.media[0].clock_rate, 8000u);
  EXPECT_EQ(codec_of(s.media[1]), zc::fifo::Codec::pcm_mulaw);
}

TEST(Sdp, H265WithSpropVpsSpsPps) {
  const Sdp s = parse_sdp("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n"
                          "a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA/LAk=; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA/oAoIDxZ7kT; sprop-pps=RAHBcrRiQA==\r\n");
  EXPECT_EQ(codec_of(s.media[0]), zc::fifo::Codec::h265);
  EXPECT_EQ(s.media[0].fmtp.size(), 3u);
}

TEST(Sdp, FmtpOfAnotherPayloadTypeIsIgnored) {
  const Sdp s = parse_sdp("v=0\nm=video 0 RTP/AVP 96 97\na=rtpmap:97 H265/90000\na=rtpmap:96 H264/90000\na=fmtp:97 x=1\n");
  EXPECT_EQ(s.media[0].encoding, "H264");
  EXPECT_TRUE(s.media[0].fmtp.empty());
}

TEST(Sdp, NotAnSdpIsATypedError) {
  for (const char* bad : {"", "hello", "o=- 1\nm=video 0 RTP/AVP 96\n", "v=0\ns=no media\n"}) {
    try {
      parse_sdp(bad);
      ADD_FAILURE() << bad;
    } catch (const IngestError& e) {
      EXPECT_EQ(e.code(), IngestErrc::invalid_sdp);
    }
  }
}
