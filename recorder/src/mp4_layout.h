// Walks the top-level boxes of a fragmented MP4 to find where its last complete fragment ends. Recovery cuts a
// file left by a crash back to that point; everything before it decodes, by construction of fragmented MP4.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace zc::recorder {

struct Mp4Fragment {
  int64_t moof_offset = 0;
  int64_t mdat_offset = 0;
  int64_t end = 0;  // one past the mdat
};

struct Mp4Layout {
  int64_t file_bytes = 0;
  int64_t valid_end = 0;  // end of the last complete box that leaves no moof without its mdat
  bool has_ftyp = false, has_moov = false;
  std::vector<Mp4Fragment> fragments;
  // The fragment whose mdat holds byte `pos`, or nullptr.
  const Mp4Fragment* fragment_holding(int64_t pos) const noexcept;
};

// Throws RecorderError(io) when the file cannot be read.
Mp4Layout scan_mp4(const std::filesystem::path& path);

}  // namespace zc::recorder
