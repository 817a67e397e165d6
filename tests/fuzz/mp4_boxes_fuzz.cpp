// The box readers behind clip.mp4 (playback/src/mp4_boxes.h): they parse the moov and every moof of segment files
// that a crash, a full disk or a bad disk may have damaged. Input: the bytes of a file, typically a real recorded
// segment cut or damaged somewhere; each complete top-level moov and moof is handed to the readers.
// Contract: a malformed box is a PlaybackError, never a read outside the box or another exception; a moov whose
// edits are rewritten keeps its tracks and reads back exactly the edits written; a moof retimed in place keeps
// its size and reads back each decode time moved by exactly its shift, and its first samples' decode times as
// fragment_start() reports them.
#include <zc/playback/error.h>

#include "fuzz_check.h"
#include "mp4_boxes.h"

#include <vector>

using namespace zc;
using namespace zc::playback;

namespace {

void check_moov(std::span<const uint8_t> moov) {
  std::vector<mp4::Track> tracks;
  try {
    tracks = mp4::tracks_of(moov);
  } catch (const PlaybackError&) {
    return;
  }
  std::vector<std::pair<uint32_t, int64_t>> edits;
  for (const auto& t : tracks) {
    ZC_FUZZ_CHECK(t.timescale > 0);
    edits.emplace_back(t.id, 1234 + t.id);
    try {
      (void)mp4::trex_default_sample_flags(moov, t.id);
    } catch (const PlaybackError&) {
    }
  }
  std::vector<uint8_t> rewritten;
  try {
    rewritten = mp4::with_edits(moov, edits);
  } catch (const PlaybackError&) {
    return;
  }
  const auto again = mp4::tracks_of(rewritten);
  ZC_FUZZ_CHECK(again == tracks);
  for (size_t i = 0; i < again.size(); ++i) {
    // Several traks with one id: the edit written is the last of that id's (with_edits' lookup).
    int64_t expected = 0;
    for (const auto& [id, e] : edits)
      if (id == again[i].id) expected = e;
    ZC_FUZZ_CHECK(again[i].edit_media_time == expected);
  }
}

void check_moof(std::span<const uint8_t> moof) {
  std::vector<std::pair<uint32_t, uint64_t>> times;
  try {
    times = mp4::decode_times(moof);
  } catch (const PlaybackError&) {
    return;
  }
  for (const auto& [id, t] : times) {
    try {
      const auto start = mp4::fragment_start(moof, id, 0);
      ZC_FUZZ_CHECK(start.has_value());
      // The first traf of that id is the one both report.
      for (const auto& [id2, t2] : times) {
        if (id2 != id) continue;
        ZC_FUZZ_CHECK(start->decode_time == t2);
        break;
      }
    } catch (const PlaybackError&) {
    }
  }
  std::vector<std::pair<uint32_t, int64_t>> shifts;
  for (const auto& [id, t] : times) shifts.emplace_back(id, 5);
  std::vector<uint8_t> copy(moof.begin(), moof.end());
  try {
    mp4::retime(copy, 7, shifts);
  } catch (const PlaybackError&) {
    return;  // a decode time that does not fit its version-0 field
  }
  const auto after = mp4::decode_times(copy);
  ZC_FUZZ_CHECK(after.size() == times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    ZC_FUZZ_CHECK(after[i].first == times[i].first);
    ZC_FUZZ_CHECK(after[i].second == times[i].second + 5);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> file(data, size);
  size_t off = 0;
  while (off + 8 <= size) {
    uint64_t box = mp4::be32(data + off);
    if (box == 1 && off + 16 <= size) box = mp4::be64(data + off + 8);
    if (box < 8 || box > size - off) break;
    const std::string_view type(reinterpret_cast<const char*>(data + off + 4), 4);
    const auto bytes = file.subspan(off, static_cast<size_t>(box));
    if (type == "moov") check_moov(bytes);
    if (type == "moof") check_moof(bytes);
    off += static_cast<size_t>(box);
  }
  return 0;
}
