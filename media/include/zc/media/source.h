// A source that libavformat opens (raw .h264/.h265, .mp4, .mkv, rtsp://, udp://, ...) turned into Annex-B
// access units and a zc::fifo::StreamInfo. MP4/MKV samples go through the h264_mp4toannexb/hevc_mp4toannexb
// bitstream filters; raw Annex-B input passes through untouched, so the concatenated video payloads of a raw
// .h264/.h265 file equal the file byte for byte.
#pragma once

#include <zc/fifo/clock.h>
#include <zc/media/packet_source.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace zc::media {

struct SourceOptions {
  bool video = true;  // carry the first supported video track
  bool audio = true;  // carry the first supported audio track
  // Passed to avformat_open_input, e.g. {"rtsp_transport", "tcp"} or {"timeout", "5000000"}.
  std::map<std::string, std::string> format_options;
  // Asked by libavformat while it blocks (connect, read): returning true aborts the call, which then fails with
  // MediaErrc::io or open_failed. Read timeouts and stop requests go here.
  std::function<bool()> interrupt;
  // Called once libavformat has opened the source (for RTSP: the session is playing), before it reads packets to
  // learn the streams: a caller can tell a camera that does not answer from one that answers and sends nothing.
  std::function<void()> on_opened;
  // A live source (zcrec's own RTSP client, a live Annex-B pipe) asks this now and then: true while nothing
  // downstream needs each frame as it arrives (the ring it feeds has no every-frame reader: fifo::RingWriter::
  // has_every_frame_reader()). It then reads its connection or pipe in batches at most fifo::kMaxBatchDelay
  // apart instead of waking once per picture, and stamps each frame's arrival from its timestamps on `clock`
  // (a pipe's frames: capture_mono_ns and capture_wall_ns both). Unset, or no clock: never.
  std::function<bool()> may_batch;
  // The clock a live source reads (zcrec's own RTSP client: request deadlines, keepalives, arrival stamps; a live
  // pipe's batches); LiveSource sets it to its own for every connection it opens. libavformat's MediaSource does not read
  // it (its RTSP demuxer keeps its own timers; LiveSource bounds it through `interrupt`, on this clock).
  const fifo::Clock* clock = nullptr;
  // A fragmented MP4 file only (a recorded segment): start at the fragment whose moof box is at this file
  // offset, e.g. a keyframe's from the catalog's index, instead of demuxing every fragment before it. The source
  // still reads the file's first fragment first (its packets come out first; they set the time origin, so
  // timestamps equal those of a read from the start), then continues at that moof. The offset is checked
  // before use (media/src/fragment_resume_io.h): one that fails throws MediaError(invalid_argument), and the
  // caller reads from the start instead. docs/playback.md, "Seeking".
  std::optional<int64_t> resume_at_moof;
  // Read the source's bytes through this instead of opening `url` (which still names the source in messages and
  // in format probing by extension): fills up to `size` bytes of `buf`, returns how many, 0 at the end or a
  // negative AVERROR. The native Annex-B pipe reader (annexb_pipe.h) uses it to keep what libavformat probed.
  std::function<int(uint8_t* buf, int size)> read_bytes;
};

// How MediaSource stamps a raw H.264/H.265 stream (libavformat's "h264"/"hevc" demuxers, whose packets carry no
// timestamps): the duration of one frame in the track's time base, from the stream's frame rate (25 fps when it
// declares none), and the reordering depth in frames (B-frames). `demuxer_rate` is the demuxer's own frame rate
// (its `framerate` option: 25 unless set), which its packets' durations follow until an SPS declares one.
struct RawVideoTiming {
  int64_t frame_duration = 0;
  int reorder_delay = 0;
  fifo::Rational demuxer_rate{25, 1};
};

class MediaSource final : public PacketSource {
 public:
  // Throws MediaError: open_failed (missing file, unreachable URL, unrecognised data), unsupported_codec,
  // invalid_argument (resume_at_moof is not a fragment of the file).
  explicit MediaSource(const std::string& url, const SourceOptions& options = {});
  MediaSource(MediaSource&&) noexcept;
  MediaSource& operator=(MediaSource&&) noexcept;
  ~MediaSource() override;

  const fifo::StreamInfo& stream_info() const noexcept override;
  bool read(MediaPacket& out) override;

  const std::string& url() const noexcept;
  // RTP packets the demuxer reported lost so far (UDP transports); the packets it assembled around the loss are
  // not marked corrupt by libavformat, so a caller that must not pass on broken frames watches this count.
  uint64_t packets_missed() const noexcept;
  // Set for a raw H.264/H.265 stream, nullopt for every other source.
  std::optional<RawVideoTiming> raw_video_timing() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::media
