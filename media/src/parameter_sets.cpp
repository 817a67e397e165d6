#include "parameter_sets.h"

#include <zc/media/annexb.h>

#include <algorithm>
#include <set>

namespace zc::media {

namespace {

bool same_bytes(annexb::Nal a, annexb::Nal b) { return std::ranges::equal(a, b); }

}  // namespace

ParameterSets::ParameterSets(fifo::Codec codec, std::span<const uint8_t> config)
    : codec_(codec), config_(annexb::parameter_sets(codec, config)) {}

bool ParameterSets::update_from_keyframe(std::span<const uint8_t> au) {
  std::vector<annexb::Nal> in_band;
  for (annexb::Nal nal : annexb::split(au))
    if (annexb::is_parameter_set(codec_, nal)) in_band.push_back(nal);
  if (in_band.empty()) return false;

  const std::vector<annexb::Nal> current = annexb::split(config_);
  const bool all_known = std::ranges::all_of(in_band, [&](annexb::Nal nal) {
    return std::ranges::any_of(current, [&](annexb::Nal c) { return same_bytes(c, nal); });
  });
  if (all_known) return false;

  // Keep the current sets of the NAL types the keyframe does not carry, then the keyframe's own sets.
  std::set<int> replaced;
  for (annexb::Nal nal : in_band) replaced.insert(annexb::nal_type(codec_, nal));
  std::vector<uint8_t> next;
  for (annexb::Nal c : current)
    if (!replaced.contains(annexb::nal_type(codec_, c))) annexb::append_nal(next, c);
  for (annexb::Nal nal : in_band) annexb::append_nal(next, nal);
  config_ = std::move(next);
  return true;
}

}  // namespace zc::media
