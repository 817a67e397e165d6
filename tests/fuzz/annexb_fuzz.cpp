// The Annex-B scanner (zc/media/annexb_scan.h) and what is built on it: NAL splitting, NAL types, parameter-set
// extraction and the "changed parameter sets" rule. Input: one codec byte, then an arbitrary byte stream.
// Contract: every NAL lies inside the input, in order, never empty, never ends in a zero byte and never holds a
// start code; parameter_sets() yields only parameter sets behind 4-byte start codes and is idempotent; a
// ParameterSets fed the same keyframe twice reports no change the second time.
#include <zc/media/annexb.h>
#include <zc/media/annexb_scan.h>

#include "fuzz_check.h"
#include "parameter_sets.h"

using namespace zc;
using namespace zc::media;

namespace {

bool holds_start_code(annexb::Nal n) {
  for (size_t i = 0; i + 2 < n.size(); ++i)
    if (n[i] == 0 && n[i + 1] == 0 && n[i + 2] == 1) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Bytes in(data, size);
  const fifo::Codec codec = in.take<uint8_t>() % 2 == 0 ? fifo::Codec::h264 : fifo::Codec::h265;
  const auto stream = in.rest();

  const auto nals = annexb::split(stream);
  const uint8_t* prev_end = stream.data();
  for (const auto& n : nals) {
    ZC_FUZZ_CHECK(!n.empty());
    ZC_FUZZ_CHECK(n.data() >= prev_end && n.data() + n.size() <= stream.data() + stream.size());
    ZC_FUZZ_CHECK(n.back() != 0);
    ZC_FUZZ_CHECK(!holds_start_code(n));
    prev_end = n.data() + n.size();
    const int t = annexb::nal_type(codec, n);
    ZC_FUZZ_CHECK(t >= 0 && t < (codec == fifo::Codec::h264 ? 32 : 64));
  }
  size_t counted = 0;
  annexb::for_each_nal(stream, [&](annexb::Nal) { ++counted; });
  ZC_FUZZ_CHECK(counted == nals.size());

  const auto ps = annexb::parameter_sets(codec, stream);
  const auto again = annexb::split(ps);
  for (const auto& n : again) ZC_FUZZ_CHECK(annexb::is_parameter_set(codec, n));
  ZC_FUZZ_CHECK(annexb::parameter_sets(codec, ps) == ps);  // canonical form is a fixed point
  ZC_FUZZ_CHECK(ps.empty() || annexb::looks_like_annexb(ps));
  if (annexb::carries_sps(codec, stream)) ZC_FUZZ_CHECK(!ps.empty());
  (void)annexb::contains_idr(codec, stream);
  (void)annexb::contains_picture(codec, stream);
  (void)annexb::starts_picture(codec, stream);

  // The configuration rule: the first keyframe may change it, the identical second one must not.
  ParameterSets sets(codec, {});
  sets.update_from_keyframe(stream);
  ZC_FUZZ_CHECK(!sets.update_from_keyframe(stream));
  for (const auto& n : annexb::split(sets.config())) ZC_FUZZ_CHECK(annexb::is_parameter_set(codec, n));
  return 0;
}
