#include "push_session.h"

#include "gst_ptr.h"
#include "push_target.h"
#include "ring_mount.h"

#include <zc/fifo/frame.h>
#include <zc/fifo/ring_writer.h>
#include <zc/ingest/depacketizer.h>
#include <zc/ingest/dts_from_pts.h>
#include <zc/ingest/rtp.h>
#include <zc/ingest/rtp_track.h>

#include <gst/app/gstappsink.h>


#include <algorithm>
#include <exception>
#include <span>
#include <vector>

namespace zc::serve {
namespace {

constexpr const char* kSessionKey = "zc-push-session";

int64_t ticks_to_ns(int64_t ticks, uint32_t clock) {
  return static_cast<int64_t>(static_cast<__int128>(ticks) * 1'000'000'000 / clock);
}
int64_t ns_to_ticks(int64_t ns, uint32_t clock) {
  return static_cast<int64_t>(static_cast<__int128>(ns) * clock / 1'000'000'000);
}
// Rounded up: a shift that must cover a distance in ticks keeps covering it through ns and back.
int64_t ticks_to_ns_up(int64_t ticks, uint32_t clock) {
  return static_cast<int64_t>((static_cast<__int128>(ticks) * 1'000'000'000 + clock - 1) / clock);
}
int64_t ns_to_ticks_up(int64_t ns, uint32_t clock) {
  return static_cast<int64_t>((static_cast<__int128>(ns) * clock + 999'999'999) / 1'000'000'000);
}

// The sections a ring carries: the first video and the first audio zcrec knows, as the RTSP client takes them.
std::vector<int> carried_sections(const ingest::Sdp& sdp) {
  std::vector<int> out;
  bool video = false, audio = false;
  for (size_t i = 0; i < sdp.media.size(); ++i) {
    const fifo::MediaKind kind = fifo::media_kind_of(ingest::codec_of(sdp.media[i]));
    if (kind == fifo::MediaKind::video && !video) video = true;
    else if (kind == fifo::MediaKind::audio && !audio) audio = true;
    else continue;
    out.push_back(static_cast<int>(i));
  }
  return out;
}

std::string describe(const fifo::TrackInfo& t) {
  std::string s(fifo::to_string(t.codec));
  if (t.kind == fifo::MediaKind::video) {
    if (t.width > 0) s += " " + std::to_string(t.width) + "x" + std::to_string(t.height);
  } else {
    s += " " + std::to_string(t.sample_rate) + " Hz";
  }
  return s;
}

struct PushTrack {
  uint32_t clock = 90000;
  size_t info_index = 0;
  uint8_t payload_type = 0;
  std::unique_ptr<ingest::Depacketizer> depacketizer;
  ingest::SequenceTracker sequence;
  ingest::TimestampUnwrapper timestamps;
  ingest::DtsFromPts dts;
  bool started = false;
  int64_t first_timestamp = 0;
  int64_t origin = 0;  // ticks from the push's first packet to this track's first
  bool discontinuity_next = false;
  std::vector<ingest::AccessUnit> completed;
};

// Everything is touched under the push target's lock: a pusher's tracks arrive on one streaming thread each.
class PushSession {
 public:
  PushSession(std::shared_ptr<RingMount> mount, uint64_t client, const void* owner, const ingest::Sdp& sdp)
      : mount_(std::move(mount)), target_(mount_->push_target()), client_(client), owner_(owner),
        section_track_(sdp.media.size(), -1) {
    for (const int section : carried_sections(sdp)) {
      const ingest::SdpMedia& m = sdp.media[static_cast<size_t>(section)];
      PushTrack t;
      t.info_index = info_.tracks.size();
      fifo::TrackInfo ti = ingest::track_info_of(m, static_cast<uint32_t>(info_.tracks.size()));
      t.clock = static_cast<uint32_t>(ti.time_base.den);
      t.payload_type = static_cast<uint8_t>(m.payload_type);
      t.depacketizer = ingest::make_depacketizer(m);
      t.dts = ingest::DtsFromPts(t.clock / 2);
      if (ti.kind == fifo::MediaKind::video) has_video_ = true;
      info_.tracks.push_back(std::move(ti));
      section_track_[static_cast<size_t>(section)] = static_cast<int>(tracks_.size());
      tracks_.push_back(std::move(t));
    }
  }

  ~PushSession() { end(); }

  // The pusher left (TEARDOWN, a closed connection, the session's timeout: gst-rtsp-server drops its media and
  // with it the bin that owns this session). Frees the mount for the next pusher at once; idempotent.
  void end() {
    ClientEvent e;
    {
      auto l = target_->lock();
      if (ended_) return;
      ended_ = true;
      e.kind = ClientEvent::Kind::push_ended;
      e.client = client_;
      e.ring = mount_->ring();
      e.frames_sent = frames_;
      e.bytes_sent = bytes_;
      e.frames_dropped = dropped_;
      e.reason = frames_ == 0 ? "left before its first keyframe" : "left (its connection or session ended)";
    }
    target_->release(owner_, last_dts_ns_, step_ns_);
    mount_->emit(e);
  }

  void on_packet(size_t section, std::span<const uint8_t> bytes) noexcept {
    std::vector<ClientEvent> events;
    try {
      auto l = target_->lock();
      if (ended_ || section >= section_track_.size() || section_track_[section] < 0) return;
      PushTrack& t = tracks_[static_cast<size_t>(section_track_[section])];
      const auto p = ingest::parse_rtp(bytes);
      if (!p || p->payload_type != t.payload_type) return;
      const ingest::SequenceTracker::Step step = t.sequence.next(p->sequence);
      if (step.stale) return;
      if (step.lost > 0) {
        target_->count_lost_locked(step.lost);
        t.depacketizer->lost();
        t.discontinuity_next = true;
      }
      const int64_t ts = t.timestamps.unwrap(p->timestamp);
      if (!t.started) {
        // Tracks are aligned at their first packets' arrival, as the RTSP client aligns a camera's.
        const int64_t now = mount_->clock().mono_ns();
        if (first_arrival_ns_ == 0) first_arrival_ns_ = now;
        t.started = true;
        t.first_timestamp = ts;
        t.origin = ns_to_ticks(now - first_arrival_ns_, t.clock);
      }
      t.depacketizer->push(*p, ts, t.completed);
      for (ingest::AccessUnit& au : t.completed) {
        write(t, au, events);
        t.depacketizer->recycle(std::move(au.data));
      }
      t.completed.clear();
    } catch (const std::exception&) {
      // A write the ring refused (it was removed under us): this frame is lost, the push goes on.
      auto l = target_->lock();
      ++dropped_;
      target_->count_dropped_locked(1);
    }
    for (const ClientEvent& e : events) mount_->emit(e);
  }

 private:
  // A frame made, not yet written (held at a push's start).
  struct Pending {
    size_t track = 0;
    uint16_t flags = 0;
    int64_t pts = 0, dts = 0;  // the track's ticks, before shift_ns_
    std::vector<uint8_t> data;
  };
  static constexpr size_t kHoldVideoFrames = 12;  // DtsFromPts knows up to 8 places of reordering
  static constexpr int64_t kHoldNs = 500'000'000;

  void drop(fifo::RingWriter* w, size_t bytes) {
    ++dropped_;
    target_->count_dropped_locked(1);
    if (started_ && w) w->drop_frame(bytes);
  }

  void write(PushTrack& t, ingest::AccessUnit& au, std::vector<ClientEvent>& events) {
    fifo::RingWriter* w = target_->writer_locked();
    fifo::TrackInfo& ti = info_.tracks[t.info_index];
    const bool video = ti.kind == fifo::MediaKind::video;
    if (!w) return drop(w, au.data.size());  // the mount was removed: nothing is written any more
    if (au.damaged) {
      if (video) waiting_for_key_ = true;
      return drop(w, au.data.size());
    }
    if (video && au.keyframe && !au.parameter_sets.empty() && ingest::update_track_config(ti, au.parameter_sets))
      info_dirty_ = true;
    if (!started_) {
      // The ring gets this push from a video keyframe whose parameter sets are known (a reader must be able to
      // decode from its first frame); what comes before is not a stream yet.
      if (has_video_ && !(video && au.keyframe && !ti.config.empty())) return;
      started_ = true;
      waiting_for_key_ = false;
      base_ns_ = target_->resume_ns_locked();
      // The first push into a ring this writer created is not a discontinuity; every later one is.
      if (base_ns_ > 0 || w->took_over())
        for (PushTrack& each : tracks_) each.discontinuity_next = true;
    }
    if (video && waiting_for_key_) {
      if (!au.keyframe) return drop(w, au.data.size());
      waiting_for_key_ = false;
    }
    Pending p;
    p.track = static_cast<size_t>(&t - tracks_.data());
    p.pts = au.timestamp - t.first_timestamp + t.origin + ns_to_ticks(base_ns_, t.clock);
    p.dts = video ? t.dts.next(p.pts) : p.pts;
    p.flags = (!video || au.keyframe) ? fifo::frame_flag::keyframe : 0;
    if (t.discontinuity_next) p.flags |= fifo::frame_flag::discontinuity;
    t.discontinuity_next = false;
    p.data = std::move(au.data);
    if (!holding_ || !has_video_) return put(p, w, events);
    // RTP carries presentation times only, and the dts made up from their order (DtsFromPts) come out after the
    // pts for the first B-frames, before the reordering depth is known, then one tick apart: an MP4 muxer refuses
    // the first (the recorder and the live view failed on every push of libx264's defaults) and decoders stumble
    // on the second. So the push's first pictures are held until DtsFromPts has settled, and given dts of their
    // own (settle_held_dts). Costs up to half a second of latency at a push's start only.
    bool enough = false;
    if (video) {
      ++held_video_;
      if (held_video_ == 1) hold_start_pts_ = p.pts;
      // 12 pictures, or half a second of them (a camera at 2 fps would otherwise be held for 6 s).
      enough = held_video_ >= kHoldVideoFrames || ticks_to_ns(p.pts - hold_start_pts_, t.clock) >= kHoldNs;
    }
    held_.push_back(std::move(p));
    if (!enough) return;
    holding_ = false;
    settle_held_dts();
    for (Pending& h : held_) put(h, w, events);
    held_.clear();
  }

  // The held pictures' dts, from their pts and the dts DtsFromPts gave them (it goes on from the last of those):
  // d_i = i * step + min over j >= i of (min(dts_j, pts_j) - j * step), `step` the smallest distance between two
  // pts. So d_i <= pts_i and <= DtsFromPts' own dts_i (the next picture's dts stays after the last held one),
  // and the d_i are at least a step apart: one step each without B-frames (d_i = pts_i), starting as many steps
  // before the first pts as the reordering is deep with them. Then the whole push (every track, pts and dts) is
  // moved later by what brings d_0 back to where this push's timeline starts, so that no dts goes back behind the
  // previous push's.
  void settle_held_dts() {
    std::vector<Pending*> video;
    for (Pending& h : held_)
      if (info_.tracks[tracks_[h.track].info_index].kind == fifo::MediaKind::video) video.push_back(&h);
    if (video.empty()) return;
    const PushTrack& t = tracks_[video.front()->track];
    std::vector<int64_t> sorted;
    for (const Pending* v : video) sorted.push_back(v->pts);
    std::sort(sorted.begin(), sorted.end());
    int64_t step = 0;
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i] > sorted[i - 1] && (step == 0 || sorted[i] - sorted[i - 1] < step)) step = sorted[i] - sorted[i - 1];
    step = std::max<int64_t>(step, 1);
    int64_t least = INT64_MAX;
    std::vector<int64_t> settled(video.size());
    for (size_t i = video.size(); i-- > 0;) {
      least = std::min(least, std::min(video[i]->dts, video[i]->pts) - static_cast<int64_t>(i) * step);
      settled[i] = static_cast<int64_t>(i) * step + least;
    }
    for (size_t i = 0; i < video.size(); ++i) video[i]->dts = settled[i];
    const int64_t start = ns_to_ticks_up(base_ns_, t.clock);
    shift_ns_ = settled.front() < start ? ticks_to_ns_up(start - settled.front(), t.clock) : 0;
  }

  void put(Pending& p, fifo::RingWriter* w, std::vector<ClientEvent>& events) {
    PushTrack& t = tracks_[p.track];
    const fifo::TrackInfo& ti = info_.tracks[t.info_index];
    const bool video = ti.kind == fifo::MediaKind::video;
    const int64_t shift = ns_to_ticks_up(shift_ns_, t.clock);
    const int64_t pts = p.pts + shift;
    const int64_t dts = video ? p.dts + shift : pts;
    uint16_t flags = p.flags;
    if (!info_set_ || info_dirty_) {
      // A pusher with the tracks of the ring's current stream info continues it; any other publishes its own.
      const bool same = info_set_ ? false : w->stream_info().tracks == info_.tracks;
      if (!same) {
        w->set_stream_info(info_);
        flags |= fifo::frame_flag::params_changed;
      }
      info_set_ = true;
      info_dirty_ = false;
    }
    if (p.data.size() > w->max_frame_bytes()) {
      if (video) waiting_for_key_ = true;
      return drop(w, p.data.size());
    }
    fifo::FrameMeta m;
    m.track = ti.track_id;
    m.flags = flags;
    m.pts = pts;
    m.dts = dts;
    w->write(m, p.data.data(), p.data.size());
    ++frames_;
    bytes_ += p.data.size();
    target_->count_written_locked(p.data.size());
    const int64_t dts_ns = ticks_to_ns(dts, t.clock);
    if (video) {
      if (last_video_dts_ns_ >= 0 && dts_ns > last_video_dts_ns_)
        step_ns_ = std::clamp<int64_t>(dts_ns - last_video_dts_ns_, 1'000'000, 1'000'000'000);
      last_video_dts_ns_ = dts_ns;
    }
    last_dts_ns_ = std::max(last_dts_ns_, dts_ns);
    if (frames_ == 1) {
      target_->publish_locked(true);
      ClientEvent e;
      e.kind = ClientEvent::Kind::push_started;
      e.client = client_;
      e.ring = mount_->ring();
      for (const fifo::TrackInfo& x : info_.tracks) e.reason += (e.reason.empty() ? "" : ", ") + describe(x);
      events.push_back(std::move(e));
    }
  }


  std::shared_ptr<RingMount> mount_;
  std::shared_ptr<PushTarget> target_;
  const uint64_t client_;
  const void* const owner_;
  std::vector<int> section_track_;  // per SDP media section: its index in tracks_, or -1 (not carried)
  std::vector<PushTrack> tracks_;
  fifo::StreamInfo info_;
  bool has_video_ = false;
  bool started_ = false, waiting_for_key_ = true, info_set_ = false, info_dirty_ = false;
  int64_t first_arrival_ns_ = 0, base_ns_ = 0;
  int64_t last_dts_ns_ = 0, last_video_dts_ns_ = -1, step_ns_ = 40'000'000;
  uint64_t frames_ = 0, bytes_ = 0, dropped_ = 0;
  bool ended_ = false;
  bool holding_ = true;
  std::vector<Pending> held_;
  size_t held_video_ = 0;
  int64_t hold_start_pts_ = 0;
  int64_t shift_ns_ = 0;  // every pts and dts of this push is this much later (settle_held_dts)
};

struct SinkContext {
  PushSession* session;
  size_t section;
};

GstFlowReturn on_sample(GstAppSink* sink, gpointer data) {
  const auto* c = static_cast<const SinkContext*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_EOS;
  if (GstBuffer* buffer = gst_sample_get_buffer(sample)) {
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      c->session->on_packet(c->section, std::span<const uint8_t>(map.data, map.size));
      gst_buffer_unmap(buffer, &map);
    }
  }
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

}  // namespace

std::string carried_tracks(const ingest::Sdp& sdp) {
  std::string out;
  for (const int i : carried_sections(sdp)) {
    const fifo::Codec codec = ingest::codec_of(sdp.media[static_cast<size_t>(i)]);
    out += (out.empty() ? "" : ", ") + std::string(fifo::to_string(codec)) + " " +
           std::string(fifo::to_string(fifo::media_kind_of(codec)));
  }
  return out;
}

GstElement* make_push_bin(const std::shared_ptr<RingMount>& mount, uint64_t client, const void* owner,
                          const ingest::Sdp& sdp) {
  GstElement* bin = gst_bin_new(nullptr);
  auto* session = new PushSession(mount, client, owner, sdp);
  // The session lives as long as the pusher's bin: gst-rtsp-server drops the bin with the media when the pusher
  // leaves, and the session's end gives the mount to the next pusher.
  g_object_set_data_full(G_OBJECT(bin), kSessionKey, session, [](gpointer p) { delete static_cast<PushSession*>(p); });
  for (size_t i = 0; i < sdp.media.size(); ++i) {
    const std::string name = "depay" + std::to_string(i);
    GstElement* sink = gst_element_factory_make("appsink", name.c_str());
    if (!sink) {
      gst_object_unref(bin);
      throw std::runtime_error("the GStreamer element appsink is not installed (Debian package gstreamer1.0-plugins-base)");
    }
    // Not synchronised to the clock (frames go into the ring as they arrive), and no preroll to wait for: a
    // record media goes to PLAYING before its pusher sends anything.
    g_object_set(sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, new SinkContext{session, i},
                               [](gpointer p) { delete static_cast<SinkContext*>(p); });
    gst_bin_add(GST_BIN(bin), sink);
  }
  return bin;
}

}  // namespace zc::serve
