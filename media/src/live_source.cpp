#include <zc/media/live_source.h>

#include <zc/fifo/rescale.h>
#include <zc/media/annexb.h>
#include <zc/media/error.h>
#include <zc/media/source_url.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>

namespace zc::media {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// A dts step larger than the arrival time between two packets by this much is a jump in the camera's clock, not
// network jitter (TCP delivers in bursts, so some slack is needed).
constexpr int64_t kForwardJumpSlackNs = kSecond;
// A dts this far behind the last one is a camera clock that went back, not a reordering glitch.
constexpr int64_t kBackwardJumpNs = kSecond / 2;
constexpr const char* kEndedByCamera = "the camera ended the stream";
constexpr int64_t kStopCheckNs = 20'000'000;
// Draining the probe's buffer takes microseconds a packet: reads this long after the open came from the network.
constexpr int64_t kProbeBufferNs = 200'000'000;
// How far back the arrival line looks: several GOPs, and short against any drift of a camera's clock.
constexpr int64_t kArrivalWindowNs = 3 * kSecond;
// Payload buffers kept for reuse (one per track held back, plus what is in flight).
constexpr size_t kMaxSpareBuffers = 8;
// A camera's sender-report clock further than this from the host's (either way) is not believed: a camera that
// never learned the time. Within it, network delay and a camera a few seconds off are both fine.
constexpr int64_t kSenderClockToleranceNs = 10'000'000'000;

using fifo::from_ns;  // truncated, as before fifo::rescale
using fifo::to_ns;

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty() || from == to) return;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

struct TrackClock {
  fifo::Rational time_base;
  int64_t offset = 0;            // added to the source's pts/dts (time base units)
  std::optional<int64_t> last_dts;  // last dts handed out
  int64_t last_arrival_ns = 0;
  int64_t step = 1;              // last dts step (or packet duration), for re-anchoring
  bool need_keyframe = false;    // video after a (re)connect, a jump or a dropped packet
  int64_t last_capture_mono_ns = 0, last_capture_wall_ns = 0;  // capture times handed out: they never go back
};

// libavformat's connection: MediaSource, whose RTSP demuxer may split an access unit in two and only counts the
// packets it lost.
class LibavConnection final : public CameraConnection {
 public:
  LibavConnection(const std::string& url, const SourceOptions& options) : source_(url, options) {}
  const fifo::StreamInfo& stream_info() const noexcept override { return source_.stream_info(); }
  bool read(MediaPacket& out) override { return source_.read(out); }
  uint64_t packets_missed() const noexcept override { return source_.packets_missed(); }
  bool whole_access_units() const noexcept override { return false; }

 private:
  MediaSource source_;
};

}  // namespace

struct LiveSource::Impl {
  explicit Impl(const fifo::Clock& c) : clock(c) {}
  const fifo::Clock& clock;
  std::string url;        // with credentials: only for libavformat
  std::string shown_url;  // what messages say
  SourceOptions options;
  ReconnectPolicy policy;
  StopHooks hooks;
  ConnectionFactory open;
  std::unique_ptr<CameraConnection> source;
  fifo::StreamInfo info;
  SourceStatus status;
  size_t failures = 0;              // consecutive failed attempts: the backoff step
  int64_t last_progress_ns = 0;     // last packet (or start of the attempt), for the read timeout
  int64_t last_stop_check_ns = 0;   // the interrupt callback's last look at the stop hook
  int64_t connected_at_ns = 0;
  int64_t last_packet_ns = 0;       // arrival of the last packet handed out (any connection)
  std::map<uint32_t, TrackClock> clocks;
  bool anchor_next = true;          // the next packet re-anchors the timeline (first after a (re)connect)
  bool discontinuity_next = false;  // ... and is flagged
  bool params_changed_next = false; // the new connection's stream info differs from the last one's
  std::map<uint32_t, int> poisoned;  // packets of a track still to drop after a reported RTP loss
  // next_from_connection(): one packet held back per track, packets ready to hand out, and whether (and why) the
  // connection is over.
  std::map<uint32_t, MediaPacket> held;
  std::deque<MediaPacket> released;
  // Payload buffers of packets already handed out, kept for the next reads: a packet's bytes are copied out of
  // libavformat's buffer once anyway, and reusing the capacity saves a malloc/free pair per packet (large ones for
  // keyframes) on a path that runs for months.
  std::vector<std::vector<uint8_t>> spare_buffers;
  bool connection_over = false;
  std::string connection_end;
  // The attempt under way: the source answered (opened), and the read timeout ended a blocking call.
  bool answered = false;
  bool timed_out = false;
  // Arrival times. libavformat reads the first packets of a connection while it learns the streams
  // (avformat_find_stream_info) and hands them out at once afterwards: the moment a packet is handed out is not
  // when it arrived. Reads that touch the network call the interrupt callback (io_calls counts the calls); until
  // the first such read after the open, every packet comes from the probe's buffer. Those packets are kept back
  // until the buffer is drained: the last of them arrived as the probe ended (connected_at_ns), and each one
  // before it that much earlier as its media time says.
  uint64_t io_calls = 0;
  bool from_probe_buffer = false;
  std::optional<int64_t> probe_last_dts_ns;  // the newest packet of the probe's buffer, on the source's origin
  uint32_t probe_last_track = 0;
  int64_t probe_last_late_ns = 0;  // how much later than it arrived the newest one came out (below)
  std::map<uint32_t, int64_t> probe_track_dts_ns;
  // Per track, the arrival line: (dts, read time - dts) of its packets of the last kArrivalWindowNs. A
  // packet comes out of the demuxer later than it arrived by varying amounts: libavformat's H.264/H.265 parser
  // closes an access unit only when the next one begins (a P-frame comes out a frame late: 40 ms at 25 fps,
  // 0.5 s at 2), while a keyframe behind its parameter sets comes out at once; the scheduler adds its own. The
  // packet that came out earliest against its timestamps says best when they arrive: a packet arrived at its
  // dts plus the smallest offset in the window (never after it was read). Without this, pictures stamped on
  // arrival were a frame late against keyframes, and the camera's own clock at its first sender report moved
  // them back by as much.
  std::map<uint32_t, std::deque<std::pair<int64_t, int64_t>>> arrival_line;

  bool stop_requested() const { return hooks.stop_requested && hooks.stop_requested(); }

  void set_state(SourceState s) {
    status.state = s;
    status.updated_wall_ns = clock.wall_ns();
    if (hooks.on_status) hooks.on_status(status);
  }

  std::string redacted(std::string message) const {
    replace_all(message, url, shown_url);
    return message;
  }

  // Stamps `p` with its capture time, `arrival_mono_ns` being now: the camera's clock from its RTCP sender
  // reports when it agrees with this host's within kSenderClockToleranceNs, else the arrival time. The capture
  // instant on the monotonic clock is the arrival less the network delay the two wall clocks show (never later
  // than the arrival). Per track, neither time goes back (the switch from arrival to the camera's clock when the
  // first report comes in would otherwise step back by the delay).
  void stamp_capture_time(MediaPacket& p, int64_t arrival_mono_ns) {
    const int64_t arrival_wall_ns = clock.wall_ns() - (clock.mono_ns() - arrival_mono_ns);
    int64_t mono = arrival_mono_ns, wall = arrival_wall_ns;
    fifo::ClockSource source = fifo::ClockSource::arrival;
    if (p.capture_wall_ns != 0) {
      const int64_t delay_ns = arrival_wall_ns - p.capture_wall_ns;
      if (delay_ns >= -kSenderClockToleranceNs && delay_ns <= kSenderClockToleranceNs) {
        wall = p.capture_wall_ns;
        mono = arrival_mono_ns - std::max<int64_t>(delay_ns, 0);
        source = fifo::ClockSource::sender_report;
      } else {
        source = fifo::ClockSource::arrival_camera_clock_off;
      }
    }
    TrackClock& c = clocks[p.track];
    mono = std::max(mono, c.last_capture_mono_ns);
    wall = std::max(wall, c.last_capture_wall_ns);
    c.last_capture_mono_ns = p.capture_mono_ns = mono;
    c.last_capture_wall_ns = p.capture_wall_ns = wall;
    status.clock = source;
  }

  // One attempt; false (with last_error set) when it failed.
  bool open_once() {
    set_state(SourceState::connecting);
    last_progress_ns = clock.mono_ns();
    SourceOptions o = options;
    o.clock = &clock;
    // libavformat's stream probe waits for 20 frames to guess a frame rate nothing here uses (timestamps drive
    // the timeline: docs/ingest.md, "Frame rates"): a second at 25 fps, 10 s for a camera sending 2 frames a
    // second, which then ran into the read timeout in the middle of the probe and lost the connection. Without
    // it, the probe ends once the codec parameters are known (the first keyframe).
    o.format_options.try_emplace("fpsprobesize", "0");
    const int64_t timeout_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(policy.read_timeout).count();
    // libavformat asks this while it blocks in connect/read, and often (every socket wait): a silent camera and
    // a stop request both end the wait. The stop hook may cost a system call (a signalfd read), so it is asked
    // at most every 20 ms; the clock is a vDSO call.
    answered = false;
    timed_out = false;
    o.interrupt = [this, timeout_ns] {
      ++io_calls;
      const int64_t now = clock.mono_ns();
      if (now - last_stop_check_ns >= kStopCheckNs) {
        last_stop_check_ns = now;
        if (stop_requested()) return true;
      }
      if (now - last_progress_ns <= timeout_ns) return false;
      timed_out = true;
      return true;
    };
    o.on_opened = [this] { answered = true; };
    // libavformat's words for an interrupted call ("Immediate exit requested") say nothing about the camera.
    auto timeout_error = [&] {
      return (answered ? "connected, no frame for " : "no answer for ") + timeout_text() + " (read timeout)";
    };
    try {
      source = open ? open(url, o) : std::make_unique<LibavConnection>(url, o);
      // The stream probe takes an interrupted read for the end of the stream and succeeds with what it has: a
      // camera that answered and sent nothing would pass for one that streams.
      if (timed_out) throw MediaError(MediaErrc::open_failed, timeout_error());
      if (stop_requested()) {  // the same for a stop: nothing was learned
        source.reset();
        return false;
      }
    } catch (const MediaError& e) {
      source.reset();
      if (policy.once) throw MediaError(e.code(), redacted(e.what()));
      ++status.failed_attempts;
      status.last_error = timed_out ? timeout_error() : redacted(e.what());
      return false;
    }
    poisoned.clear();
    held.clear();
    released.clear();
    connection_over = false;
    connection_end.clear();
    connected_at_ns = clock.mono_ns();
    last_progress_ns = connected_at_ns;
    // A native client hands out each access unit as it completes: it has no probe buffer to drain.
    from_probe_buffer = !source->whole_access_units();
    probe_last_dts_ns.reset();
    probe_track_dts_ns.clear();
    arrival_line.clear();
    ++status.connections;
    if (status.connections > 1) ++status.reconnects;
    // A camera may come back with other parameters (a new SPS after its own reboot): readers learn it first.
    params_changed_next = source->stream_info().tracks != info.tracks;
    info = source->stream_info();
    for (const auto& t : info.tracks) clocks[t.track_id].time_base = t.time_base;
    anchor_next = true;
    if (status.connections > 1) discontinuity_next = true;
    wait_for_video_keyframes();  // a connection may begin with frames that refer to ones it never sent
    set_state(SourceState::streaming);
    return true;
  }

  std::string timeout_text() const {
    const auto ms = policy.read_timeout.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  }

  // Waits out the backoff; false when a stop arrived.
  bool wait_to_retry() {
    const auto& steps = policy.backoff;
    const auto wait = steps.empty() ? std::chrono::milliseconds(1000) : steps[std::min(failures, steps.size() - 1)];
    ++failures;
    status.next_attempt_wall_ns = clock.wall_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
    set_state(SourceState::waiting_to_retry);
    if (hooks.sleep_for) return hooks.sleep_for(wait);
    return !stop_requested();
  }

  // Connects, retrying with backoff; false when stopped.
  bool ensure_connected() {
    while (!source) {
      if (stop_requested()) return false;
      if (open_once()) return true;
      if (stop_requested() || !wait_to_retry()) return false;
    }
    return true;
  }

  void drop_connection(const std::string& why) {
    source.reset();
    status.last_error = redacted(why);
    if (clock.mono_ns() - connected_at_ns >=
        std::chrono::duration_cast<std::chrono::nanoseconds>(policy.healthy_after).count())
      failures = 0;
  }

  // The next packet of the current connection, with what libavformat got wrong repaired; false (with `why`)
  // once the connection failed or ended and everything it delivered has been handed out.
  //
  // One packet per track is held back: libavformat's RTSP demuxer sometimes hands out one access unit as two
  // packets with one timestamp (seen with x264's sliced keyframes behind GStreamer's payloader: the parameter
  // sets and first slice, then the other slices), so two "frames" share one dts — the "non-monotonous DTS" of
  // every RTSP recorder's bug tracker — and a reader counts one frame too many and gets half a picture. Seeing
  // the next packet of the track tells: a packet that does not start a new picture (or follows one without a
  // picture) is joined to it, making one access unit as the camera sent it. Whatever its timestamp: the first
  // RTCP sender report of a connection can arrive between the two halves and move the second one's by a few ms.
  // A lost first slice of the next picture cannot make it join the wrong one: the loss marks both corrupt.
  // The cost is one frame of latency.
  bool next_from_connection(MediaPacket& out, std::string& why) {
    for (;;) {
      if (!released.empty() && !from_probe_buffer) {
        if (out.data.capacity() > 0 && spare_buffers.size() < kMaxSpareBuffers) spare_buffers.push_back(std::move(out.data));
        out = std::move(released.front());
        released.pop_front();
        return true;
      }
      if (connection_over) {
        if (from_probe_buffer) end_of_probe_buffer();
        if (held.empty()) {
          why = connection_end;
          return false;
        }
        for (auto& [track, p] : held) released.push_back(std::move(p));
        held.clear();
        continue;
      }
      MediaPacket q;
      if (!spare_buffers.empty()) {
        q.data = std::move(spare_buffers.back());
        spare_buffers.pop_back();
      }
      const uint64_t missed_before = source->packets_missed();
      const uint64_t io_calls_before = io_calls;
      try {
        if (!source->read(q)) {
          connection_end = kEndedByCamera;
          connection_over = true;
        }
      } catch (const MediaError& e) {
        connection_end = e.what();
        connection_over = true;
      }
      if (connection_over) continue;
      // A read that returns after the read timeout fired is the demuxer's parser giving out the picture it held
      // (an interrupted read is an end of stream to it): no sign of life from the camera. The next read fails
      // at once, and the connection ends after the read timeout, not twice that.
      if (!timed_out) last_progress_ns = clock.mono_ns();
      if (source->whole_access_units()) {
        // A native client hands out whole access units and marks the damaged ones: nothing to join or guess.
        status.packets_lost += source->packets_missed() - missed_before;
        released.push_back(std::move(q));
        continue;
      }
      // A read that took time touched the network too (a protocol whose reads would not call the interrupt
      // callback must not keep packets back for ever).
      if (from_probe_buffer && (io_calls != io_calls_before || last_progress_ns - connected_at_ns > kProbeBufferNs))
        end_of_probe_buffer();
      if (from_probe_buffer) {
        const int64_t dts_ns = dts_ns_of(q);
        const auto before = probe_track_dts_ns.find(q.track);
        if (!probe_last_dts_ns || dts_ns >= *probe_last_dts_ns) {
          probe_last_dts_ns = dts_ns;
          probe_last_track = q.track;
          // The probe ended on the picture the parser put out last; one that is not a keyframe came out when the
          // next one began (see arrival_line), a frame after it arrived.
          const fifo::TrackInfo* t = info.find(q.track);
          probe_last_late_ns = t != nullptr && t->kind == fifo::MediaKind::video && !q.keyframe &&
                                       before != probe_track_dts_ns.end() && dts_ns > before->second
                                   ? std::min(dts_ns - before->second, kSecond)
                                   : 0;
        }
        probe_track_dts_ns[q.track] = dts_ns;
      } else {
        q.capture_mono_ns = arrival_on_line(q.track, dts_ns_of(q), clock.mono_ns());  // until stamp_capture_time()
      }
      if (const uint64_t missed = source->packets_missed(); missed != missed_before) {
        // The demuxer noticed lost RTP packets while assembling: this packet or the next one of its track may be
        // built from incomplete data (its parser holds one access unit back). Both go, then video waits for a key.
        status.packets_lost += missed - missed_before;
        poisoned[q.track] = 2;
      }
      if (auto it = poisoned.find(q.track); it != poisoned.end() && it->second > 0) {
        --it->second;
        q.corrupt = true;
      }
      auto it = held.find(q.track);
      if (it == held.end()) {
        held.emplace(q.track, std::move(q));
        continue;
      }
      MediaPacket& h = it->second;
      const fifo::TrackInfo* track = info.find(q.track);
      if (track != nullptr && track->kind == fifo::MediaKind::video &&
          (!annexb::contains_picture(track->codec, h.data) || !annexb::starts_picture(track->codec, q.data))) {
        // One access unit in two packets: parameter sets (or SEI) on their own before the picture, or a picture
        // whose later slices came as a packet of their own.
        // The access unit's times are its picture's: the first packet's if it holds the picture's first slice
        // (a later half may carry times the demuxer moved meanwhile — a sender report, a camera clock jump),
        // else those of the packet that brings the picture.
        const bool had_picture = annexb::contains_picture(track->codec, h.data);
        append_to_access_unit(track->codec, h, q);
        h.keyframe = h.keyframe || q.keyframe;
        h.params_changed = h.params_changed || q.params_changed;
        h.corrupt = h.corrupt || q.corrupt;
        if (!had_picture) {
          h.pts = q.pts;
          h.dts = q.dts;
          h.duration = q.duration;
          h.capture_wall_ns = q.capture_wall_ns;
          h.capture_mono_ns = q.capture_mono_ns;
        }
        continue;
      }
      released.push_back(std::move(h));
      h = std::move(q);
    }
  }

  int64_t dts_ns_of(const MediaPacket& p) const {
    const fifo::TrackInfo* t = info.find(p.track);
    return t != nullptr ? to_ns(p.dts, t->time_base) : 0;
  }

  // A packet of `track` with this dts, read at read_ns: when it arrived (see arrival_line).
  int64_t arrival_on_line(uint32_t track, int64_t dts_ns, int64_t read_ns) {
    auto& line = arrival_line[track];
    // Timestamps that step back, or far ahead, are the camera's clock jumping (or the demuxer moving to its sender
    // reports): offsets from before say nothing about the packets after.
    if (!line.empty() && (dts_ns < line.back().first || dts_ns > line.back().first + kArrivalWindowNs)) line.clear();
    line.emplace_back(dts_ns, read_ns - dts_ns);
    // The window is media time: a packet read long after the ones before it (the parser's last picture, which
    // libavformat gives out when a silent connection is given up) is still put beside them.
    while (!line.empty() && line.front().first < dts_ns - kArrivalWindowNs) line.pop_front();
    int64_t offset = line.back().second;
    for (const auto& [at, o] : line) offset = std::min(offset, o);
    return std::min(read_ns, dts_ns + offset);
  }

  // The probe's buffer is drained: its packets (all that are kept back now) get their arrival times.
  void end_of_probe_buffer() {
    from_probe_buffer = false;
    const int64_t newest = probe_last_dts_ns.value_or(0);
    // The newest one came out as the probe ended; the line of its track starts there.
    const int64_t newest_arrival = connected_at_ns - probe_last_late_ns;
    if (probe_last_dts_ns) arrival_on_line(probe_last_track, newest, newest_arrival);
    auto stamp = [&](MediaPacket& p) {
      p.capture_mono_ns = std::min(newest_arrival, newest_arrival - (newest - dts_ns_of(p)));
    };
    for (auto& p : released) stamp(p);
    for (auto& [track, p] : held) stamp(p);
  }

  // Joins `next` to the access unit `au`. Parameter sets, SEI and delimiters that `next` repeats in front of
  // its slices would end the access unit for any parser after `au`'s slices (a decoder would see two pictures),
  // so once `au` holds a picture they are left out.
  static void append_to_access_unit(fifo::Codec codec, MediaPacket& au, const MediaPacket& next) {
    const bool au_has_picture = annexb::contains_picture(codec, au.data);
    bool in_slices = false;
    std::vector<uint8_t> joined = au.data;
    for (const annexb::Nal nal : annexb::split(next.data)) {
      const int t = annexb::nal_type(codec, nal);
      const bool vcl = codec == fifo::Codec::h264 ? (t >= 1 && t <= 5) : (t >= 0 && t <= 31);
      in_slices = in_slices || vcl;
      if (au_has_picture && !in_slices) continue;
      annexb::append_nal(joined, nal);
    }
    au.data = std::move(joined);
  }

  void wait_for_video_keyframes() {
    for (auto& [id, c] : clocks)
      if (const auto* t = info.find(id); t != nullptr && t->kind == fifo::MediaKind::video) c.need_keyframe = true;
  }

  // Shifts `p` onto the timeline; false when it must be dropped (video waiting for a keyframe).
  bool place(MediaPacket& p, int64_t arrival_ns) {
    TrackClock& c = clocks[p.track];
    int64_t out_dts = p.dts + c.offset;
    bool jump = false;
    if (!anchor_next && c.last_dts) {
      const int64_t step_ns = to_ns(out_dts - *c.last_dts, c.time_base);
      // Small steps back are not the camera's clock: libavformat's RTSP demuxer gives the frame before each
      // keyframe the keyframe's timestamp (its parser closes the access unit late), and packets before the
      // first sender report have none. Those get nudged below; only a real step back or forward is a jump.
      jump = step_ns < -kBackwardJumpNs || step_ns > (arrival_ns - c.last_arrival_ns) + kForwardJumpSlackNs;
    }
    if (anchor_next || jump) {
      // Continue where this track left off (one step later); after a reconnect, also let the outage show.
      int64_t target_ns = 0;
      if (c.last_dts) {
        target_ns = to_ns(*c.last_dts + c.step, c.time_base);
        if (anchor_next && last_packet_ns > 0) target_ns += std::max<int64_t>(0, arrival_ns - last_packet_ns);
      } else if (status.connections == 1 && last_packet_ns == 0) {
        target_ns = to_ns(p.dts, c.time_base);  // the very first packet keeps the source's own time
      } else {
        // A track this connection brought: anchor it at the latest end of any track.
        for (const auto& [id, o] : clocks)
          if (o.last_dts) target_ns = std::max(target_ns, to_ns(*o.last_dts + o.step, o.time_base));
      }
      const int64_t offset_ns = target_ns - to_ns(p.dts, c.time_base);
      for (auto& [id, o] : clocks) o.offset = from_ns(offset_ns, o.time_base);
      if (jump) {
        ++status.timestamp_jumps;
        discontinuity_next = true;
        wait_for_video_keyframes();
      }
      anchor_next = false;
      out_dts = p.dts + c.offset;
    }
    // Strictly increasing dts whatever came in: a repeated or slightly earlier dts (above), or the rounding of
    // the shared offset, moves to one tick after the last one.
    if (c.last_dts && out_dts <= *c.last_dts) out_dts = *c.last_dts + 1;
    if (c.need_keyframe) {
      if (!p.keyframe) return false;
      c.need_keyframe = false;
    } else if (std::any_of(clocks.begin(), clocks.end(), [](const auto& kv) { return kv.second.need_keyframe; })) {
      return false;  // other tracks wait too: the first frame after a break is the video keyframe that ends it
    }
    const int64_t delay = p.pts - p.dts;  // B-frame reordering: kept as the source had it
    if (c.last_dts) c.step = std::max<int64_t>(1, out_dts - *c.last_dts);
    if (p.duration > 0) c.step = p.duration;
    p.dts = out_dts;
    p.pts = out_dts + delay;
    c.last_dts = out_dts;
    c.last_arrival_ns = arrival_ns;
    last_packet_ns = arrival_ns;
    return true;
  }
};

LiveSource::LiveSource(std::string url, SourceOptions options, ReconnectPolicy policy, StopHooks hooks,
                       const fifo::Clock& clock, ConnectionFactory open)
    : impl_(std::make_unique<Impl>(clock)) {
  impl_->open = std::move(open);
  impl_->url = std::move(url);
  impl_->shown_url = redact_credentials(impl_->url);
  impl_->status.url = impl_->shown_url;
  impl_->status.clock = fifo::ClockSource::arrival;
  impl_->options = std::move(options);
  impl_->policy = std::move(policy);
  impl_->hooks = std::move(hooks);
}

LiveSource::~LiveSource() = default;

const fifo::StreamInfo& LiveSource::stream_info() const noexcept { return impl_->info; }
const SourceStatus& LiveSource::status() const noexcept { return impl_->status; }

bool LiveSource::connect() { return impl_->ensure_connected(); }

bool LiveSource::read(MediaPacket& out) {
  Impl& d = *impl_;
  for (;;) {
    if (!d.ensure_connected()) return false;
    std::string why;
    if (!d.next_from_connection(out, why)) {
      if (d.stop_requested()) return false;
      if (d.policy.once) {
        if (why == kEndedByCamera) return false;
        throw MediaError(MediaErrc::io, d.redacted(why));
      }
      if (d.last_progress_ns > 0 && d.clock.mono_ns() - d.last_progress_ns >
                                        std::chrono::duration_cast<std::chrono::nanoseconds>(d.policy.read_timeout).count())
        why = "no frame for " + d.timeout_text() + " (read timeout)";
      d.drop_connection(why);
      if (!d.wait_to_retry()) return false;
      continue;
    }
    // Arrival (next_from_connection), for the jump check and the capture clock: not the moment of handing out,
    // which is one packet later (the hold) and, for the probe's buffer, up to a second or more later.
    const int64_t now = out.capture_mono_ns != 0 ? out.capture_mono_ns : d.clock.mono_ns();
    out.capture_mono_ns = 0;
    if (out.params_changed) {
      d.info = d.source->stream_info();
      d.params_changed_next = true;  // announced with the next packet handed out
    }
    if (out.corrupt) {
      // Lost RTP packets: the frame cannot be decoded, and neither can video that refers to it.
      ++d.status.frames_dropped;
      d.discontinuity_next = true;
      d.wait_for_video_keyframes();
      continue;
    }
    if (const auto* t = d.info.find(out.track); t != nullptr && t->kind == fifo::MediaKind::video &&
                                                !d.source->whole_access_units() &&
                                                !annexb::contains_picture(t->codec, out.data)) {
      // Parameter sets or SEI left without their picture (the connection ended between them): no decoder can
      // use them as a frame, and the next keyframe brings its own.
      ++d.status.frames_dropped;
      continue;
    }
    if (!d.place(out, now)) {
      ++d.status.frames_dropped;
      continue;
    }
    d.stamp_capture_time(out, now);
    out.discontinuity = d.discontinuity_next;
    d.discontinuity_next = false;
    out.params_changed = d.params_changed_next;
    d.params_changed_next = false;
    return true;
  }
}

}  // namespace zc::media
