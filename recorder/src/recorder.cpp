// The loop that reads the ring and drives a recording (recording.h): Recorder::start() picks the pre-roll
// keyframe and inserts the recording row; poll() hands each frame to the recording and notices a session that is
// over, the writer's end of stream and a writer that is gone.
#include <zc/recorder/recorder.h>

#include <zc/catalog/catalog.h>
#include <zc/catalog/files.h>
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recovery.h>

#include "frame_holder.h"
#include "recording.h"

#include <unistd.h>

#include <algorithm>
#include <deque>

namespace zc::recorder {

using catalog::Catalog;
using catalog::NewRecording;
using catalog::UniqueFd;

namespace {
// How long after its end a session still waits for frames captured before it: the batch bound of a live
// source (fifo::kMaxBatchDelay) and some scheduling slack.
constexpr int64_t kLateFrameGraceNs =
    std::chrono::duration_cast<std::chrono::nanoseconds>(fifo::kMaxBatchDelay).count() + 50'000'000;
}  // namespace

Recorder Recorder::start(const RecorderOptions& options, const Clock& clock) {
  if (options.timing.preroll_ns < 0 || options.timing.postroll_ns < 0 || options.segment_ns <= 0 ||
      options.writer_grace_ns < 0 ||
      (options.timing.duration_ns && *options.timing.duration_ns < 0) ||
      (options.timing.max_length_ns && *options.timing.max_length_ns <= 0)) {
    throw RecorderError(RecorderErrc::invalid_argument, "durations must be positive");
  }
  if (auto why = fifo::check_stream_name(options.stream)) {
    throw RecorderError(RecorderErrc::invalid_argument, "bad stream name '" + options.stream + "': " + *why);
  }
  // The trigger is now, and the pre-roll keyframe is chosen and the reader put on it before the catalog is
  // touched: the catalog may be busy (another process in a write transaction, a long recovery) for seconds.
  fifo::ReaderOptions ro;
  ro.start = fifo::StartAt::newest_keyframe;
  ro.on_lapped = fifo::OnLapped::oldest_keyframe;
  ro.wait_for_stream = options.wait_for_stream;
  // A recorder needs no frame within microseconds: woken at keyframes (a fragment is complete) or after at
  // most 250 ms, it writes everything that came in one go, and its owner's news wakes it at once.
  ro.wake.on = fifo::WakeOn::keyframe;
  ro.wake.max_delay = fifo::kMaxWakeDelay;
  auto wake = options.wake ? options.wake : std::make_shared<fifo::WakeSignal>();
  ro.interrupt = wake;
  auto reader = fifo::RingReader::open(options.stream, ro);
  const auto& info = reader.refresh_stream_info();
  if (!params_of(info)) {
    throw RecorderError(RecorderErrc::no_stream, "stream " + options.stream + " has no H.264/H.265 video track");
  }

  // Pre-roll: T is the newest frame's capture time; start at the newest keyframe at or before T - pre-roll,
  // or the oldest one still in the ring. Retry if the writer overwrites our choice before we get there.
  int64_t trigger_mono = clock.mono_ns(), trigger_wall = clock.wall_ns();
  if (auto newest = reader.newest_frame_header()) {
    trigger_mono = newest->mono_ns;
    trigger_wall = newest->wall_ns;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto kf = reader.keyframe_at_or_before(trigger_mono - options.timing.preroll_ns);
    if (!kf) kf = reader.oldest_keyframe();
    if (!kf || reader.seek_to(*kf)) break;
  }

  // While the catalog work below waits, the ring goes on (and may overwrite the pre-roll): a thread keeps
  // reading into memory so that the recording still starts at the chosen keyframe.
  FrameHolder holder(reader);
  auto catalog = Catalog::open(options.dir);
  if (options.recover_on_start) {
    try {
      recover_unfinished(catalog);
    } catch (const std::runtime_error& e) {
      // Recovery is idempotent: on a full disk it is finished by the next start or `zcrec check`, and the
      // recording may still get its row (the catalog's own files need no new block for it).
      if (!is_no_space(e)) throw;
      if (options.on_warning) options.on_warning(std::string("recovery postponed, storage full: ") + e.what());
    }
  }
  catalog.keep_space_reserve();
  const int64_t now_wall = clock.wall_ns();
  catalog.ensure_stream(options.stream, now_wall);
  UniqueFd lock_fd = catalog::open_lock_file(options.dir / "recorders.lock");
  NewRecording nr;
  nr.stream_name = options.stream;
  nr.trigger_wall_ns = trigger_wall;
  nr.trigger_mono_ns = trigger_mono;
  nr.preroll_requested_ns = options.timing.preroll_ns;
  nr.postroll_ns = options.timing.postroll_ns;
  nr.max_length_ns = options.timing.max_length_ns;
  nr.recorder_pid = ::getpid();
  nr.kind = options.kind;
  nr.lease_epoch = options.lease_epoch;
  const int64_t recording_id = catalog.begin_recording(nr, [&](int64_t id) {
    catalog::lock_byte(lock_fd.get(), id, options.dir / "recorders.lock");
  });
  std::deque<HeldFrame> held = holder.release();

  auto impl = std::make_unique<Impl>(options, clock, std::move(catalog), std::move(reader), trigger_mono);
  Impl& m = *impl;
  m.wake = std::move(wake);
  m.lock_fd = std::move(lock_fd);
  m.held_frames = std::move(held);
  m.sum.recording_id = recording_id;
  m.sum.stream = options.stream;
  m.sum.trigger_wall_ns = trigger_wall;
  m.sum.trigger_mono_ns = trigger_mono;
  m.sum.preroll_requested_ns = options.timing.preroll_ns;
  if (options.resume_after_recorded) m.resume_after_wall_ns = m.catalog.stream_end_wall_ns(options.stream);
  if (options.resume_after_wall_ns)
    m.resume_after_wall_ns = std::max(m.resume_after_wall_ns.value_or(INT64_MIN), *options.resume_after_wall_ns);
  return Recorder(std::move(impl));
}

Recorder::Recorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Recorder::Recorder(Recorder&&) noexcept = default;
Recorder& Recorder::operator=(Recorder&&) noexcept = default;

Recorder::~Recorder() {
  if (!impl_ || impl_->mode == Mode::ended) return;
  try {
    impl_->finish(EndReason::error);
  } catch (...) {
    // Recovery closes what we could not: the liveness lock dies with us.
  }
}

void Recorder::trigger() noexcept {
  impl_->triggers.fetch_add(1, std::memory_order_release);
  impl_->wake->raise();
}
void Recorder::stop() noexcept {
  impl_->stops.fetch_add(1, std::memory_order_release);
  impl_->wake->raise();
}

bool Recorder::poll(std::chrono::milliseconds max_wait) {
  Impl& m = *impl_;
  if (m.mode == Mode::ended) return false;
  const int64_t deadline = m.clock.mono_ns() + max_wait.count() * 1'000'000;
  try {
    for (;;) {
      m.apply_controls();
      const auto st = m.next_frame();
      if (st == fifo::ReadStatus::end_of_stream) {
        // The writer's input is over (a finished file): no new writer is coming, so no grace to wait out.
        m.finish(EndReason::writer_gone);
        return false;
      }
      if (st == fifo::ReadStatus::frame) {
        // A frame after the writer was found gone is a new writer's, even one that died again before we waited.
        m.writer_present();
        const auto& h = m.frame.header;
        if (m.started() && !m.session.accepts(h.mono_ns)) {
          m.finish(m.session.end_reason());
          return false;
        }
        m.handle_frame(h, std::as_bytes(std::span(m.frame.payload)));
        continue;
      }
      const int64_t now = m.clock.mono_ns();
      // A frame past the end ends the session at once (above); without one, frames captured before the end may
      // still be on their way: a live source reads its camera in batches up to fifo::kMaxBatchDelay apart while
      // only keyframe-woken readers like this one are attached.
      if (m.session.over_at(now - kLateFrameGraceNs) && (m.started() || m.session.stopping())) {
        m.finish(m.session.end_reason());
        return false;
      }
      if (now >= deadline) return true;
      // min(deadline, end + grace), without overflowing an open end (INT64_MAX).
      const int64_t until = std::min(deadline - kLateFrameGraceNs, m.session.end_mono_ns()) + kLateFrameGraceNs;
      // The reader sleeps until a keyframe, the wake signal or kMaxWakeDelay; then everything that came is
      // written in one pass of this loop.
      const auto wait = std::chrono::milliseconds(
          std::clamp<int64_t>((until - now + 999'999) / 1'000'000, 1, fifo::kMaxWakeDelay.count()));
      if (m.reader.wait(wait) != fifo::WaitStatus::writer_gone) {
        m.writer_present();  // a live writer, or frames (the reader may have followed a recreated ring)
        continue;
      }
      const auto last = m.reader.try_read(m.frame);
      if (last == fifo::ReadStatus::end_of_stream) {
        m.finish(EndReason::writer_gone);
        return false;
      }
      if (last == fifo::ReadStatus::frame) {
        // A last frame slipped in before the writer left: handle it on the next turn.
        const auto& h = m.frame.header;
        if (!m.started() || m.session.accepts(h.mono_ns)) m.handle_frame(h, std::as_bytes(std::span(m.frame.payload)));
        continue;
      }
      // The session's limits and stop requests still apply while waiting: the loop checks them each turn.
      if (!m.wait_for_new_writer()) {
        m.finish(EndReason::writer_gone);
        return false;
      }
    }
  } catch (...) {
    try {
      m.finish(EndReason::error);
    } catch (...) {
    }
    throw;
  }
}

const RecordingSummary& Recorder::run() {
  while (poll(std::chrono::milliseconds(200))) {
  }
  return impl_->sum;
}

const RecordingSummary& Recorder::summary() const noexcept { return impl_->sum; }

}  // namespace zc::recorder
