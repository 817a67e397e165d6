// The judge of the recorder's own fragment muxer (recorder/src/fragment_muxer.h): the segment writer as it was
// before, which handed every frame to libavformat's mp4 muxer and let it write the fragments. Same header
// (libavformat's, with the recorder's edit lists), same packet preparation (time bases, pts raised to dts,
// durations from the previous dts step, ADTS stripped, Annex-B converted), fragments by libavformat 5.1. The
// bytes go into a string. Test-only: a test compares the two writers' files byte for byte.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace zc::test {

struct MovencSegmentOptions {
  int64_t max_fragment_us = 1'000'000;
  int64_t first_composition_offset = 0;
  std::optional<int64_t> first_video_dts;
  int64_t audio_priming = 0;
};

class MovencSegment {
 public:
  MovencSegment(const fifo::TrackInfo& video, const fifo::TrackInfo* audio, const MovencSegmentOptions& options);
  ~MovencSegment();
  void write(const fifo::FrameHeader& header, std::span<const std::byte> payload);
  void flush_fragment();  // as SegmentWriter::flush_fragment: write out, next fragment discontinuous
  void finish();
  const std::string& bytes() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::test
