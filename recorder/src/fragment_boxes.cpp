#include "fragment_boxes.h"

#include <cstring>

namespace zc::recorder::fragment_boxes {
namespace {

// sample_flags (8.8.3.1): sample_depends_on 2 (an I picture) for a sync sample, else sample_depends_on 1 and
// sample_is_non_sync_sample.
constexpr uint32_t kSyncSampleFlags = 0x02000000;
constexpr uint32_t kNonSyncSampleFlags = 0x01010000;

// tfhd flags (8.8.7.1)
constexpr uint32_t kTfhdDefaultDuration = 0x000008;
constexpr uint32_t kTfhdDefaultSize = 0x000010;
constexpr uint32_t kTfhdDefaultFlags = 0x000020;
constexpr uint32_t kTfhdDefaultBaseIsMoof = 0x020000;

// trun flags (8.8.8.1)
constexpr uint32_t kTrunDataOffset = 0x000001;
constexpr uint32_t kTrunFirstSampleFlags = 0x000004;
constexpr uint32_t kTrunDuration = 0x000100;
constexpr uint32_t kTrunSize = 0x000200;
constexpr uint32_t kTrunFlags = 0x000400;
constexpr uint32_t kTrunCompositionOffset = 0x000800;

uint32_t flags_of(const Sample& s) { return s.sync ? kSyncSampleFlags : kNonSyncSampleFlags; }

void be32(std::vector<uint8_t>& out, uint32_t v) {
  const uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                        static_cast<uint8_t>(v)};
  out.insert(out.end(), b, b + 4);
}

void be64(std::vector<uint8_t>& out, uint64_t v) {
  be32(out, static_cast<uint32_t>(v >> 32));
  be32(out, static_cast<uint32_t>(v));
}

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// A box's header with its size left open; close_box() writes it once the body is in.
size_t open_box(std::vector<uint8_t>& out, const char (&type)[5]) {
  const size_t at = out.size();
  be32(out, 0);
  out.insert(out.end(), type, type + 4);
  return at;
}

// A full box (version and 24 bits of flags after the header).
size_t open_full_box(std::vector<uint8_t>& out, const char (&type)[5], uint8_t version, uint32_t flags) {
  const size_t at = open_box(out, type);
  be32(out, uint32_t{version} << 24 | (flags & 0xFFFFFF));
  return at;
}

void close_box(std::vector<uint8_t>& out, size_t at) {
  put_be32(out.data() + at, static_cast<uint32_t>(out.size() - at));
}

// One traf; returns where its trun's data_offset field is, to be completed when the moof's size is known.
size_t append_traf(std::vector<uint8_t>& out, const TrackRun& run) {
  const auto& s = run.samples;
  const size_t traf = open_box(out, "traf");

  // tfhd: the first sample's duration and size, and the second sample's flags (the first, a keyframe, usually
  // differs and gets first_sample_flags) as the defaults.
  const uint32_t default_duration = s[0].duration;
  const uint32_t default_size = s[0].size;
  const uint32_t default_flags =
      s.size() > 1 ? flags_of(s[1]) : (run.video ? kNonSyncSampleFlags : kSyncSampleFlags);
  const size_t tfhd = open_full_box(
      out, "tfhd", 0, kTfhdDefaultDuration | kTfhdDefaultSize | kTfhdDefaultFlags | kTfhdDefaultBaseIsMoof);
  be32(out, run.track_id);
  be32(out, default_duration);
  be32(out, default_size);
  be32(out, default_flags);
  close_box(out, tfhd);

  const size_t tfdt = open_full_box(out, "tfdt", 1, 0);
  be64(out, run.base_media_decode_time);
  close_box(out, tfdt);

  // trun lists a field for every sample as soon as one sample differs from tfhd's default.
  uint32_t flags = kTrunDataOffset;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i].duration != default_duration) flags |= kTrunDuration;
    if (s[i].size != default_size) flags |= kTrunSize;
    if (i > 0 && flags_of(s[i]) != default_flags) flags |= kTrunFlags;
  }
  if ((flags & kTrunFlags) == 0 && flags_of(s[0]) != default_flags) flags |= kTrunFirstSampleFlags;
  if (run.composition_offsets) flags |= kTrunCompositionOffset;
  const size_t trun = open_full_box(out, "trun", 0, flags);
  be32(out, static_cast<uint32_t>(s.size()));
  const size_t data_offset_at = out.size();
  be32(out, 0);
  if (flags & kTrunFirstSampleFlags) be32(out, flags_of(s[0]));
  for (const Sample& x : s) {
    if (flags & kTrunDuration) be32(out, x.duration);
    if (flags & kTrunSize) be32(out, x.size);
    if (flags & kTrunFlags) be32(out, flags_of(x));
    if (flags & kTrunCompositionOffset) be32(out, static_cast<uint32_t>(x.composition_offset));
  }
  close_box(out, trun);
  close_box(out, traf);
  return data_offset_at;
}

}  // namespace

void append_moof(std::vector<uint8_t>& out, uint32_t sequence_number, std::span<const TrackRun> runs) {
  const size_t moof = open_box(out, "moof");
  const size_t mfhd = open_full_box(out, "mfhd", 0, 0);
  be32(out, sequence_number);
  close_box(out, mfhd);
  std::vector<size_t> data_offsets;
  data_offsets.reserve(runs.size());
  for (const TrackRun& run : runs) data_offsets.push_back(append_traf(out, run));
  close_box(out, moof);
  const uint64_t moof_size = out.size() - moof;
  for (size_t i = 0; i < runs.size(); ++i)
    put_be32(out.data() + data_offsets[i], static_cast<uint32_t>(moof_size + 8 + runs[i].data_offset_in_mdat));
}

void append_mdat_header(std::vector<uint8_t>& out, uint64_t payload_bytes) {
  be32(out, static_cast<uint32_t>(payload_bytes + 8));
  out.insert(out.end(), {'m', 'd', 'a', 't'});
}

void append_mfra(std::vector<uint8_t>& out, std::span<const TrackIndex> tracks) {
  const size_t mfra = open_box(out, "mfra");
  for (const TrackIndex& t : tracks) {
    if (t.points.empty()) continue;
    const size_t tfra = open_full_box(out, "tfra", 1, 0);
    be32(out, t.track_id);
    be32(out, 0);  // length_size_of_traf_num, _trun_num, _sample_num: one byte each
    be32(out, static_cast<uint32_t>(t.points.size()));
    for (const RandomAccessPoint& p : t.points) {
      be64(out, p.time);
      be64(out, p.moof_offset);
      out.insert(out.end(), {1, 1, 1});  // the first sample of the first trun of the first traf
    }
    close_box(out, tfra);
  }
  const size_t mfro = open_full_box(out, "mfro", 0, 0);
  be32(out, static_cast<uint32_t>(out.size() + 4 - mfra));  // the whole mfra, this field included
  close_box(out, mfro);
  close_box(out, mfra);
}

}  // namespace zc::recorder::fragment_boxes
