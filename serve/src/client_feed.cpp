#include "client_feed.h"

#include "elementary.h"

#include <zc/fifo/rescale.h>

#include <algorithm>
#include <cstdio>

namespace zc::serve {
namespace {

// A jump of the ring's timeline bigger than this (either way) without a discontinuity flag is one all the same.
constexpr int64_t kMaxStepNs = 10'000'000'000;
// Where a re-anchored timeline goes on: one frame interval after the last frame sent.
constexpr int64_t kStepAfterBreakNs = 40'000'000;

}  // namespace

ClientFeed::ClientFeed(std::shared_ptr<RingMount> mount, uint64_t client, const void* owner,
                       const fifo::StreamInfo& info, const std::vector<TrackElements>& tracks)
    : mount_(std::move(mount)), client_(client), owner_(owner) {
  for (const auto& t : tracks) {
    Out o;
    o.track_id = t.track_id;
    if (const auto* ti = info.find(t.track_id)) o.info = *ti;
    o.src = GST_APP_SRC(gst_object_ref(t.appsrc));
    o.length_prefixed = t.length_prefixed;
    outs_.push_back(std::move(o));
  }
  key_track_ = outs_.front().track_id;
  created_ns_ = mount_->clock().mono_ns();
  for (const auto& o : outs_)
    if (o.info.kind == fifo::MediaKind::video) {
      key_track_ = o.track_id;
      break;
    }
  GstAppSrcCallbacks cb{};
  cb.need_data = &ClientFeed::need_data;
  for (auto& o : outs_) gst_app_src_set_callbacks(o.src, &cb, this, nullptr);
  mount_->fanout().add(this);
}

ClientFeed::~ClientFeed() {
  mount_->fanout().remove(this);
  GstAppSrcCallbacks none{};
  for (auto& o : outs_) {
    gst_app_src_set_callbacks(o.src, &none, nullptr, nullptr);
    gst_object_unref(o.src);
  }
  bool counted = false;
  {
    std::lock_guard lock(mu_);
    counted = reported_;
  }
  if (counted) mount_->count_stopped_playing();
  mount_->release(owner_, claimed_.load());
  ClientEvent e;
  e.kind = ClientEvent::Kind::left;
  e.client = client_;
  e.ring = mount_->ring();
  e.frames_sent = frames_sent_.load();
  e.bytes_sent = bytes_sent_.load();
  e.frames_dropped = frames_dropped_.load();
  mount_->emit(e);
}

void ClientFeed::need_data(GstAppSrc* src, guint, gpointer self) {
  auto* feed = static_cast<ClientFeed*>(self);
  bool changed = false;
  {
    std::lock_guard lock(feed->mu_);
    for (auto& o : feed->outs_)
      if (o.src == src && !o.running) o.running = changed = true;
  }
  if (changed && feed->ready()) feed->mount_->fanout().wake();
}

bool ClientFeed::ready() {
  std::lock_guard lock(mu_);
  return std::all_of(outs_.begin(), outs_.end(), [](const Out& o) { return o.running; });
}

void ClientFeed::play() {
  {
    std::lock_guard lock(mu_);
    played_ = true;
    ever_played_ = true;
    play_ns_ = mount_->clock().mono_ns();  // a client's stall is counted from its PLAY, not from what its DESCRIBE queued
  }
  report_playing_if_due();
}

void ClientFeed::claimed() {
  if (!claimed_.exchange(true)) mount_->claim(owner_);
}

void ClientFeed::pause() {
  std::lock_guard lock(mu_);
  played_ = false;
}

void ClientFeed::report_playing_if_due() {
  ClientEvent e;
  {
    std::lock_guard lock(mu_);
    if (reported_ || !played_ || !first_) return;
    reported_ = true;
    e.first_seq = first_->seq;
    e.first_frame_age = std::chrono::milliseconds((mount_->clock().mono_ns() - first_->mono_ns) / 1'000'000);
  }
  e.kind = ClientEvent::Kind::playing;
  e.client = client_;
  e.ring = mount_->ring();
  mount_->count_playing();
  mount_->emit(e);
}

bool ClientFeed::stalled() {
  const auto timeout = mount_->stall_timeout();
  if (timeout.count() <= 0 || close_requested_) return false;
  const int64_t now = mount_->clock().mono_ns();
  uint64_t level = 0;
  for (const auto& o : outs_) level += gst_app_src_get_current_level_bytes(o.src);
  // Bytes leaving the queue are the client's progress, however slow: only a client that takes none stalls.
  if (level < last_level_) progress_ns_ = now;
  last_level_ = level;
  int64_t since = 0;
  {
    std::lock_guard lock(mu_);
    if (!played_ && ever_played_) return false;  // paused
    // A client that described (or set up) the stream and never plays holds a place and a full
    // queue: as long as a stuck one, and an easy way to take every place of a camera.
    never_played_ = !played_;
    since = never_played_ ? created_ns_ : std::max(progress_ns_, play_ns_);
  }
  return now - since > std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
}

ClientFeed::Out* ClientFeed::find(uint32_t track_id) {
  for (auto& o : outs_)
    if (o.track_id == track_id) return &o;
  return nullptr;
}

void ClientFeed::tick() {
  // One that described and has not played: each turn. One in a gap: also without new frames (a camera that went
  // silent while it was stuck).
  if (!ever_played() || waiting_for_key_) check_stall();
}

bool ClientFeed::accept_info(const fifo::StreamInfo& info) {
  for (auto& o : outs_) {
    const auto* t = info.find(o.track_id);
    if (!t || t->codec != o.info.codec || !servable(*t)) return false;
    // Same codec, new parameters (a resolution change, a camera that came back): the new parameter sets go in
    // front of the next keyframe and the payloader announces them; caps of audio that changed rate are refused.
    if (o.info.kind == fifo::MediaKind::audio &&
        (t->sample_rate != o.info.sample_rate || t->channels != o.info.channels || t->config != o.info.config))
      return false;
    if (o.length_prefixed && t->config != o.info.config) {
      // The new parameter sets reach the payloader (and its SDP) as a new record in the caps.
      CapsPtr caps = length_prefixed_caps_for(*t);
      if (!caps) return false;
      gst_app_src_set_caps(o.src, caps.get());
    }
    o.info = *t;
    o.send_config = true;
  }
  return true;
}

void ClientFeed::drop(uint64_t frames) {
  // A client that has not sent PLAY has nothing to fall behind on: what its full queue does not take is not a
  // drop for a slow client (it is never sent at all), and it is not counted as one.
  if (!ever_played()) return;
  if (gap_frames_ == 0) {
    ClientEvent e;
    e.kind = ClientEvent::Kind::behind;
    e.client = client_;
    e.ring = mount_->ring();
    e.frames_dropped = frames_dropped_.load();
    mount_->emit(e);
  }
  frames_dropped_ += frames;
  gap_frames_ += frames;
  mount_->count_dropped(frames);
}

void ClientFeed::check_stall() {
  if (!stalled()) return;
  // Its media cannot even carry an RTCP BYE to it: the connection is closed, which ends the session and the
  // media (and so this feed), and frees the client's place.
  close_requested_ = true;
  mount_->request_close(owner_);
  ClientEvent e;
  e.kind = ClientEvent::Kind::ended;
  e.client = client_;
  e.ring = mount_->ring();
  char took[96];
  std::snprintf(took, sizeof took,
                never_played_ ? "it sent no PLAY within %.1f s of its DESCRIBE"
                              : "it took nothing from its queue for %.1f s while playing",
                static_cast<double>(mount_->stall_timeout().count()) / 1000);
  e.reason = std::string(took) + ": its connection is closed";
  e.frames_dropped = frames_dropped_.load();
  mount_->emit(e);
}

void ClientFeed::end(const std::string& why) {
  for (auto& o : outs_) gst_app_src_end_of_stream(o.src);
  ClientEvent e;
  e.kind = ClientEvent::Kind::ended;
  e.client = client_;
  e.ring = mount_->ring();
  e.reason = why;
  mount_->emit(e);
}

bool ClientFeed::deliver(const SharedFrame& frame, bool replayed) {
  const auto& h = frame.header();
  if (h.lost_before > 0 && !replayed) {
    // The writer lapped our reader (it resumes at a keyframe by itself): the same gap as a full queue.
    drop(h.lost_before);
    waiting_for_key_ = true;
    discont_ = true;
  }
  if (h.info_changed && !accept_info(frame.info())) {
    end("the ring's tracks changed codec or audio format, or its new parameter sets make no avcC/hvcC record");
    return false;
  }
  Out* o = find(h.track);
  if (!o) return true;  // a track this client does not get (no RTP payloader for its codec)
  const bool length_prefixed = o->length_prefixed && frame.length_prefixed_buffer();
  const std::span<const uint8_t> whole = length_prefixed ? frame.length_prefixed() : frame.bytes();
  GstBuffer* const shared = length_prefixed ? frame.length_prefixed_buffer() : frame.buffer();
  if (whole.empty()) return true;
  const bool key = h.is_key();
  if (!origin_ns_ && !(h.track == key_track_ && key)) return true;  // before the first keyframe: not a loss
  if (waiting_for_key_) {
    if (h.track != key_track_ || !key) {
      drop(1);
      check_stall();
      return true;
    }
  }

  int64_t dts = fifo::to_ns(h.dts, o->info.time_base), pts = fifo::to_ns(h.pts, o->info.time_base);
  if (!origin_ns_) origin_ns_ = std::min(pts, dts);
  if (h.track == key_track_ && o->last_dts_ns >= 0) {
    // A break in the ring's timeline (a writer restart, a camera's clock jump): the client's timeline goes on
    // from where it was, one frame later, so that its decoder and jitter buffer see no jump.
    const int64_t step = dts - *origin_ns_ - o->last_dts_ns;
    if ((h.flags & fifo::frame_flag::discontinuity) != 0 || step <= 0 || step > kMaxStepNs) {
      if (step <= 0 || step > kMaxStepNs) *origin_ns_ += step - kStepAfterBreakNs;
      discont_ = true;
    }
  }
  dts -= *origin_ns_;
  pts -= *origin_ns_;
  if (dts < 0 || pts < 0) return true;  // audio from just before the client's first keyframe
  if (dts < o->last_dts_ns) dts = o->last_dts_ns;  // another track re-anchored the timeline: stay monotonic

  std::span<const uint8_t> payload = whole;
  if (o->info.codec == fifo::Codec::aac) payload = without_adts_header(payload);
  const bool video = o->info.kind == fifo::MediaKind::video;
  // Length-prefixed video has its parameter sets in the caps, and the payloader sends them before each keyframe.
  const bool prefix = video && key && o->send_config && !length_prefixed && !o->info.config.empty() &&
                      !has_parameter_sets(o->info.codec, payload);
  const size_t size = payload.size() + (prefix ? o->info.config.size() : 0);

  if (gst_app_src_get_current_level_bytes(o->src) + size > mount_->queue_bytes()) {
    // The client does not keep up (stopped, or a link slower than the stream): drop up to the next keyframe.
    drop(1);
    waiting_for_key_ = true;
    discont_ = true;
    check_stall();
    return true;
  }
  waiting_for_key_ = false;
  if (gap_frames_ > 0) {  // a gap a playing client was told of (drop()): it is over
    ClientEvent e;
    e.kind = ClientEvent::Kind::resumed;
    e.client = client_;
    e.ring = mount_->ring();
    e.frames = gap_frames_;
    e.frames_dropped = frames_dropped_.load();
    gap_frames_ = 0;
    mount_->emit(e);
  }

  // The client's buffer shares the frame's memory: only its timestamps and flags are its own.
  GstBuffer* buf = gst_buffer_copy_region(shared, GST_BUFFER_COPY_MEMORY,
                                          static_cast<gsize>(payload.data() - whole.data()), payload.size());
  if (prefix) buf = gst_buffer_append(gst_buffer_new_memdup(o->info.config.data(), o->info.config.size()), buf);
  GST_BUFFER_DTS(buf) = static_cast<GstClockTime>(dts);
  GST_BUFFER_PTS(buf) = static_cast<GstClockTime>(pts);
  if (video && !key) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (discont_) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
  if (gst_app_src_push_buffer(o->src, buf) != GST_FLOW_OK) return true;  // flushing: the media is going away
  discont_ = false;
  if (video && key) o->send_config = false;
  o->last_dts_ns = dts;
  progress_ns_ = mount_->clock().mono_ns();
  last_level_ = UINT64_MAX;
  // Frames and bytes count from the client's PLAY: what a client that only DESCRIBEd (or has not played yet) has
  // queued may never go out. The keyframe its media prerolled with is sent at its PLAY, uncounted.
  if (ever_played()) {
    frames_sent_ += 1;
    bytes_sent_ += size;
    mount_->count_sent(size);
  }
  if (!first_pushed_) {
    first_pushed_ = true;
    // At DESCRIBE this keyframe only prerolls the media: the client plays once it sends PLAY (play()).
    {
      std::lock_guard lock(mu_);
      first_ = First{h.seq, h.mono_ns};
    }
    report_playing_if_due();
  }
  return true;
}

}  // namespace zc::serve
