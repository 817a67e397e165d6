// The native Annex-B access-unit splitter (media/src/access_unit_splitter.h) that `zcrec feed` runs over a live
// pipe. Input: a codec byte, a piece-size byte, then an arbitrary byte stream.
// Contract: the access units, joined, are the stream, byte for byte (nothing lost, nothing repeated); none is
// empty; the cut does not depend on how the bytes arrive (whole, or in pieces of any size); with a small size
// bound, no access unit exceeds it by more than one piece, and the splitter never holds more than that.
#include "access_unit_splitter.h"

#include "fuzz_check.h"

#include <vector>

using namespace zc;
using namespace zc::media;

namespace {

using Bytes = std::vector<uint8_t>;

std::vector<Bytes> split(fifo::Codec codec, std::span<const uint8_t> stream, size_t piece, size_t max_au) {
  AccessUnitSplitter splitter(codec, max_au);
  std::vector<Bytes> units;
  Bytes au;
  for (size_t at = 0; at < stream.size(); at += piece) {
    const size_t n = std::min(piece, stream.size() - at);
    splitter.append(stream.subspan(at, n));
    while (splitter.next(au)) {
      ZC_FUZZ_CHECK(!au.empty());
      ZC_FUZZ_CHECK(au.size() <= max_au + piece);
      units.push_back(au);
    }
    ZC_FUZZ_CHECK(splitter.pending_bytes() <= max_au + piece);
  }
  while (splitter.finish(au)) {
    ZC_FUZZ_CHECK(!au.empty());
    units.push_back(au);
  }
  ZC_FUZZ_CHECK(splitter.pending_bytes() == 0);
  return units;
}

Bytes joined(const std::vector<Bytes>& units) {
  Bytes all;
  for (const auto& u : units) all.insert(all.end(), u.begin(), u.end());
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Bytes in(data, size);
  const fifo::Codec codec = in.take<uint8_t>() % 2 == 0 ? fifo::Codec::h264 : fifo::Codec::h265;
  const size_t piece = 1 + in.take<uint8_t>() % 64;
  const auto stream = in.rest();
  const Bytes expected(stream.begin(), stream.end());

  constexpr size_t kUnbounded = AccessUnitSplitter::kDefaultMaxAccessUnitBytes;
  const auto whole = split(codec, stream, std::max<size_t>(stream.size(), 1), kUnbounded);
  ZC_FUZZ_CHECK(joined(whole) == expected);
  const auto pieces = split(codec, stream, piece, kUnbounded);
  ZC_FUZZ_CHECK(pieces == whole);

  const auto bounded = split(codec, stream, piece, 256);
  ZC_FUZZ_CHECK(joined(bounded) == expected);
  return 0;
}
