#include "mp4_boxes.h"

#include <zc/playback/error.h>

#include <cstring>
#include <limits>
#include <string>

namespace zc::playback::mp4 {

uint32_t be32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
uint64_t be64(const uint8_t* p) noexcept { return uint64_t{be32(p)} << 32 | be32(p + 4); }
void put_be32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
void put_be64(uint8_t* p, uint64_t v) noexcept {
  put_be32(p, static_cast<uint32_t>(v >> 32));
  put_be32(p + 4, static_cast<uint32_t>(v));
}

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw PlaybackError(PlaybackErrc::segment_failed, "malformed MP4: " + what);
}

const Box* find(const std::vector<Box>& boxes, std::string_view type) {
  for (const auto& b : boxes)
    if (b.type == type) return &b;
  return nullptr;
}

// A full box's fields start after its version/flags word; checks that `bytes` of them are there.
size_t full_body(const Box& b, size_t bytes) {
  if (b.size < b.header + 4 + bytes) malformed(std::string(b.type) + " too short");
  return b.body() + 4;
}

// A full box's version, read only once the box is known to hold its version/flags word.
uint8_t version_of(std::span<const uint8_t> buf, const Box& b) {
  full_body(b, 0);
  return buf[b.body()];
}

uint32_t flags_of(std::span<const uint8_t> buf, const Box& b) {
  full_body(b, 0);
  return be32(buf.data() + b.body()) & 0xffffff;
}

// edts > elst, version 1 with one entry: segment_duration 0 (the whole fragmented track), media_time, rate 1.0.
std::vector<uint8_t> edts_box(int64_t media_time) {
  std::vector<uint8_t> e(44, 0);
  put_be32(e.data(), 44);
  std::memcpy(e.data() + 4, "edts", 4);
  put_be32(e.data() + 8, 36);
  std::memcpy(e.data() + 12, "elst", 4);
  e[16] = 1;                       // version 1: 64-bit duration and time
  put_be32(e.data() + 20, 1);      // entry_count
  put_be64(e.data() + 24, 0);      // segment_duration
  put_be64(e.data() + 32, static_cast<uint64_t>(media_time));
  put_be32(e.data() + 40, 0x00010000);  // media_rate 1.0
  return e;
}

}  // namespace

std::vector<Box> children(std::span<const uint8_t> buf, size_t begin, size_t end) {
  std::vector<Box> out;
  size_t off = begin;
  while (off + 8 <= end) {
    Box b;
    b.offset = off;
    uint64_t size = be32(buf.data() + off);
    b.type = std::string_view(reinterpret_cast<const char*>(buf.data() + off + 4), 4);
    if (size == 1) {
      if (off + 16 > end) malformed("truncated box header");
      size = be64(buf.data() + off + 8);
      b.header = 16;
    }
    if (size < b.header || size > end - off) malformed("box " + std::string(b.type) + " does not fit its parent");
    b.size = static_cast<size_t>(size);
    out.push_back(b);
    off += b.size;
  }
  if (off != end) malformed("trailing bytes in a container");
  return out;
}

std::vector<Track> tracks_of(std::span<const uint8_t> moov) {
  const auto top = children(moov, 0, moov.size());
  if (top.size() != 1 || top[0].type != "moov") malformed("expected one moov");
  std::vector<Track> out;
  for (const auto& trak : children(moov, top[0].body(), top[0].end())) {
    if (trak.type != "trak") continue;
    const auto tk = children(moov, trak.body(), trak.end());
    Track t;
    const Box* tkhd = find(tk, "tkhd");
    const Box* mdia = find(tk, "mdia");
    if (!tkhd || !mdia) malformed("trak without tkhd or mdia");
    const bool v1 = version_of(moov, *tkhd) == 1;
    t.id = be32(moov.data() + full_body(*tkhd, v1 ? 20 : 12) + (v1 ? 16 : 8));
    const auto md = children(moov, mdia->body(), mdia->end());
    const Box* mdhd = find(md, "mdhd");
    const Box* hdlr = find(md, "hdlr");
    if (!mdhd || !hdlr) malformed("mdia without mdhd or hdlr");
    const bool mv1 = version_of(moov, *mdhd) == 1;
    t.timescale = be32(moov.data() + full_body(*mdhd, mv1 ? 20 : 12) + (mv1 ? 16 : 8));
    t.handler.assign(reinterpret_cast<const char*>(moov.data() + full_body(*hdlr, 8) + 4), 4);
    if (const Box* edts = find(tk, "edts")) {
      const auto ed = children(moov, edts->body(), edts->end());
      if (const Box* elst = find(ed, "elst")) {
        const bool ev1 = version_of(moov, *elst) == 1;
        const size_t entry = ev1 ? 20 : 12;
        const size_t p = full_body(*elst, 4);
        const uint32_t n = be32(moov.data() + p);
        if (elst->size < elst->header + 8 + size_t{n} * entry) malformed("elst too short");
        // The first edit that is not empty (media_time -1 shows nothing for its duration).
        for (uint32_t i = 0; i < n; ++i) {
          const uint8_t* e = moov.data() + p + 4 + i * entry;
          const int64_t mt = ev1 ? static_cast<int64_t>(be64(e + 8)) : static_cast<int32_t>(be32(e + 4));
          if (mt >= 0) {
            t.edit_media_time = mt;
            break;
          }
        }
      }
    }
    if (t.timescale == 0) malformed("track timescale 0");
    out.push_back(t);
  }
  return out;
}

std::vector<uint8_t> with_edits(std::span<const uint8_t> moov, std::span<const std::pair<uint32_t, int64_t>> media_times) {
  const auto top = children(moov, 0, moov.size());
  if (top.size() != 1 || top[0].type != "moov") malformed("expected one moov");
  const auto tracks = tracks_of(moov);
  std::vector<uint8_t> out(8);
  std::memcpy(out.data() + 4, "moov", 4);
  size_t track_index = 0;
  for (const auto& box : children(moov, top[0].body(), top[0].end())) {
    if (box.type != "trak") {
      out.insert(out.end(), moov.begin() + box.offset, moov.begin() + box.end());
      continue;
    }
    const uint32_t id = tracks.at(track_index++).id;
    int64_t media_time = 0;
    for (const auto& [tid, t] : media_times)
      if (tid == id) media_time = t;
    const size_t trak_at = out.size();
    out.resize(out.size() + 8);
    std::memcpy(out.data() + trak_at + 4, "trak", 4);
    for (const auto& c : children(moov, box.body(), box.end())) {
      if (c.type == "edts") continue;  // replaced right after the tkhd
      out.insert(out.end(), moov.begin() + c.offset, moov.begin() + c.end());
      if (c.type == "tkhd") {
        const auto e = edts_box(media_time);
        out.insert(out.end(), e.begin(), e.end());
      }
    }
    put_be32(out.data() + trak_at, static_cast<uint32_t>(out.size() - trak_at));
  }
  put_be32(out.data(), static_cast<uint32_t>(out.size()));
  return out;
}

std::vector<std::pair<uint32_t, uint64_t>> decode_times(std::span<const uint8_t> moof) {
  std::vector<std::pair<uint32_t, uint64_t>> out;
  const auto top = children(moof, 0, moof.size());
  if (top.size() != 1 || top[0].type != "moof") malformed("expected one moof");
  for (const auto& traf : children(moof, top[0].body(), top[0].end())) {
    if (traf.type != "traf") continue;
    const auto tb = children(moof, traf.body(), traf.end());
    const Box* tfhd = find(tb, "tfhd");
    const Box* tfdt = find(tb, "tfdt");
    if (!tfhd || !tfdt) malformed("traf without tfhd or tfdt");
    const uint32_t id = be32(moof.data() + full_body(*tfhd, 4));
    const bool v1 = version_of(moof, *tfdt) == 1;
    const size_t p = full_body(*tfdt, v1 ? 8 : 4);
    out.emplace_back(id, v1 ? be64(moof.data() + p) : be32(moof.data() + p));
  }
  return out;
}

uint32_t trex_default_sample_flags(std::span<const uint8_t> moov, uint32_t track_id) {
  const auto top = children(moov, 0, moov.size());
  if (top.size() != 1 || top[0].type != "moov") malformed("expected one moov");
  for (const auto& b : children(moov, top[0].body(), top[0].end())) {
    if (b.type != "mvex") continue;
    for (const auto& t : children(moov, b.body(), b.end())) {
      if (t.type != "trex") continue;
      // trex: track_ID, default_sample_description_index, duration, size, flags.
      const size_t p = full_body(t, 20);
      if (be32(moov.data() + p) == track_id) return be32(moov.data() + p + 16);
    }
  }
  return 0;
}

std::optional<TrackFragmentStart> fragment_start(std::span<const uint8_t> moof, uint32_t track_id,
                                                 uint32_t trex_default_flags) {
  const auto top = children(moof, 0, moof.size());
  if (top.size() != 1 || top[0].type != "moof") malformed("expected one moof");
  for (const auto& traf : children(moof, top[0].body(), top[0].end())) {
    if (traf.type != "traf") continue;
    const auto tb = children(moof, traf.body(), traf.end());
    const Box* tfhd = find(tb, "tfhd");
    const Box* tfdt = find(tb, "tfdt");
    const Box* trun = find(tb, "trun");
    if (!tfhd || !tfdt || !trun) malformed("traf without tfhd, tfdt or trun");
    const size_t hp = full_body(*tfhd, 4);
    if (be32(moof.data() + hp) != track_id) continue;
    TrackFragmentStart out;
    const bool v1 = version_of(moof, *tfdt) == 1;
    const size_t dp = full_body(*tfdt, v1 ? 8 : 4);
    out.decode_time = v1 ? be64(moof.data() + dp) : be32(moof.data() + dp);
    // The first sample's flags: trun's first_sample_flags, else its own per-sample flags, else tfhd's default,
    // else trex's. Bit 16 is sample_is_non_sync_sample.
    uint32_t flags = trex_default_flags;
    const uint32_t tf = flags_of(moof, *tfhd);
    size_t q = hp + 4;
    if (tf & 0x01) q += 8;  // base_data_offset
    if (tf & 0x02) q += 4;  // sample_description_index
    if (tf & 0x08) q += 4;  // default_sample_duration
    if (tf & 0x10) q += 4;  // default_sample_size
    if (tf & 0x20) {
      if (q + 4 > tfhd->end()) malformed("tfhd too short");
      flags = be32(moof.data() + q);
    }
    const uint32_t rf = flags_of(moof, *trun);
    size_t r = full_body(*trun, 4) + 4;  // after sample_count
    if (rf & 0x001) r += 4;              // data_offset
    if (rf & 0x004) {
      if (r + 4 > trun->end()) malformed("trun too short");
      flags = be32(moof.data() + r);
    } else if (rf & 0x400) {
      if (rf & 0x100) r += 4;  // the first sample's duration
      if (rf & 0x200) r += 4;  // and size come before its flags
      if (r + 4 > trun->end()) malformed("trun too short");
      flags = be32(moof.data() + r);
    }
    out.sync = (flags & 0x00010000) == 0;
    return out;
  }
  return std::nullopt;
}

std::vector<uint8_t> sidx_box(uint32_t track_id, uint32_t timescale, uint64_t earliest_presentation_time,
                              std::span<const SidxReference> references) {
  if (references.size() > 0xffff) malformed("more than 65535 sidx references");
  std::vector<uint8_t> b(8 + 4 + 4 + 4 + 8 + 8 + 4 + references.size() * 12, 0);
  put_be32(b.data(), static_cast<uint32_t>(b.size()));
  std::memcpy(b.data() + 4, "sidx", 4);
  b[8] = 1;  // version 1: 64-bit earliest_presentation_time and first_offset
  put_be32(b.data() + 12, track_id);
  put_be32(b.data() + 16, timescale);
  put_be64(b.data() + 20, earliest_presentation_time);
  put_be64(b.data() + 28, 0);  // first_offset: the first moof follows the sidx
  put_be32(b.data() + 36, static_cast<uint32_t>(references.size()));  // reserved(16) = 0, reference_count(16)
  uint8_t* e = b.data() + 40;
  for (const auto& r : references) {
    if (r.bytes >= 0x80000000u) malformed("a sidx reference over 2 GiB");
    put_be32(e, r.bytes);  // reference_type 0: media
    put_be32(e + 4, r.duration);
    put_be32(e + 8, r.sync ? 0x90000000u : 0);  // starts_with_SAP, SAP_type 1
    e += 12;
  }
  return b;
}

void retime(std::span<uint8_t> moof, uint32_t sequence, std::span<const std::pair<uint32_t, int64_t>> shifts) {
  const auto top = children(moof, 0, moof.size());
  if (top.size() != 1 || top[0].type != "moof") malformed("expected one moof");
  for (const auto& b : children(moof, top[0].body(), top[0].end())) {
    if (b.type == "mfhd") put_be32(moof.data() + full_body(b, 4), sequence);
    if (b.type != "traf") continue;
    const auto tb = children(moof, b.body(), b.end());
    const Box* tfhd = find(tb, "tfhd");
    const Box* tfdt = find(tb, "tfdt");
    if (!tfhd || !tfdt) malformed("traf without tfhd or tfdt");
    const uint32_t id = be32(moof.data() + full_body(*tfhd, 4));
    int64_t shift = 0;
    for (const auto& [tid, s] : shifts)
      if (tid == id) shift = s;
    const bool v1 = version_of(moof, *tfdt) == 1;
    const size_t p = full_body(*tfdt, v1 ? 8 : 4);
    const int64_t t = static_cast<int64_t>(v1 ? be64(moof.data() + p) : be32(moof.data() + p)) + shift;
    if (t < 0) malformed("a fragment would start before the clip (track " + std::to_string(id) + ")");
    if (v1) {
      put_be64(moof.data() + p, static_cast<uint64_t>(t));
    } else {
      if (t > std::numeric_limits<uint32_t>::max()) malformed("a version-0 tfdt cannot hold the clip's time");
      put_be32(moof.data() + p, static_cast<uint32_t>(t));
    }
  }
}

}  // namespace zc::playback::mp4
