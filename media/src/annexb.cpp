#include <zc/media/annexb.h>
#include <zc/media/annexb_scan.h>

namespace zc::media::annexb {

std::vector<Nal> split(std::span<const uint8_t> annexb) {
  std::vector<Nal> nals;
  for_each_nal(annexb, [&](Nal nal) { nals.push_back(nal); });
  return nals;
}

int nal_type(fifo::Codec codec, Nal nal) noexcept {
  if (nal.empty()) return -1;
  if (codec == fifo::Codec::h264) return nal[0] & 0x1F;
  if (codec == fifo::Codec::h265) return (nal[0] >> 1) & 0x3F;
  return -1;
}

bool is_parameter_set(fifo::Codec codec, Nal nal) noexcept {
  const int t = nal_type(codec, nal);
  if (codec == fifo::Codec::h264) return t == 7 || t == 8;                // SPS, PPS
  if (codec == fifo::Codec::h265) return t == 32 || t == 33 || t == 34;  // VPS, SPS, PPS
  return false;
}

bool is_sps(fifo::Codec codec, Nal nal) noexcept {
  const int t = nal_type(codec, nal);
  return (codec == fifo::Codec::h264 && t == 7) || (codec == fifo::Codec::h265 && t == 33);
}

std::vector<uint8_t> parameter_sets(fifo::Codec codec, std::span<const uint8_t> annexb) {
  std::vector<uint8_t> out;
  for (Nal nal : split(annexb))
    if (is_parameter_set(codec, nal)) append_nal(out, nal);
  return out;
}

bool carries_sps(fifo::Codec codec, std::span<const uint8_t> annexb) {
  for (Nal nal : split(annexb))
    if (is_sps(codec, nal)) return true;
  return false;
}

bool contains_idr(fifo::Codec codec, std::span<const uint8_t> annexb) {
  for (Nal nal : split(annexb)) {
    const int t = nal_type(codec, nal);
    if ((codec == fifo::Codec::h264 && t == 5) || (codec == fifo::Codec::h265 && (t == 19 || t == 20))) return true;
  }
  return false;
}

bool contains_picture(fifo::Codec codec, std::span<const uint8_t> annexb) {
  for (Nal nal : split(annexb)) {
    const int t = nal_type(codec, nal);
    if ((codec == fifo::Codec::h264 && t >= 1 && t <= 5) || (codec == fifo::Codec::h265 && t >= 0 && t <= 31))
      return true;
  }
  return false;
}

bool starts_picture(fifo::Codec codec, std::span<const uint8_t> annexb) {
  for (Nal nal : split(annexb)) {
    const int t = nal_type(codec, nal);
    // The first bit of the slice header: H.264 first_mb_in_slice is ue(v), 0 when that bit is 1; H.265 has
    // first_slice_segment_in_pic_flag right after its 2-byte NAL header.
    if (codec == fifo::Codec::h264 && t >= 1 && t <= 5) return nal.size() > 1 && (nal[1] & 0x80) != 0;
    if (codec == fifo::Codec::h265 && t >= 0 && t <= 31) return nal.size() > 2 && (nal[2] & 0x80) != 0;
  }
  return false;
}

bool looks_like_annexb(std::span<const uint8_t> b) noexcept { return starts_with_start_code(b); }

void append_nal(std::vector<uint8_t>& out, Nal nal) {
  static constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
  out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
  out.insert(out.end(), nal.begin(), nal.end());
}

}  // namespace zc::media::annexb
