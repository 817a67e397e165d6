#include "mp4_edit_list.h"

#include <zc/recorder/error.h>

#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

namespace zc::recorder::mp4_edit_list {
namespace {

uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
void put_be32(uint8_t* p, uint64_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
void append_be32(std::vector<uint8_t>& out, uint64_t v) {
  out.resize(out.size() + 4);
  put_be32(out.data() + out.size() - 4, v);
}

struct Box {
  size_t offset = 0, size = 0;
  std::string_view type;
};

[[noreturn]] void bad(const char* why) {
  throw RecorderError(RecorderErrc::media, std::string("unexpected MP4 header from libavformat: ") + why);
}

// The boxes directly inside bytes[begin, end): 32-bit sizes only (a header of a few hundred bytes has no other).
std::vector<Box> children(std::span<const uint8_t> bytes, size_t begin, size_t end) {
  std::vector<Box> out;
  while (begin + 8 <= end) {
    const size_t size = be32(bytes.data() + begin);
    if (size < 8 || begin + size > end) bad("box size out of range");
    out.push_back({begin, size, std::string_view(reinterpret_cast<const char*>(bytes.data() + begin + 4), 4)});
    begin += size;
  }
  return out;
}

std::vector<uint8_t> edts_box(int64_t media_time) {
  if (media_time > std::numeric_limits<int32_t>::max()) bad("composition offset too large for an edit list");
  std::vector<uint8_t> b;
  append_be32(b, 36);
  b.insert(b.end(), {'e', 'd', 't', 's'});
  append_be32(b, 28);
  b.insert(b.end(), {'e', 'l', 's', 't'});
  append_be32(b, 0);  // version 0, flags 0
  append_be32(b, 1);  // one edit
  append_be32(b, 0);  // segment_duration 0: all of the (fragmented) track
  append_be32(b, static_cast<uint64_t>(media_time));
  append_be32(b, 0x00010000);  // media_rate 1.0
  return b;
}

}  // namespace

std::vector<uint8_t> insert(std::span<const uint8_t> header, std::span<const int64_t> media_times) {
  std::vector<uint8_t> out(header.begin(), header.end());
  const auto top = children(header, 0, header.size());
  std::optional<Box> moov;
  for (const Box& b : top)
    if (b.type == "moov") moov = b;
  if (!moov) bad("no moov");

  size_t added = 0;  // bytes inserted so far (offsets in `out` are shifted by it)
  size_t trak_index = 0;
  for (const Box& trak : children(header, moov->offset + 8, moov->offset + moov->size)) {
    if (trak.type != "trak") continue;
    const size_t n = trak_index++;
    if (n >= media_times.size() || media_times[n] == 0) continue;
    if (media_times[n] < 0) bad("negative media time");
    std::optional<Box> tkhd;
    for (const Box& c : children(header, trak.offset + 8, trak.offset + trak.size)) {
      if (c.type == "edts") bad("trak already has an edit list");
      if (c.type == "tkhd") tkhd = c;
    }
    if (!tkhd) bad("trak without tkhd");
    const auto edts = edts_box(media_times[n]);
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(tkhd->offset + tkhd->size + added), edts.begin(), edts.end());
    put_be32(out.data() + trak.offset + added, trak.size + edts.size());
    added += edts.size();
  }
  put_be32(out.data() + moov->offset, moov->size + added);
  return out;
}

}  // namespace zc::recorder::mp4_edit_list
