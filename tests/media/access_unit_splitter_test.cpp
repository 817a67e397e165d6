// The native Annex-B splitter against libavformat's own cut of the same bytes (its raw "h264"/"hevc" demuxers,
// i.e. libavcodec's frame-end parser): real libx264/libx265 output with B-frames, fed whole, byte by byte and in
// odd-sized pieces, must give the same access units, byte for byte. Known bytes pin the boundary rules.
#include "cli/cli_process.h"

#include "access_unit_splitter.h"

#include <zc/media/error.h>
#include <zc/media/source.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace zc::media {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes file_bytes(const std::filesystem::path& p) {
  const std::string s = test::read_file(p);
  return Bytes(s.begin(), s.end());
}

// libavformat's access units of a raw stream (its demuxer and parser, through MediaSource).
std::vector<Bytes> libavformat_units(const std::filesystem::path& p) {
  MediaSource source(p.string());
  std::vector<Bytes> units;
  MediaPacket packet;
  while (source.read(packet)) units.push_back(packet.data);
  return units;
}

// The splitter's, with the stream handed over in pieces of the given sizes, in turn.
std::vector<Bytes> native_units(fifo::Codec codec, const Bytes& stream, const std::vector<size_t>& pieces) {
  AccessUnitSplitter splitter(codec);
  std::vector<Bytes> units;
  Bytes au;
  size_t at = 0;
  for (size_t i = 0; at < stream.size(); ++i) {
    const size_t n = std::min(pieces[i % pieces.size()], stream.size() - at);
    splitter.append({stream.data() + at, n});
    at += n;
    while (splitter.next(au)) units.push_back(au);
  }
  while (splitter.finish(au)) units.push_back(au);
  return units;
}

std::filesystem::path encode(const test::TempDir& dir, const std::string& codec, const std::string& name,
                             std::vector<std::string> extra = {}) {
  const auto out = dir / name;
  std::vector<std::string> argv = {"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=192x108:rate=30",
                                   "-t", "2", "-c:v", codec, "-bf", "3", "-g", "20"};
  if (codec == "libx265") argv.insert(argv.end(), {"-x265-params", "log-level=error"});
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(out.string());
  const auto r = test::run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

struct Case {
  const char* encoder;
  const char* ext;
  fifo::Codec codec;
};

class SplitterAgainstLibavformat : public ::testing::TestWithParam<Case> {};

TEST_P(SplitterAgainstLibavformat, SameAccessUnitsWhateverThePiecesTheBytesComeIn) {
  const Case c = GetParam();
  test::TempDir dir;
  const auto path = encode(dir, c.encoder, std::string("in.") + c.ext);
  const Bytes stream = file_bytes(path);
  const auto expected = libavformat_units(path);
  ASSERT_EQ(expected.size(), 60u);
  for (const std::vector<size_t>& pieces :
       {std::vector<size_t>{stream.size()}, {1}, {7}, {4093}, {1, 7, 4093}, {65536}, {3, 2}}) {
    const auto got = native_units(c.codec, stream, pieces);
    ASSERT_EQ(got.size(), expected.size()) << "pieces of " << pieces[0];
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_EQ(got[i], expected[i]) << "access unit " << i << ", pieces of " << pieces[0];
  }
}

// A pipe opened in the middle of a stream, and a stream cut short in the middle of a NAL unit: whatever the
// first and last access units hold, they hold the same bytes on both paths.
TEST_P(SplitterAgainstLibavformat, AStreamCutAtBothEndsGivesTheSameAccessUnits) {
  const Case c = GetParam();
  test::TempDir dir;
  const Bytes whole = file_bytes(encode(dir, c.encoder, std::string("in.") + c.ext));
  int compared = 0;
  for (const double from : {0.0, 0.37, 0.61}) {
    const size_t begin = static_cast<size_t>(static_cast<double>(whole.size()) * from);
    const size_t end = whole.size() - whole.size() / 9;
    const Bytes cut(whole.begin() + static_cast<ptrdiff_t>(begin), whole.begin() + static_cast<ptrdiff_t>(end));
    const auto path = dir / (std::string("cut.") + c.ext);
    {
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(cut.data()), static_cast<std::streamsize>(cut.size()));
    }
    std::vector<Bytes> expected;
    try {
      expected = libavformat_units(path);
    } catch (const MediaError&) {
      continue;  // libavformat found no parameter sets before its probe gave up: nothing to compare
    }
    const auto got = native_units(c.codec, cut, {1, 7, 4093});
    ASSERT_EQ(got.size(), expected.size()) << "from " << from;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "access unit " << i << " from " << from;
    ++compared;
  }
  EXPECT_EQ(compared, 3) << "libavformat opened every cut";
}

INSTANTIATE_TEST_SUITE_P(X264AndX265, SplitterAgainstLibavformat,
                         ::testing::Values(Case{"libx264", "h264", fifo::Codec::h264},
                                           Case{"libx265", "h265", fifo::Codec::h265}),
                         [](const auto& p) { return std::string(p.param.ext); });

Bytes units_joined(const std::vector<Bytes>& units) {
  Bytes all;
  for (const auto& u : units) all.insert(all.end(), u.begin(), u.end());
  return all;
}

// H.264 by hand: AUD, SPS, PPS, IDR slice (first_mb 0), a second slice of it (first_mb != 0), SEI, then the next
// picture's slice. Cuts before the SEI (after a picture) and keep every byte; 4-byte start codes go with the next
// access unit, a zero in front of a 3-byte one too.
TEST(AccessUnitSplitter, H264BoundariesFollowTheSpecification) {
  const Bytes stream = {
      0, 0, 0, 1, 0x09, 0xF0,              // AUD
      0, 0, 0, 1, 0x67, 0x42, 0x00, 0x1E,  // SPS
      0, 0, 1, 0x68, 0xCE,                 // PPS
      0, 0, 1, 0x65, 0x88, 0x84,           // IDR slice, first_mb_in_slice = 0
      0, 0, 1, 0x65, 0x21, 0x11,           // IDR slice, first_mb_in_slice = 1 (same picture)
      0, 0, 0, 1, 0x06, 0x05, 0x80,        // SEI: the next access unit
      0, 0, 1, 0x41, 0x9A, 0x02,           // P slice, first_mb 0
      0, 0, 1, 0x41, 0x9B, 0x03,           // P slice, first_mb 0: a picture without its own SEI/AUD
      0, 0, 1, 0x0C, 0xFF,                 // filler: stays
  };
  const auto units = native_units(fifo::Codec::h264, stream, {1});
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].size(), 6u + 8 + 5 + 6 + 6);
  EXPECT_EQ(units[1], (Bytes{0, 0, 0, 1, 0x06, 0x05, 0x80, 0, 0, 1, 0x41, 0x9A, 0x02}));
  EXPECT_EQ(units[2], (Bytes{0, 0, 1, 0x41, 0x9B, 0x03, 0, 0, 1, 0x0C, 0xFF}));
  EXPECT_EQ(units_joined(units), stream);
}

// H.265 by hand: VPS/SPS/PPS, an IDR picture of two slice segments, a suffix SEI (stays), end of sequence (stays:
// it closes an access unit), then prefix SEI and the next picture. The cut leaves a 4-byte start code's first
// zero in front, as libavcodec's hevc parser does.
TEST(AccessUnitSplitter, H265BoundariesFollowTheSpecification) {
  const Bytes stream = {
      0, 0, 0, 1, 0x40, 0x01, 0x0C,  // VPS
      0, 0, 0, 1, 0x42, 0x01, 0x01,  // SPS
      0, 0, 0, 1, 0x44, 0x01, 0xC1,  // PPS
      0, 0, 0, 1, 0x26, 0x01, 0xAF,  // IDR_W_RADL, first_slice_segment_in_pic_flag = 1
      0, 0, 1, 0x26, 0x01, 0x20,     // IDR_W_RADL, flag = 0: same picture
      0, 0, 1, 0x50, 0x01, 0x05,     // suffix SEI: stays
      0, 0, 1, 0x48, 0x01,           // end of sequence: stays
      0, 0, 0, 1, 0x4E, 0x01, 0x05,  // prefix SEI: next access unit
      0, 0, 1, 0x02, 0x01, 0xD0,     // TRAIL_R, first slice
  };
  const auto units = native_units(fifo::Codec::h265, stream, {1});
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[1], (Bytes{0, 0, 1, 0x4E, 0x01, 0x05, 0, 0, 1, 0x02, 0x01, 0xD0}));
  EXPECT_EQ(units[0].back(), 0) << "the 4-byte start code's leading zero stays behind";
  EXPECT_EQ(units_joined(units), stream);
}

TEST(AccessUnitSplitter, GarbageWithoutStartCodesIsHandedOutInBoundedPieces) {
  AccessUnitSplitter splitter(fifo::Codec::h264, 1000);
  Bytes garbage(4096, 0x5A);
  Bytes au;
  size_t handed_out = 0, units = 0;
  for (int i = 0; i < 4; ++i) {
    splitter.append(garbage);
    while (splitter.next(au)) {
      EXPECT_LE(au.size(), 4096u + 1000u);
      handed_out += au.size();
      ++units;
    }
    EXPECT_LE(splitter.pending_bytes(), 1000u);
  }
  while (splitter.finish(au)) handed_out += au.size(), ++units;
  EXPECT_EQ(handed_out, 4u * 4096);
  EXPECT_GE(units, 4u);
}

TEST(AccessUnitSplitter, NothingAtAllGivesNoAccessUnit) {
  AccessUnitSplitter splitter(fifo::Codec::h265);
  Bytes au;
  EXPECT_FALSE(splitter.next(au));
  EXPECT_FALSE(splitter.finish(au));
}

}  // namespace
}  // namespace zc::media
