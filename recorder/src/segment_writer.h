// One fragmented MP4 file written through libavformat without re-encoding: H.264/H.265 video (converted from
// the ring's Annex-B, see mp4_sample.h) and optionally AAC, a fragment per keyframe and at most ~1 s.
// The writer owns the file descriptor and hands libavformat a write-only, non-seekable AVIOContext, so it
// knows exactly which bytes are in the file: `durable_bytes()` only ever covers complete moof+mdat pairs.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/recorder/storage_io.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>

namespace zc::recorder {

struct SegmentWriterOptions {
  int64_t max_fragment_us = 1'000'000;  // also cut a fragment after this much media time
  bool fsync_fragments = false;         // fdatasync after every fragment (power-loss safety; costs I/O)
  // pts − dts of the segment's first video frame (video time base), > 0 for B-frame streams: every track gets
  // an edit list that starts it there, so the first frame plays at time zero (mp4_edit_list.h).
  int64_t first_composition_offset = 0;
  // The segment's first video frame's dts (video time base), when known before it is written: the origin of
  // every track from the start, so audio written ahead of that frame (a transcoder's first packets) is kept.
  // Without it the origin is the first video frame written.
  std::optional<int64_t> first_video_dts;
  // Encoder priming at the start of the audio track, in its samples (a transcoded track, g711_to_aac.h): the
  // audio is written that much later and its edit list skips the priming.
  int64_t audio_priming = 0;
  // The file calls (create, write, fdatasync, truncate, directory fsync); null: the real POSIX ones.
  std::shared_ptr<StorageIo> io;
};

class SegmentWriter {
 public:
  // Creates `path` (it must not exist), writes ftyp+moov and fsyncs the file and its directory.
  // Throws RecorderError: no_space, io, media, unsupported.
  static SegmentWriter create(const std::filesystem::path& path, const fifo::TrackInfo& video,
                              const fifo::TrackInfo* audio, const SegmentWriterOptions& options = {});

  // The same fragmented MP4 into `sink` instead of a file (live view over HTTP): no file, no lock, no fsync.
  // `sink` gets the bytes in order as libavformat flushes them (the header at once, then whole fragments as
  // they complete); returning false fails the write (RecorderError io, EPIPE). durable_bytes() counts what the
  // sink took. Throws like create().
  using ByteSink = std::function<bool(const uint8_t* data, size_t size)>;
  static SegmentWriter create_streaming(ByteSink sink, const fifo::TrackInfo& video, const fifo::TrackInfo* audio,
                                        const SegmentWriterOptions& options = {});

  SegmentWriter(SegmentWriter&&) noexcept;
  SegmentWriter& operator=(SegmentWriter&&) noexcept;
  ~SegmentWriter();  // without finish() the file keeps its complete fragments (as after a crash)

  struct WriteResult {
    bool fragment_completed = false;  // a moof+mdat reached the file during this write
    int64_t fragment_start = -1;      // file offset at which the fragment holding this frame will begin
    bool pts_raised = false;          // the frame's pts came before its dts: it was written with pts = dts
  };
  // `base_dts`/`base_pts` in the track's time base are subtracted so the file starts near zero.
  WriteResult write(const fifo::FrameHeader& header, std::span<const std::byte> payload);

  // A video decode time on the audio track's time base, rounded as write() rounds its origin: for
  // first_video_dts, the origin write() subtracts from audio.
  int64_t audio_time_of(int64_t video_dts) const noexcept;

  // At a break in the stream: writes the fragment being filled now, so that everything written so far is
  // durable while the source is away. The next frame of each track may follow a hole in the timeline: the step
  // across it is not taken as a frame duration. True if a fragment reached the file. Throws like write().
  bool flush_fragment();

  // Bytes of the file that hold complete fragments (everything after may be a partial fragment).
  int64_t durable_bytes() const noexcept;
  // Writes the last fragment and the trailer, then fdatasyncs. Throws like create().
  void finish();
  // Cuts the file back to durable_bytes() and closes it (after a write error such as a full disk).
  void abandon() noexcept;
  // Holds an OFD lock on the file while writing, so recovery can tell a live segment from a dead one.
  int fd() const noexcept;

  struct Impl;

 private:
  explicit SegmentWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::recorder
