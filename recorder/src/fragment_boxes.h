// The boxes of one media fragment of a fragmented MP4 file, and the random-access index at its end, as
// ISO/IEC 14496-12 defines them:
//
//   moof (8.8.4)  movie fragment
//     mfhd (8.8.5)  sequence_number
//     traf (8.8.6)  one per track that has samples in the fragment
//       tfhd (8.8.7)   track_ID, default-base-is-moof, default sample duration/size/flags
//       tfdt (8.8.12)  version 1: baseMediaDecodeTime, the first sample's decode time
//       trun (8.8.8)   data_offset (from the moof's first byte), first_sample_flags or per-sample
//                      duration/size/flags/composition_time_offset where they differ from the defaults
//   mdat (8.1.1)  the samples: every sample of the first track, then every sample of the next
//   mfra (8.8.9)  at the end of a finished file: a tfra (8.8.10) per track (time and moof offset of each
//                 fragment) and mfro (8.8.11) with the mfra's size
//
// The encoding choices (which defaults tfhd carries, when trun lists a field) are libavformat's mp4 muxer's
// (movenc, FFmpeg 5.1, movflags frag_keyframe+empty_moov+default_base_moof), byte for byte: segments written
// before and after the recorder wrote fragments itself are the same files, and every reader that took one
// takes the other (tests/recorder/fragment_muxer_test.cpp compares them).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace zc::recorder::fragment_boxes {

struct Sample {
  uint32_t duration = 0;           // in the track's timescale
  uint32_t size = 0;               // bytes in the mdat
  int32_t composition_offset = 0;  // pts − dts
  bool sync = false;               // a keyframe (every audio sample is one)
};

struct TrackRun {
  uint32_t track_id = 0;
  bool video = false;                       // only for the default flags of a one-sample run
  uint64_t base_media_decode_time = 0;      // tfdt
  bool composition_offsets = false;         // the track has ever had pts != dts: trun lists every offset
  uint64_t data_offset_in_mdat = 0;         // where the run's first sample begins in the mdat's payload
  std::span<const Sample> samples;          // at least one
};

// Appends a moof for `runs` (in track order) to `out`; the truns' data offsets count from the moof's first
// byte to the sample in the mdat that directly follows it.
void append_moof(std::vector<uint8_t>& out, uint32_t sequence_number, std::span<const TrackRun> runs);

// Appends the 8-byte header of an mdat holding `payload_bytes` (a fragment is far below 4 GiB).
void append_mdat_header(std::vector<uint8_t>& out, uint64_t payload_bytes);

struct RandomAccessPoint {
  uint64_t time = 0;         // the fragment's first presentation time in the track's timescale (≥ 0)
  uint64_t moof_offset = 0;  // file offset of the fragment's moof
};
struct TrackIndex {
  uint32_t track_id = 0;
  std::span<const RandomAccessPoint> points;  // tracks without a point get no tfra
};

// Appends mfra: a tfra per track with points, then mfro.
void append_mfra(std::vector<uint8_t>& out, std::span<const TrackIndex> tracks);

}  // namespace zc::recorder::fragment_boxes
