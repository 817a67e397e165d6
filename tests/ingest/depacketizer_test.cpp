// Depacketizers on crafted RTP packets: one test per packetization and per camera quirk.
#include <zc/ingest/dts_from_pts.h>

#include <zc/ingest/depacketizer.h>
#include <zc/ingest/sdp.h>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace zc;
using namespace zc::ingest;

namespace {

using Bytes = std::vector<uint8_t>;

SdpMedia media(const char* encoding, std::map<std::string, std::string> fmtp = {}) {
  SdpMedia m;
  m.encoding = encoding;
  m.payload_type = 96;
  m.clock_rate = 90000;
  m.fmtp = std::move(fmtp);
  return m;
}

struct Feed {
  explicit Feed(std::unique_ptr<Depacketizer> depacketizer) : d(std::move(depacketizer)) {}
  std::unique_ptr<Depacketizer> d;
  std::vector<AccessUnit> out;
  void push(const Bytes& payload, int64_t ts, bool marker) {
    RtpPacket p;
    p.marker = marker;
    p.payload = payload;
    d->push(p, ts, out);
  }
};

Bytes annexb(std::initializer_list<Bytes> nals) {
  Bytes out;
  for (const Bytes& n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

const Bytes kSps = {0x67, 0x42, 0xC0, 0x1E, 0xD9};
const Bytes kPps = {0x68, 0xCE, 0x3C, 0x80};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33};
const Bytes kSlice = {0x41, 0x9A, 0x02, 0x04};
const Bytes kSei = {0x06, 0x05, 0x01, 0xAA, 0x80};

Bytes stap_a(std::initializer_list<Bytes> nals) {
  Bytes out = {0x18};
  for (const Bytes& n : nals) {
    out.push_back(static_cast<uint8_t>(n.size() >> 8));
    out.push_back(static_cast<uint8_t>(n.size()));
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

// FU-A pieces of `nal` in `pieces` parts.
std::vector<Bytes> fu_a(const Bytes& nal, size_t pieces) {
  std::vector<Bytes> out;
  const size_t body = nal.size() - 1, step = (body + pieces - 1) / pieces;
  for (size_t i = 0, at = 1; at < nal.size(); ++i, at += step) {
    const size_t end = std::min(nal.size(), at + step);
    Bytes p = {static_cast<uint8_t>((nal[0] & 0xE0) | 28),
               static_cast<uint8_t>((i == 0 ? 0x80 : 0) | (end == nal.size() ? 0x40 : 0) | (nal[0] & 0x1F))};
    p.insert(p.end(), nal.begin() + static_cast<std::ptrdiff_t>(at), nal.begin() + static_cast<std::ptrdiff_t>(end));
    out.push_back(p);
  }
  return out;
}

}  // namespace

TEST(H264Depacketizer, SingleNalUnitsEndOnTheMarker) {
  Feed f{make_depacketizer(media("H264"))};
  f.push(kSlice, 3000, false);
  EXPECT_TRUE(f.out.empty());
  f.push(kSlice, 3000, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, annexb({kSlice, kSlice}));
  EXPECT_FALSE(f.out[0].keyframe);
  EXPECT_EQ(f.out[0].timestamp, 3000);
}

TEST(H264Depacketizer, StapAWithParameterSetsMakesAKeyframe) {
  Feed f{make_depacketizer(media("H264"))};
  f.push(stap_a({kSps, kPps}), 0, false);
  f.push(kIdr, 0, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, annexb({kSps, kPps, kIdr}));
  EXPECT_TRUE(f.out[0].keyframe);
  EXPECT_EQ(f.out[0].parameter_sets, annexb({kSps, kPps}));
}

TEST(H264Depacketizer, FuAIsReassembled) {
  Bytes big = {0x65};
  for (int i = 0; i < 3000; ++i) big.push_back(static_cast<uint8_t>(i * 7 + 1));
  Feed f{make_depacketizer(media("H264"))};
  const auto pieces = fu_a(big, 3);
  for (size_t i = 0; i < pieces.size(); ++i) f.push(pieces[i], 90, i + 1 == pieces.size());
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, annexb({big}));
  EXPECT_TRUE(f.out[0].keyframe);
  EXPECT_FALSE(f.out[0].damaged);
}

TEST(H264Depacketizer, LostFuAPieceDamagesTheAccessUnit) {
  Bytes big = {0x41};
  for (int i = 0; i < 3000; ++i) big.push_back(static_cast<uint8_t>(i + 1));
  Feed f{make_depacketizer(media("H264"))};
  const auto pieces = fu_a(big, 3);
  f.push(pieces[0], 90, false);
  f.d->lost();
  f.push(pieces[2], 90, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_TRUE(f.out[0].damaged);
}

TEST(H264Depacketizer, LossBetweenAccessUnitsDamagesTheNextOne) {
  Feed f{make_depacketizer(media("H264"))};
  f.push(kSlice, 0, true);
  f.d->lost();  // the first packet of the next picture
  f.push(kSlice, 3000, true);
  f.push(kSlice, 6000, true);
  ASSERT_EQ(f.out.size(), 3u);
  EXPECT_FALSE(f.out[0].damaged);
  EXPECT_TRUE(f.out[1].damaged);
  EXPECT_FALSE(f.out[2].damaged);
}

TEST(H264Depacketizer, MarkerOnSeiDoesNotSplitThePicture) {
  // Cameras that set the marker bit on a packet of SEI (or parameter sets) sent before the picture.
  Feed f{make_depacketizer(media("H264"))};
  f.push(kSei, 0, true);
  f.push(stap_a({kSps, kPps}), 0, true);
  EXPECT_TRUE(f.out.empty());
  f.push(kIdr, 0, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, annexb({kSei, kSps, kPps, kIdr}));
}

TEST(H264Depacketizer, ParameterSetsRepeatedBeforeEachSliceAreLeftOut) {
  // GStreamer's rtph264pay (config-interval=-1) puts SPS/PPS in front of every IDR slice of a sliced picture;
  // after the first slice they would begin a new access unit.
  Feed f{make_depacketizer(media("H264"))};
  const Bytes idr2 = {0x65, 0x00, 0x42, 0x10};  // first_mb_in_slice != 0
  f.push(stap_a({kSps, kPps}), 0, false);
  f.push(kIdr, 0, false);
  f.push(stap_a({kSps, kPps}), 0, false);
  f.push(idr2, 0, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, annexb({kSps, kPps, kIdr, idr2}));
}

TEST(H264Depacketizer, TimestampChangeEndsTheAccessUnitWithoutMarker) {
  Feed f{make_depacketizer(media("H264"))};
  f.push(kSlice, 0, false);
  f.push(kSlice, 0, false);
  f.push(kSlice, 3000, false);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, annexb({kSlice, kSlice}));
  EXPECT_EQ(f.out[0].timestamp, 0);
}

TEST(H264Depacketizer, TruncatedStapADamagesTheAccessUnit) {
  Feed f{make_depacketizer(media("H264"))};
  Bytes bad = stap_a({kSps});
  bad.push_back(0x00);
  bad.push_back(0x40);  // claims 64 bytes that are not there
  f.push(bad, 0, false);
  f.push(kIdr, 0, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_TRUE(f.out[0].damaged);
}

TEST(H265Depacketizer, SingleApAndFu) {
  const Bytes vps = {0x40, 0x01, 0x0C}, sps = {0x42, 0x01, 0x01}, pps = {0x44, 0x01, 0xC1};
  Bytes cra = {0x2A, 0x01, 0xAF};  // type 21 (CRA): a random access point
  for (int i = 0; i < 2000; ++i) cra.push_back(static_cast<uint8_t>(i | 1));
  Feed f{make_depacketizer(media("H265"))};
  Bytes ap = {0x60, 0x01};  // type 48
  for (const Bytes* n : {&vps, &sps, &pps}) {
    ap.push_back(0);
    ap.push_back(static_cast<uint8_t>(n->size()));
    ap.insert(ap.end(), n->begin(), n->end());
  }
  f.push(ap, 0, false);
  // FU (type 49) in two pieces.
  Bytes fu1 = {0x62, 0x01, static_cast<uint8_t>(0x80 | 21)}, fu2 = {0x62, 0x01, static_cast<uint8_t>(0x40 | 21)};
  fu1.insert(fu1.end(), cra.begin() + 2, cra.begin() + 1000);
  fu2.insert(fu2.end(), cra.begin() + 1000, cra.end());
  f.push(fu1, 0, false);
  f.push(fu2, 0, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, annexb({vps, sps, pps, cra}));
  EXPECT_TRUE(f.out[0].keyframe);
  EXPECT_EQ(f.out[0].parameter_sets, annexb({vps, sps, pps}));
  const Bytes trail = {0x02, 0x01, 0xD0};  // TRAIL_R
  f.push(trail, 3000, true);
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_FALSE(f.out[1].keyframe);
}

TEST(AacDepacketizer, OneAccessUnitPerPacket) {
  Feed f{make_depacketizer(media("MPEG4-GENERIC", {{"mode", "AAC-hbr"}, {"sizelength", "13"}, {"indexlength", "3"}}))};
  f.push({0x00, 0x10, 0x00, 0x18, 0xDE, 0xAD, 0xBE}, 1024, true);  // one header: size 3, index 0
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, (Bytes{0xDE, 0xAD, 0xBE}));
  EXPECT_TRUE(f.out[0].keyframe);
}

TEST(AacDepacketizer, SeveralAccessUnitsPerPacketGetTheirOwnTimestamps) {
  Feed f{make_depacketizer(media("MPEG4-GENERIC", {{"mode", "AAC-hbr"}, {"sizelength", "13"}, {"indexlength", "3"}}))};
  // Two headers (32 bits): sizes 2 and 1.
  f.push({0x00, 0x20, 0x00, 0x10, 0x00, 0x08, 0x01, 0x02, 0x03}, 0, true);
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_EQ(f.out[0].data, (Bytes{0x01, 0x02}));
  EXPECT_EQ(f.out[1].data, (Bytes{0x03}));
  EXPECT_EQ(f.out[1].timestamp, 1024);
}

TEST(AacDepacketizer, FragmentedAccessUnit) {
  Feed f{make_depacketizer(media("MPEG4-GENERIC", {{"mode", "AAC-hbr"}}))};
  // One header saying 4 bytes, payload split 2 + 2 over two packets with one timestamp.
  f.push({0x00, 0x10, 0x00, 0x20, 0x01, 0x02}, 0, false);
  f.push({0x00, 0x10, 0x00, 0x20, 0x03, 0x04}, 0, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, (Bytes{0x01, 0x02, 0x03, 0x04}));
  EXPECT_FALSE(f.out[0].damaged);
}

TEST(G711Depacketizer, EveryPacketIsAnAccessUnit) {
  SdpMedia m;
  m.payload_type = 8;
  m.encoding = "PCMA";
  Feed f{make_depacketizer(m)};
  f.push({1, 2, 3}, 160, false);
  f.push({4, 5}, 320, false);
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_EQ(f.out[1].timestamp, 320);
}

TEST(DtsFromPts, WithoutBFramesDtsIsPts) {
  DtsFromPts d;
  for (int64_t pts : {0, 3000, 6000, 9000}) EXPECT_EQ(d.next(pts), pts);
}

TEST(DtsFromPts, BFramesGetIncreasingDtsNeverAfterPts) {
  DtsFromPts d;
  // Decoding order of I P B B P B B ... (one reordering level), 3600 ticks per frame (25 fps at 90 kHz).
  std::vector<int64_t> pts;
  for (int64_t p : {0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11}) pts.push_back(p * 3600);
  int64_t last = INT64_MIN;
  for (size_t i = 0; i < pts.size(); ++i) {
    const int64_t dts = d.next(pts[i]);
    EXPECT_GT(dts, last) << i;
    if (i >= 4) {
      EXPECT_LE(dts, pts[i]) << i;  // once the reordering depth is known
    }
    last = dts;
  }
  EXPECT_EQ(d.depth(), 1);
}

TEST(DtsFromPts, ACameraClockSteppingBackIsNotReordering) {
  DtsFromPts d(45'000);
  for (int64_t pts : {900'000, 903'600, 907'200}) EXPECT_EQ(d.next(pts), pts);
  // The clock steps back 5 s: dts follows it (LiveSource sees the jump) instead of creeping on past the pts.
  EXPECT_EQ(d.next(457'200), 457'200);
  EXPECT_EQ(d.next(460'800), 460'800);
  EXPECT_EQ(d.depth(), 0);
}

// Found by the h264_rtp/h265_rtp fuzz targets: a "parameter set" holding a start code would have become several
// NAL units for every Annex-B reader of the configuration.
TEST(H264Depacketizer, AParameterSetHoldingAStartCodeIsNotRecorded) {
  Feed f{make_depacketizer(media("H264"))};
  f.push({0x67, 0x42, 0x00, 0x00, 0x01, 0x41}, 0, false);
  f.push(kIdr, 0, true);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_TRUE(f.out[0].parameter_sets.empty());
  EXPECT_TRUE(f.out[0].damaged);
}

// Found by the aac_rtp fuzz target: an AU header of size 0 made an empty access unit.
TEST(AacDepacketizer, EmptyAccessUnitsAreSkipped) {
  Feed f{make_depacketizer(media("MPEG4-GENERIC", {{"mode", "AAC-hbr"}}))};
  f.push({0x00, 0x20, 0x00, 0x00, 0x00, 0x08, 0x07}, 0, true);  // sizes 0 and 1
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].data, (Bytes{0x07}));
}
