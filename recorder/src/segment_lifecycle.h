// The life of one segment of a recording, and the catalog rows it owns: open (file created and its header
// durable, then the 'writing' row), append (frames into the muxer; each fragment that reaches the file is
// published as the row's new totals plus its keyframes, in one transaction), close (trailer, fdatasync, row
// 'complete' with its end reason) or, on a full disk, cut back to its last complete fragment. The catalog never
// claims a byte or keyframe the file does not hold (docs/recording.md, "Lifecycle of one recording").
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/recorder/recorder.h>
#include <zc/recorder/storage_io.h>

#include "catalog_queue.h"
#include "g711_to_aac.h"
#include "rotation_policy.h"
#include "segment_writer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace zc::recorder {

struct OpenSegment {
  std::optional<SegmentWriter> writer;
  int64_t id = 0;
  std::string path;  // relative to the storage directory
  SegmentParams params;
  int64_t start_mono_ns = 0;
  int64_t start_wall_ns = 0;
  int64_t first_pts = 0, first_dts = 0;  // video track time base
  int64_t last_dts = 0, last_dts_delta = 0;
  int64_t last_mono_ns = 0;  // capture time of the last video frame
  bool after_hole = false;   // the next video frame follows a break: its dts step is no frame duration
  // Added to every frame's pts/dts written after a break the segment went on across, so that each hole in the
  // file's timeline is as long as the break was on the capture clock (continues_across_break).
  int64_t hole_shift_ns = 0;
  int64_t frames = 0, keyframes = 0, audio_frames = 0;
  std::vector<catalog::KeyframeEntry> pending_keyframes;  // of the fragment still being filled
  // What the file holds in complete fragments, with the keyframes of those fragments that the catalog has not
  // taken yet (its write may have met a full disk): the row is closed with exactly this.
  catalog::SegmentProgress durable;

  int64_t duration_90k() const;
  catalog::SegmentProgress totals(int64_t size_bytes) const;
};

// What a segment needs from the recording around it.
class SegmentHost {
 public:
  // A catalog write that may meet a full disk: it stays queued and the recording pauses.
  virtual void write_row(CatalogWrite w) = 0;
  // The same without pausing (the caller is pausing already).
  virtual void queue_row(CatalogWrite w) = 0;
  // Replays queued writes; false while the catalog is still full.
  virtual bool flush_rows() = 0;
  // A fragment holding frames reached the file and the catalog (a pause that was resuming is over); the newest
  // frame written was captured at newest_capture_mono_ns (0: unknown), which times the write behind capture.
  virtual void frames_durable(int64_t newest_capture_mono_ns) = 0;
  // The open segment was closed and ends at `end_wall_ns` (called before its row is written).
  virtual void segment_closed(int64_t segment_id, int64_t end_wall_ns) = 0;
  // Something about the source the owner should hear of (RecorderOptions::on_warning), once per kind.
  virtual void warn(const std::string& message) = 0;

 protected:
  ~SegmentHost() = default;
};

// A segment cut back to its last complete fragment by a full disk.
struct CutSegment {
  int64_t frames_cut = 0;               // video and audio frames that were not in a complete fragment
  int64_t kept_end_wall_ns = 0;         // where what is kept ends (its start if nothing is)
  std::optional<int64_t> kept_segment;  // the segment's id if it kept frames (else it is deleted)
};

class SegmentLifecycle {
 public:
  SegmentLifecycle(const RecorderOptions& options, catalog::Catalog& catalog, std::shared_ptr<StorageIo> io,
                   RecordingSummary& summary, SegmentHost& host);

  OpenSegment* current() noexcept { return seg_ ? &*seg_ : nullptr; }
  bool is_audio(const fifo::FrameHeader& h) const;
  // G.711 is recorded as AAC through a transcoder whose clock cannot carry a hole (docs/recording.md).
  bool transcodes_audio() const noexcept { return g711_.has_value(); }

  // Creates the next segment at video keyframe `h`: file and header first, then its row. Its start is
  // `timeline_wall_ns`, or the end of the stream's newest segment if that is later. Throws RecorderError,
  // catalog::CatalogError (no_space: nothing is left behind, neither file nor row).
  void open(const fifo::FrameHeader& h, const SegmentParams& params, int64_t timeline_wall_ns);
  // Writes a frame of the open segment's tracks (others are ignored). Throws like open().
  void write_frame(const fifo::FrameHeader& ring_header, std::span<const std::byte> payload, bool video);
  // At a break: writes out the fragment being filled and marks the hole. Returns the segment's end so far.
  int64_t write_out_at_break();
  // Whether the open segment can take `h`, the video keyframe that ends a break, after a hole in its timeline;
  // if so, the hole is made exactly as long as the capture clock says.
  bool continues_across_break(const fifo::FrameHeader& h, const SegmentParams& params);
  // Trailer, fdatasync, row 'complete' with `end_reason`. Nothing if no segment is open.
  void close(const std::string& end_reason);
  // The disk is full: cut the file back to its last complete fragment and close its row ('complete', end reason
  // 'error') with exactly what it holds, or delete it (two-phase) if that is nothing. Rows are queued.
  std::optional<CutSegment> cut_back();
  // Segment paths that no longer exist (retention, a deleted empty segment) leave the summary.
  void forget_deleted(const std::vector<std::string>& paths);

 private:
  const fifo::TrackInfo* audio_in_file(const SegmentParams& params);
  void write_aac_packets(OpenSegment& s);
  SegmentWriter::WriteResult write_to_file(OpenSegment& s, const fifo::FrameHeader& h,
                                           std::span<const std::byte> payload);
  void publish_fragment(OpenSegment& s);

  const RecorderOptions& opt_;
  catalog::Catalog& catalog_;
  std::shared_ptr<StorageIo> io_;
  RecordingSummary& sum_;
  SegmentHost& host_;
  int64_t newest_capture_mono_ns_ = 0;  // of the newest frame written to a file
  int64_t pts_raised_ = 0;              // frames shown at their decoding time (SegmentWriter::WriteResult)
  std::optional<OpenSegment> seg_;
  int64_t ordinal_ = 0;
  // G.711 is recorded as AAC: one encoder per recording, restarted when a segment closes.
  std::optional<G711ToAac> g711_;
  fifo::TrackInfo g711_source_;  // the track g711_ was made for
  std::vector<AacPacket> aac_packets_;
};

}  // namespace zc::recorder
