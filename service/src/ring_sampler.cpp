#include "ring_sampler.h"

#include <zc/fifo/error.h>

namespace zc::service {

std::optional<RingSampler::Sample> RingSampler::sample() {
  Sample s;
  // Through the reader's own mapping while its writer lives: inspect() opens, maps and faults in the object anew
  // each time (a sixth of zcrecd's CPU at 16 cameras, in perf). A ring can only have been recreated under the
  // same name (another size, a corrupt one replaced) after its writer died, so only then is the name looked up.
  if (reader_) s.ring = reader_->status();
  if (!reader_ || !s.ring.writer_alive) {
    try {
      const fifo::RingStatus named = fifo::RingReader::inspect(ring_);
      // Another object, whose writer the old mapping does not show: read the new one. (A takeover of the same
      // ring shows in both.)
      if (reader_ && s.ring.writer_start_mono_ns != named.writer_start_mono_ns) reader_.reset();
      s.ring = named;
    } catch (const fifo::FifoError&) {
      reader_.reset();
      return std::nullopt;
    }
  }
  const int64_t now = clock_.mono_ns();
  if (!reader_) {
    try {
      fifo::ReaderOptions o;
      o.start = fifo::StartAt::next_frame;
      o.on_lapped = fifo::OnLapped::next_frame;
      // It never waits (it counts what came once a second): a keyframe-only policy tells the camera's ingest that
      // this reader needs no frame at once, so the ingest may read its camera in batches.
      o.wake.on = fifo::WakeOn::keyframe;
      reader_.emplace(fifo::RingReader::open(ring_, o));
      last_at_ns_ = now;
    } catch (const fifo::FifoError&) {
      return s;  // no reader slot free: the counters still show
    }
    return s;
  }
  int64_t video = 0, bytes = 0;
  const fifo::TrackInfo* v = reader_->refresh_stream_info().first_of(fifo::MediaKind::video);
  while (auto view = reader_->peek()) {
    const bool counted = reader_->still_valid(*view) && (view->header.flags & fifo::frame_flag::end_of_stream) == 0;
    if (counted) {
      if (v != nullptr && view->header.track == v->track_id) ++video;
      bytes += static_cast<int64_t>(view->payload.size());
    }
    reader_->consume(*view);
  }
  const double dt = static_cast<double>(now - last_at_ns_) / 1e9;
  last_at_ns_ = now;
  if (dt > 0) {
    s.fps = static_cast<double>(video) / dt;
    s.bitrate_bps = static_cast<double>(bytes) * 8 / dt;
  }
  return s;
}

}  // namespace zc::service
