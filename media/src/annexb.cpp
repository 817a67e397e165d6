#include <zc/media/annexb.h>

namespace zc::media::annexb {

namespace {

// Index of the first byte after the next start code at or after `from`, or size when there is none.
size_t next_start(std::span<const uint8_t> b, size_t from) noexcept {
  for (size_t i = from; i + 2 < b.size(); ++i) {
    if (b[i + 2] > 1) {
      i += 2;  // neither of the next two positions can begin 00 00 01
    } else if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
      return i + 3;
    }
  }
  return b.size();
}

}  // namespace

std::vector<Nal> split(std::span<const uint8_t> annexb) {
  std::vector<Nal> nals;
  size_t begin = next_start(annexb, 0);
  while (begin < annexb.size()) {
    const size_t next = next_start(annexb, begin);
    size_t end = next == annexb.size() ? next : next - 3;
    while (end > begin && annexb[end - 1] == 0) --end;
    if (end > begin) nals.push_back(annexb.subspan(begin, end - begin));
    begin = next;
  }
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

bool looks_like_annexb(std::span<const uint8_t> b) noexcept {
  if (b.size() >= 3 && b[0] == 0 && b[1] == 0 && b[2] == 1) return true;
  return b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1;
}

void append_nal(std::vector<uint8_t>& out, Nal nal) {
  static constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
  out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
  out.insert(out.end(), nal.begin(), nal.end());
}

}  // namespace zc::media::annexb
