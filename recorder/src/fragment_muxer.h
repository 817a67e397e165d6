// The media fragments of a segment (moof + mdat, fragment_boxes.h), written by the recorder itself after
// libavformat's mp4 muxer wrote the file's header (ftyp + moov).
//
// Why: libavformat's muxer keeps each track's fragment in a dynamic AVIO buffer that grows by realloc (copying
// the fragment again each time it doubles), frees it after every fragment (for a 500 KB fragment: an mmap and
// munmap each time, with their page faults and TLB shootdowns), and writes its moof twice (once to measure it).
// A profile of zcrecd put a third of the daemon's CPU there (docs/benchmarks.md). No muxer option avoids it
// (frag_interleave only moves the samples into one shared dynamic buffer). Here each track has one buffer
// whose capacity is kept from fragment to fragment, a sample is converted into it straight from the ring's
// Annex-B, and a fragment goes out as one gathered write: moof + mdat header, the video samples, the audio
// samples.
//
// The timing follows libavformat 5.1's muxer (mux.c + movenc.c with frag_keyframe, frag_duration,
// default_base_moof, frag_discont, use_editlist 0) rule for rule, so the files are the same bytes as before:
//  - a packet without a duration gets the muxer's guess (AAC: one frame of 1024 samples);
//  - a decode time that does not grow is refused (EINVAL), except after a decode time of exactly 0, which
//    libavformat does not check; one that goes back is moved just after the previous one (pts = dts);
//  - a fragment is cut before a video keyframe, or before a packet of a track whose fragment already spans
//    `max_fragment_us`; the track that cuts ends its fragment at that packet's dts, the others at their last
//    sample's dts + duration (a last duration of 0 becomes the one before it);
//  - a track's first sample in a fragment starts where its previous fragment ended (the decode time is moved
//    there), unless the fragment follows a discontinuity: then it keeps its own decode time (tfdt);
//  - every track starts as after a discontinuity: its first tfdt is its first dts.
#pragma once

#include "fragment_boxes.h"

extern "C" {
#include <libavutil/rational.h>
}

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace zc::recorder {

class FragmentMuxer {
 public:
  struct TrackSetup {
    uint32_t track_id = 0;
    bool video = false;
    AVRational time_base{1, 90000};  // the track's timescale as the header declares it
    int64_t guessed_duration = 0;    // for a packet without one (in time_base)
  };
  // Writes every byte of `parts` in order or throws; called with a whole fragment (or the mfra) at a time.
  using Write = std::function<void(std::span<const iovec> parts)>;

  // `position` is the file offset of the first fragment (the header's size).
  FragmentMuxer(std::vector<TrackSetup> tracks, int64_t max_fragment_us, uint64_t position, Write write);

  enum class SampleForm {
    as_is,                      // copied into the mdat unchanged
    annexb_to_length_prefixed,  // H.264/H.265 access unit in Annex-B, stored with 4-byte NAL lengths
  };
  struct Packet {
    size_t track = 0;  // index into the tracks given at construction
    int64_t dts = 0, pts = 0, duration = 0;  // in the track's time base; duration 0: unknown
    bool key = false;
  };
  // Adds one sample, first writing the fragment it ends (if it ends one). Returns 1 if a fragment was written,
  // 0 if not, or a negative AVERROR when libavformat would have refused the packet (nothing is added then).
  int add(const Packet& p, std::span<const std::byte> payload, SampleForm form);

  // Writes the fragment being filled, if it holds a sample. True if it did.
  bool flush();
  // The next sample of every track may follow a hole: its fragment's tfdt is its own dts, not the end of what
  // came before.
  void mark_discontinuity() noexcept { discontinuity_pending_ = true; }
  // flush(), then the mfra index.
  void finish();

  // The file offset after everything written so far.
  uint64_t position() const noexcept { return position_; }

 private:
  struct Entry {
    int64_t dts = 0;
    int64_t cts = 0;
    uint32_t size = 0;
    bool sync = false;
  };
  struct Track {
    TrackSetup setup;
    int64_t last_dts = 0;           // libavformat's cur_dts: 0 until a packet came (and then unchecked)
    bool started = false;           // start_dts is known
    int64_t start_dts = 0;
    int64_t track_duration = 0;     // end of the last sample, relative to start_dts
    bool discontinuous = false;     // the next fragment keeps its first sample's own dts
    bool composition_offsets = false;
    std::vector<Entry> entries;     // this fragment's samples
    std::vector<uint8_t> data;      // this fragment's sample bytes; capacity kept across fragments
    std::vector<fragment_boxes::Sample> samples;  // entries as the trun lists them (reused)
    std::vector<fragment_boxes::RandomAccessPoint> points;  // for the mfra
  };

  int64_t entry_duration(const Track& t, size_t i) const noexcept;
  // The packet's dts against the track's end (libavformat's check_pkt): a dts that goes back is moved.
  static int check(const Track& t, Packet& p) noexcept;

  std::vector<Track> tracks_;
  int64_t max_fragment_us_ = 0;
  uint64_t position_ = 0;
  uint32_t sequence_ = 1;
  bool discontinuity_pending_ = true;  // every track's first tfdt is its first dts
  Write write_;
  std::vector<uint8_t> head_;  // moof + mdat header (reused)
  std::vector<fragment_boxes::TrackRun> runs_;
  std::vector<iovec> parts_;
};

}  // namespace zc::recorder
