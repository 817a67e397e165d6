// The edit lists the segment writer adds to libavformat's header (recorder/src/mp4_edit_list.cpp), on a
// hand-made ftyp+moov: box sizes stay consistent, the edts sits right after its trak's tkhd, media time 0 adds
// nothing, and a header of another shape is refused rather than mangled.
#include <zc/recorder/error.h>

#include <gtest/gtest.h>

#include "mp4_edit_list.h"

#include <string>
#include <vector>

using namespace zc::recorder;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes box(const std::string& type, const Bytes& payload) {
  const size_t n = payload.size() + 8;
  Bytes b(n);
  for (size_t i = 0; i < 4; ++i) {
    b[i] = static_cast<uint8_t>(n >> (24 - 8 * i));
    b[4 + i] = static_cast<uint8_t>(type[i]);
  }
  for (size_t i = 0; i < payload.size(); ++i) b[8 + i] = payload[i];
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
uint32_t be32(const Bytes& b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | uint32_t{b[at + 3]};
}

Bytes header() {
  const Bytes trak = box("trak", cat({box("tkhd", Bytes(84, 0)), box("mdia", Bytes(20, 1))}));
  return cat({box("ftyp", Bytes(16, 2)), box("moov", cat({box("mvhd", Bytes(100, 3)), trak, trak, box("mvex", {})}))});
}

}  // namespace

TEST(Mp4EditList, EachTrakGetsItsEditAfterTkhdAndSizesFollow) {
  const Bytes in = header();
  const std::vector<int64_t> times = {1024, 0};
  const Bytes out = mp4_edit_list::insert(in, times);
  ASSERT_EQ(out.size(), in.size() + 36);  // one edts: the second track's media time is 0
  const size_t moov = 24;
  EXPECT_EQ(std::string(out.begin() + moov + 4, out.begin() + moov + 8), "moov");
  EXPECT_EQ(be32(out, moov), be32(in, moov) + 36);
  const size_t trak1 = moov + 8 + 108;
  EXPECT_EQ(be32(out, trak1), be32(in, trak1) + 36);
  const size_t edts = trak1 + 8 + 92;
  EXPECT_EQ(std::string(out.begin() + edts + 4, out.begin() + edts + 8), "edts");
  EXPECT_EQ(std::string(out.begin() + edts + 12, out.begin() + edts + 16), "elst");
  EXPECT_EQ(be32(out, edts + 20), 1u);           // one entry
  EXPECT_EQ(be32(out, edts + 24), 0u);           // segment_duration 0: the whole fragmented track
  EXPECT_EQ(be32(out, edts + 28), 1024u);        // media_time
  EXPECT_EQ(be32(out, edts + 32), 0x00010000u);  // rate 1
  const size_t trak2 = trak1 + be32(out, trak1);
  EXPECT_EQ(be32(out, trak2), be32(in, trak1));  // untouched
  EXPECT_EQ(Bytes(out.begin() + static_cast<long>(trak2), out.end()),
            Bytes(in.begin() + static_cast<long>(trak1 + be32(in, trak1)), in.end()));
}

TEST(Mp4EditList, AHeaderOfAnotherShapeIsRefused) {
  const std::vector<int64_t> times = {512};
  EXPECT_THROW(mp4_edit_list::insert(box("ftyp", Bytes(16, 0)), times), RecorderError);  // no moov
  const Bytes bad_size = cat({box("ftyp", Bytes(16, 0)), Bytes{0, 0, 1, 0, 'm', 'o', 'o', 'v'}});
  EXPECT_THROW(mp4_edit_list::insert(bad_size, times), RecorderError);
  const Bytes no_tkhd = box("moov", box("trak", box("mdia", {})));
  EXPECT_THROW(mp4_edit_list::insert(no_tkhd, times), RecorderError);
  const Bytes has_edts = box("moov", box("trak", cat({box("tkhd", Bytes(84, 0)), box("edts", {})})));
  EXPECT_THROW(mp4_edit_list::insert(has_edts, times), RecorderError);
}
