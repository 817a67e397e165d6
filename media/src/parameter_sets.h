// The codec configuration of a video track (its parameter sets) and the rule for when it changes: only
// when a keyframe carries VPS/SPS/PPS bytes that differ from the current ones. Encoders re-send identical
// parameter sets before every keyframe; those are not a change and must not start a new stream info.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <span>
#include <vector>

namespace zc::media {

class ParameterSets {
 public:
  // `config` in Annex-B (possibly empty; anything that is not a parameter set is dropped).
  ParameterSets(fifo::Codec codec, std::span<const uint8_t> config);

  // Looks at a keyframe's in-band parameter sets; returns true when they change the configuration (which
  // is then updated: in-band sets replace the current ones of the same NAL type).
  bool update_from_keyframe(std::span<const uint8_t> access_unit);

  const std::vector<uint8_t>& config() const noexcept { return config_; }

 private:
  fifo::Codec codec_;
  std::vector<uint8_t> config_;  // canonical: parameter sets behind 4-byte start codes
};

}  // namespace zc::media
