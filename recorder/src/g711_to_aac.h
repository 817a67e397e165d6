// G.711 (A-law, µ-law) audio turned into AAC-LC, so that recordings of the many cameras that send G.711 carry
// their sound in an MP4 that browsers play (MP4 has no G.711 sample entry they accept; see docs/recording.md).
// libavcodec decodes G.711, libswresample converts to the encoder's planar float (and a sample rate AAC has,
// when the source's is not one), libavcodec's native `aac` encoder encodes.
//
// Timing: one AAC stream per segment, contiguous and anchored where the segment starts (start()): AAC sample s
// is the source's sample at that time + s. Where the source has a hole the stream gets silence, where frames
// overlap the overlap is dropped, so every sample stays at its source time. The encoder puts priming_samples()
// of priming in front: its first packet is stamped that much before the anchor, and the segment's edit list
// skips them (segment_writer.h), as MP4 files made by other encoders do.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace zc::recorder {

struct AacPacket {
  int64_t pts = 0;  // in 1/sample_rate of aac_track()
  std::vector<uint8_t> data;
};

class G711ToAac {
 public:
  static bool handles(fifo::Codec codec) noexcept;

  // Throws RecorderError(unsupported) for another codec, RecorderError(media) when libavcodec refuses.
  explicit G711ToAac(const fifo::TrackInfo& g711);
  G711ToAac(G711ToAac&&) noexcept;
  G711ToAac& operator=(G711ToAac&&) noexcept;
  ~G711ToAac();

  // What the MP4 carries instead of the G.711 track: same track id, AAC with its AudioSpecificConfig.
  const fifo::TrackInfo& aac_track() const noexcept;

  // Encoder delay in front of every AAC stream, in samples of aac_track().
  int64_t priming_samples() const noexcept;

  // Starts a new AAC stream whose first sample is the source's at `aac_pts` (in 1/sample_rate of aac_track(),
  // on the source's clock). What the
  // frames pushed in the last 2 s hold after it (it also went into the previous stream's end: audio may run
  // ahead of video in the ring) starts it, so a segment has no hole at its beginning. Without start() a stream
  // begins at the first frame pushed.
  void start(int64_t aac_pts, std::vector<AacPacket>& out);

  // Decodes one G.711 frame whose first sample is at `pts` (the G.711 track's time base) and appends the AAC
  // packets that became ready.
  void push(int64_t pts, std::span<const std::byte> g711, std::vector<AacPacket>& out);

  // Encodes what is still buffered (the last frame padded with silence), appends those packets, and ends the
  // stream: the next one needs start() or push(). Called when a segment closes.
  void flush(std::vector<AacPacket>& out);

  struct Impl;

 private:
  void feed(int64_t pts, std::span<const std::byte> g711, std::vector<AacPacket>& out);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::recorder
