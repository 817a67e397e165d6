#include "sps_size.h"

#include <vector>

namespace zc::ingest {

namespace {

// RBSP bit reader (emulation prevention bytes removed up front). Reading past the end sets `overrun`.
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> nal) {
    int zeros = 0;
    for (uint8_t b : nal) {
      if (zeros >= 2 && b == 3) {
        zeros = 0;
        continue;
      }
      zeros = b == 0 ? zeros + 1 : 0;
      rbsp_.push_back(b);
    }
  }
  uint32_t bit() {
    if (pos_ >= rbsp_.size() * 8) {
      overrun = true;
      return 0;
    }
    const uint32_t v = (rbsp_[pos_ / 8] >> (7 - pos_ % 8)) & 1;
    ++pos_;
    return v;
  }
  uint32_t bits(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | bit();
    return v;
  }
  void skip(size_t n) {
    pos_ += n;
    if (pos_ > rbsp_.size() * 8) overrun = true;
  }
  uint32_t ue() {
    int zeros = 0;
    while (bit() == 0) {
      if (overrun || ++zeros > 31) {
        overrun = true;
        return 0;
      }
    }
    return zeros == 0 ? 0 : ((1u << zeros) - 1 + bits(zeros));
  }
  int32_t se() {
    const uint32_t v = ue();
    return (v & 1) != 0 ? static_cast<int32_t>((v + 1) / 2) : -static_cast<int32_t>(v / 2);
  }
  bool overrun = false;

 private:
  std::vector<uint8_t> rbsp_;
  size_t pos_ = 0;
};

void skip_scaling_list(BitReader& r, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size && !r.overrun; ++j) {
    if (next != 0) next = (last + r.se() + 256) % 256;
    last = next == 0 ? last : next;
  }
}

std::optional<SpsSize> h264(std::span<const uint8_t> nal) {
  BitReader r(nal.subspan(1));
  const uint32_t profile = r.bits(8);
  r.skip(16);  // constraint flags, level
  r.ue();      // sps id
  uint32_t chroma = 1, depth = 8;
  if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83 ||
      profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139 || profile == 134 ||
      profile == 135) {
    chroma = r.ue();
    if (chroma == 3) r.bit();
    depth = r.ue() + 8;
    r.ue();
    r.bit();
    if (r.bit() != 0)  // seq_scaling_matrix_present_flag
      for (int i = 0; i < (chroma != 3 ? 8 : 12) && !r.overrun; ++i)
        if (r.bit() != 0) skip_scaling_list(r, i < 6 ? 16 : 64);
  }
  r.ue();  // log2_max_frame_num_minus4
  const uint32_t poc_type = r.ue();
  if (poc_type == 0) {
    r.ue();
  } else if (poc_type == 1) {
    r.bit();
    r.se();
    r.se();
    const uint32_t n = r.ue();
    for (uint32_t i = 0; i < n && i < 256 && !r.overrun; ++i) r.se();
  }
  r.ue();   // max_num_ref_frames
  r.bit();  // gaps_in_frame_num_value_allowed_flag
  const uint32_t width_mbs = r.ue() + 1, height_units = r.ue() + 1;
  const uint32_t frame_mbs_only = r.bit();
  if (frame_mbs_only == 0) r.bit();
  r.bit();  // direct_8x8_inference_flag
  uint32_t crop_l = 0, crop_r = 0, crop_t = 0, crop_b = 0;
  if (r.bit() != 0) crop_l = r.ue(), crop_r = r.ue(), crop_t = r.ue(), crop_b = r.ue();
  if (r.overrun || width_mbs > 1024 || height_units > 1024) return std::nullopt;
  const uint32_t sub_w = chroma == 1 || chroma == 2 ? 2 : 1, sub_h = chroma == 1 ? 2 : 1;
  const uint32_t crop_x = chroma == 0 ? 1 : sub_w, crop_y = (chroma == 0 ? 1 : sub_h) * (2 - frame_mbs_only);
  const int64_t w = static_cast<int64_t>(width_mbs) * 16 - static_cast<int64_t>(crop_x) * (crop_l + crop_r);
  const int64_t h = static_cast<int64_t>(2 - frame_mbs_only) * height_units * 16 - static_cast<int64_t>(crop_y) * (crop_t + crop_b);
  if (w <= 0 || h <= 0) return std::nullopt;
  return SpsSize{static_cast<uint32_t>(w), static_cast<uint32_t>(h), depth};
}

std::optional<SpsSize> h265(std::span<const uint8_t> nal) {
  if (nal.size() < 3) return std::nullopt;
  BitReader r(nal.subspan(2));
  r.bits(4);  // vps id
  const uint32_t sub_layers = r.bits(3);
  r.bit();
  // profile_tier_level(1, sub_layers)
  r.skip(88);
  r.skip(8);  // general_level_idc
  std::vector<bool> profile_present(sub_layers), level_present(sub_layers);
  for (uint32_t i = 0; i < sub_layers; ++i) profile_present[i] = r.bit() != 0, level_present[i] = r.bit() != 0;
  if (sub_layers > 0)
    for (uint32_t i = sub_layers; i < 8; ++i) r.skip(2);
  for (uint32_t i = 0; i < sub_layers; ++i) {
    if (profile_present[i]) r.skip(88);
    if (level_present[i]) r.skip(8);
  }
  r.ue();  // sps id
  const uint32_t chroma = r.ue();
  if (chroma == 3) r.bit();
  const uint32_t w = r.ue(), h = r.ue();
  uint32_t l = 0, rr = 0, t = 0, b = 0;
  if (r.bit() != 0) l = r.ue(), rr = r.ue(), t = r.ue(), b = r.ue();
  const uint32_t depth = r.ue() + 8;
  if (r.overrun || w == 0 || h == 0 || w > 16384 || h > 16384) return std::nullopt;
  const uint32_t sub_w = chroma == 1 || chroma == 2 ? 2 : 1, sub_h = chroma == 1 ? 2 : 1;
  const int64_t width = static_cast<int64_t>(w) - static_cast<int64_t>(sub_w) * (l + rr);
  const int64_t height = static_cast<int64_t>(h) - static_cast<int64_t>(sub_h) * (t + b);
  if (width <= 0 || height <= 0) return std::nullopt;
  return SpsSize{static_cast<uint32_t>(width), static_cast<uint32_t>(height), depth};
}

}  // namespace

std::optional<SpsSize> parse_sps_size(fifo::Codec codec, std::span<const uint8_t> sps) {
  if (sps.empty()) return std::nullopt;
  if (codec == fifo::Codec::h264) return h264(sps);
  if (codec == fifo::Codec::h265) return h265(sps);
  return std::nullopt;
}

}  // namespace zc::ingest
