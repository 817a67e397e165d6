#include <zc/ingest/rtsp_source.h>

#include <zc/ingest/dts_from_pts.h>
#include "net.h"

#include <zc/ingest/depacketizer.h>
#include <zc/ingest/error.h>
#include <zc/ingest/reorder_buffer.h>
#include <zc/ingest/rtp.h>
#include <zc/ingest/rtp_track.h>
#include <zc/ingest/rtsp_session.h>
#include <zc/ingest/sdp.h>
#include <zc/media/error.h>
#include <zc/fifo/rescale.h>
#include <zc/media/arrival_estimate.h>
#include <zc/media/batch_schedule.h>

#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <stdexcept>

namespace zc::ingest {

namespace {

constexpr int kPollMs = 50;  // how often a wait for packets asks the interrupt hook and the keepalive clock
constexpr size_t kUdpBatch = 16;
constexpr size_t kUdpPacketBytes = 4096;
// A camera sends a picture's packets in one burst. Woken by its first packet, the reader would wake again for
// nearly every later one (a wakeup costs more than the packet's bytes); instead, while a picture is incomplete it
// sleeps this long once and then reads everything that came: about two wakeups per picture whatever its size,
// for at most this much latency.
constexpr timespec kBurstWait{0, 2'000'000};

struct SenderClock {
  int64_t wall_ns = 0;
  int64_t rtp = 0;  // the report's RTP timestamp, unwrapped next to the track's
};

struct Track {
  SdpMedia media;
  fifo::Codec codec = fifo::Codec::unknown;
  size_t info_index = 0;
  std::unique_ptr<Depacketizer> depacketizer;
  SequenceTracker sequence;
  TimestampUnwrapper timestamps;
  ReorderBuffer reorder;
  net::UdpPair udp;
  int rtp_channel = -1, rtcp_channel = -1;
  bool started = false;
  int64_t first_timestamp = 0;
  int64_t origin = 0;  // ticks of this track's clock from the connection's first packet to this track's first
  std::optional<SenderClock> sender;
  DtsFromPts dts;
  bool discontinuity_next = false;
  media::ArrivalEstimate arrivals;  // when this track's access units arrive against their dts
};

struct Ready {
  size_t track = 0;
  AccessUnit au;
  int64_t pts = 0, dts = 0;  // in the track's clock, on the connection's origin
  int64_t arrival_ns = 0;    // options.clock's mono_ns(); 0 until the read that completed it is stamped (stamp_arrivals)
};

}  // namespace

struct RtspSource::Impl {
  RtspSourceOptions options;
  std::unique_ptr<RtspSession> session;
  std::vector<Track> tracks;
  fifo::StreamInfo info;
  std::deque<Ready> ready;
  std::vector<AccessUnit> completed;
  uint64_t lost = 0;
  int64_t first_arrival_ns = 0;
  bool ended = false;
  bool coalesce = true;  // the last burst wait found new bytes
  std::vector<std::vector<uint8_t>> udp_buffers;
  std::optional<media::BatchSchedule> batches;  // made in open(), once the options (clock, may_batch) are known

  // Batching waits until every track that sent something has had its arrivals observed per picture a while
  // (media::ArrivalEstimate::kSettledObservations): the first frames' stamps and the later batches' then agree.
  bool arrivals_settled() const {
    bool any = false;
    for (const Track& t : tracks) {
      if (t.arrivals.observations() == 0) continue;
      if (t.arrivals.observations() < media::ArrivalEstimate::kSettledObservations) return false;
      any = true;
    }
    return any;
  }

  bool mid_access_unit() const {
    if (session->partial_frame()) return true;
    return std::any_of(tracks.begin(), tracks.end(), [](const Track& t) { return t.depacketizer->in_progress(); });
  }

  void open(const std::string& url);
  void setup(Track& t, const std::string& control, int index);
  void on_frame(uint8_t channel, std::span<const uint8_t> payload);
  void on_rtp(Track& t, std::span<const uint8_t> bytes);
  void on_rtcp(Track& t, std::span<const uint8_t> bytes);
  void pump(int timeout_ms);
  void pump_per_picture(int timeout_ms);
  void pump_batch();
  void stamp_arrivals(int64_t read_ns, bool batched);
  size_t read_udp(Track& t, int fd, bool rtcp);  // bytes read
  void learn_in_band_configs();
  void fill(Ready& r, media::MediaPacket& out);
};

void RtspSource::Impl::open(const std::string& url_text) {
  const RtspUrl url = parse_rtsp_url(url_text);
  RtspSessionOptions so;
  so.clock = options.clock;
  so.interrupt = options.interrupt;
  so.timeout = options.timeout;
  session = std::make_unique<RtspSession>(url, so);
  batches.emplace(options.clock, options.may_batch);
  session->set_frame_handler([this](uint8_t channel, std::span<const uint8_t> payload) { on_frame(channel, payload); });
  try {
    session->request("OPTIONS", url.request_url);
  } catch (const IngestError& e) {
    if (e.code() != IngestErrc::rtsp_status) throw;  // a camera that does not know OPTIONS may still stream
  }
  const RtspMessage describe = session->request("DESCRIBE", url.request_url, {{"Accept", "application/sdp"}});
  const Sdp sdp = parse_sdp(describe.body);
  std::string base = url.request_url;
  if (const std::string* cb = describe.header("Content-Base"); cb != nullptr && !cb->empty()) base = *cb;
  else if (const std::string* cl = describe.header("Content-Location"); cl != nullptr && !cl->empty()) base = *cl;
  base = resolve_control(base, "");

  std::string found;
  bool have_video = false, have_audio = false;
  for (const SdpMedia& m : sdp.media) {
    const fifo::Codec codec = codec_of(m);
    const fifo::MediaKind kind = fifo::media_kind_of(codec);
    if (kind == fifo::MediaKind::unknown) {
      if (m.kind == "video" || m.kind == "audio") found += (found.empty() ? "" : ", ") + (m.encoding.empty() ? m.kind : m.encoding);
      continue;
    }
    if (kind == fifo::MediaKind::video && (!options.video || have_video)) continue;
    if (kind == fifo::MediaKind::audio && (!options.audio || have_audio)) continue;
    (kind == fifo::MediaKind::video ? have_video : have_audio) = true;
    Track t;
    t.media = m;
    t.codec = codec;
    t.depacketizer = make_depacketizer(m);
    t.info_index = info.tracks.size();
    fifo::TrackInfo ti = track_info_of(m, static_cast<uint32_t>(info.tracks.size()));
    const uint32_t clock = static_cast<uint32_t>(ti.time_base.den);
    t.media.clock_rate = clock;
    t.dts = DtsFromPts(clock / 2);  // a step back of more than 0.5 s is the camera's clock, not B-frames
    info.tracks.push_back(std::move(ti));
    tracks.push_back(std::move(t));
  }
  if (tracks.empty())
    throw IngestError(IngestErrc::unsupported, "the camera has no track zcrec can carry (H.264, H.265, AAC, G.711)" +
                                                   (found.empty() ? std::string() : "; found: " + found));
  const std::string aggregate = sdp.control.empty() ? base : resolve_control(base, sdp.control);
  for (size_t i = 0; i < tracks.size(); ++i) setup(tracks[i], resolve_control(base, tracks[i].media.control), static_cast<int>(i));
  if (options.transport == RtpTransport::udp) udp_buffers.assign(kUdpBatch, std::vector<uint8_t>(kUdpPacketBytes));
  session->request("PLAY", aggregate, {{"Range", "npt=0.000-"}});
  if (options.on_playing) options.on_playing();
  learn_in_band_configs();
}

void RtspSource::Impl::setup(Track& t, const std::string& control, int index) {
  std::string transport;
  if (options.transport == RtpTransport::tcp) {
    transport = "RTP/AVP/TCP;unicast;interleaved=" + std::to_string(2 * index) + "-" + std::to_string(2 * index + 1);
  } else {
    t.udp = net::bind_udp_pair(net::peer_family(session->fd()));
    transport = "RTP/AVP;unicast;client_port=" + std::to_string(t.udp.rtp_port) + "-" + std::to_string(t.udp.rtp_port + 1);
  }
  const RtspMessage answer = session->request("SETUP", control, {{"Transport", transport}});
  const std::string* th = answer.header("Transport");
  const TransportHeader parsed = parse_transport_header(th != nullptr ? *th : std::string());
  if (options.transport == RtpTransport::tcp) {
    // The camera may choose other channels than the ones asked for.
    const auto channels = parsed.interleaved.value_or(std::pair<int, int>(2 * index, 2 * index + 1));
    t.rtp_channel = channels.first;
    t.rtcp_channel = channels.second;
    if (th != nullptr && th->find("TCP") == std::string::npos && !parsed.interleaved)
      throw IngestError(IngestErrc::unsupported, "the camera refused RTP over TCP (try --rtsp-transport udp)");
  } else if (parsed.interleaved) {
    throw IngestError(IngestErrc::unsupported, "the camera answered SETUP over UDP with interleaved TCP");
  }
}

void RtspSource::Impl::on_frame(uint8_t channel, std::span<const uint8_t> payload) {
  for (Track& t : tracks) {
    if (channel == t.rtp_channel) return on_rtp(t, payload);
    if (channel == t.rtcp_channel) return on_rtcp(t, payload);
  }
}

void RtspSource::Impl::on_rtp(Track& t, std::span<const uint8_t> bytes) {
  const auto p = parse_rtp(bytes);
  if (!p || p->payload_type != t.media.payload_type) return;  // not RTP, or comfort noise and the like
  const SequenceTracker::Step step = t.sequence.next(p->sequence);
  if (step.stale) return;
  if (step.lost > 0) {
    lost += step.lost;
    t.depacketizer->lost();
    t.discontinuity_next = true;
  }
  const int64_t ts = t.timestamps.unwrap(p->timestamp);
  if (!t.started) {
    // Tracks are aligned at their first packets' arrival (the sender reports later give the camera's clock).
    const int64_t now = options.clock->mono_ns();
    if (first_arrival_ns == 0) first_arrival_ns = now;
    t.started = true;
    t.first_timestamp = ts;
    t.origin = static_cast<int64_t>(static_cast<__int128>(now - first_arrival_ns) * t.media.clock_rate / 1'000'000'000);
  }
  t.depacketizer->push(*p, ts, completed);
  const bool video = fifo::media_kind_of(t.codec) == fifo::MediaKind::video;
  for (AccessUnit& au : completed) {
    Ready r{static_cast<size_t>(&t - tracks.data()), std::move(au)};
    r.pts = r.au.timestamp - t.first_timestamp + t.origin;
    r.dts = video ? t.dts.next(r.pts) : r.pts;
    ready.push_back(std::move(r));
  }
  completed.clear();
}

void RtspSource::Impl::on_rtcp(Track& t, std::span<const uint8_t> bytes) {
  if (const auto sr = parse_sender_report(bytes)) t.sender = SenderClock{sr->wall_ns, t.timestamps.peek(sr->rtp_timestamp)};
}

size_t RtspSource::Impl::read_udp(Track& t, int fd, bool rtcp) {
  size_t total = 0;
  for (;;) {
    mmsghdr msgs[kUdpBatch]{};
    iovec iov[kUdpBatch];
    for (size_t i = 0; i < kUdpBatch; ++i) {
      iov[i] = {udp_buffers[i].data(), udp_buffers[i].size()};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(fd, msgs, kUdpBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return total;
    for (int i = 0; i < n; ++i) {
      total += msgs[i].msg_len;
      if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) continue;
      const std::span<const uint8_t> bytes(udp_buffers[static_cast<size_t>(i)].data(), msgs[i].msg_len);
      if (rtcp) {
        on_rtcp(t, bytes);
      } else if (bytes.size() >= 12) {
        const auto sequence = static_cast<uint16_t>((bytes[2] << 8) | bytes[3]);
        t.reorder.push(sequence, bytes, [&](std::span<const uint8_t> in_order) { on_rtp(t, in_order); });
      }
    }
    if (static_cast<size_t>(n) < kUdpBatch) return total;
  }
}

// The access units completed by the reads that ended at `read_ns`. Read per picture, each arrived then. Read in
// a batch (up to kMaxBatchDelay of pictures), each arrived at its dts plus the track's usual offset between dts and
// arrival (media::ArrivalEstimate), never before the previous reads ended: stamped from the read itself, a whole
// batch came out late by the time its newest picture had waited, a different amount each batch.
void RtspSource::Impl::stamp_arrivals(int64_t read_ns, bool batched) {
  auto fresh = std::find_if(ready.rbegin(), ready.rend(), [](const Ready& r) { return r.arrival_ns != 0; }).base();
  const auto dts_ns = [this](size_t track, int64_t dts) {
    return fifo::to_ns(dts, {1, static_cast<int32_t>(tracks[track].media.clock_rate)});
  };
  std::vector<std::optional<int64_t>> newest(tracks.size());
  for (auto it = fresh; it != ready.end(); ++it) newest[it->track] = std::max(newest[it->track].value_or(it->dts), it->dts);
  for (size_t i = 0; i < tracks.size(); ++i)
    if (newest[i]) tracks[i].arrivals.observe(read_ns, dts_ns(i, *newest[i]));
  const int64_t earliest = batches->last_read_ns();
  for (auto it = fresh; it != ready.end(); ++it)
    it->arrival_ns = batched ? tracks[it->track].arrivals.arrival(dts_ns(it->track, it->dts), earliest, read_ns) : read_ns;
}

// One batch: sleep until it is due, then read everything the socket(s) hold without waiting.
void RtspSource::Impl::pump_batch() {
  batches->sleep_until_due();
  const uint64_t before = session->bytes_received();
  for (uint64_t seen = before - 1; seen != session->bytes_received();) {
    seen = session->bytes_received();
    if (!session->read_some(0)) {
      ended = true;
      break;
    }
  }
  uint64_t bytes = session->bytes_received() - before;
  if (options.transport == RtpTransport::udp) {
    for (Track& t : tracks) {
      bytes += read_udp(t, t.udp.rtp.get(), false);
      read_udp(t, t.udp.rtcp.get(), true);
    }
  }
  const int64_t now = options.clock->mono_ns();
  stamp_arrivals(now, true);
  // The kernel's receive buffer holds what comes between two batches.
  batches->batch_read(now, bytes, net::receive_buffer_bytes(options.transport == RtpTransport::udp && !tracks.empty()
                                                                ? tracks.front().udp.rtp.get()
                                                                : session->fd()));
}

void RtspSource::Impl::pump(int timeout_ms) {
  session->keepalive_if_due();
  // Asked on every wait, not only when the socket runs dry: a busy stream must not make a stop wait.
  if (options.interrupt && options.interrupt()) throw IngestError(IngestErrc::interrupted, "interrupted");
  if (arrivals_settled() && batches->wanted()) return pump_batch();
  pump_per_picture(timeout_ms);
  const int64_t now = options.clock->mono_ns();
  stamp_arrivals(now, false);
  batches->read_ended(now);
}

void RtspSource::Impl::pump_per_picture(int timeout_ms) {
  if (options.transport == RtpTransport::tcp) {
    if (coalesce && mid_access_unit()) {
      const uint64_t before = session->bytes_received();
      ::nanosleep(&kBurstWait, nullptr);
      if (!session->read_some(0)) ended = true;
      // Nothing came: the picture was complete (a camera without marker bits) or the camera paused; wait in
      // poll() until the next byte.
      coalesce = session->bytes_received() != before;
      return;
    }
    coalesce = true;
    // Between pictures the socket is usually drained: one blocking recv() waits for the next picture and reads
    // it (bytes a request's answer left in the buffer are handed out first, without waiting).
    if (!session->read_some(session->pending_dispatch() ? 0 : timeout_ms)) ended = true;
    return;
  }
  std::vector<pollfd> fds;
  fds.push_back({session->fd(), POLLIN, 0});
  for (const Track& t : tracks) {
    fds.push_back({t.udp.rtp.get(), POLLIN, 0});
    fds.push_back({t.udp.rtcp.get(), POLLIN, 0});
  }
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) {
    if (options.interrupt && options.interrupt()) throw IngestError(IngestErrc::interrupted, "interrupted");
    return;
  }
  if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !session->read_some(0)) ended = true;
  for (size_t i = 0; i < tracks.size(); ++i) {
    if ((fds[1 + 2 * i].revents & POLLIN) != 0) read_udp(tracks[i], fds[1 + 2 * i].fd, false);
    if ((fds[2 + 2 * i].revents & POLLIN) != 0) read_udp(tracks[i], fds[2 + 2 * i].fd, true);
  }
  if (options.interrupt && options.interrupt()) throw IngestError(IngestErrc::interrupted, "interrupted");
}

// A camera that sends its parameter sets only in band: the stream info needs them before the first frame is
// handed out (a reader, a recorder, must be able to decode from the first keyframe), so the access units up to
// the first keyframe that carries them are read now and kept for read().
void RtspSource::Impl::learn_in_band_configs() {
  const int64_t deadline = net::mono_ms(*options.clock) + options.timeout.count();
  size_t scanned = 0;
  auto missing = [&] {
    return std::any_of(tracks.begin(), tracks.end(), [&](const Track& t) {
      return fifo::media_kind_of(t.codec) == fifo::MediaKind::video && info.tracks[t.info_index].config.empty();
    });
  };
  while (missing()) {
    for (; scanned < ready.size(); ++scanned) {
      const Ready& r = ready[scanned];
      fifo::TrackInfo& ti = info.tracks[tracks[r.track].info_index];
      if (ti.kind == fifo::MediaKind::video && ti.config.empty() && r.au.keyframe && !r.au.damaged &&
          !r.au.parameter_sets.empty()) {
        update_track_config(ti, r.au.parameter_sets);
      }
    }
    if (!missing()) break;
    if (ended) throw IngestError(IngestErrc::closed, "the camera ended the stream before its first keyframe");
    if (net::mono_ms(*options.clock) > deadline) {
      const std::string within = std::to_string(options.timeout.count() / 1000) + " s";
      // The same words as LiveSource's read timeout for a camera that answered and then sent nothing.
      if (ready.empty()) throw IngestError(IngestErrc::timeout, "connected, no frame for " + within + " (read timeout)");
      throw IngestError(IngestErrc::timeout,
                        "no parameter sets from the camera (none in the SDP, no keyframe with them within " + within + ")");
    }
    pump(kPollMs);
  }
}

void RtspSource::Impl::fill(Ready& r, media::MediaPacket& out) {
  Track& t = tracks[r.track];
  fifo::TrackInfo& ti = info.tracks[t.info_index];
  AccessUnit& au = r.au;
  out.track = ti.track_id;
  out.pts = r.pts;
  out.dts = r.dts;
  out.duration = 0;
  out.keyframe = au.keyframe;
  out.corrupt = au.damaged;
  out.discontinuity = t.discontinuity_next;
  t.discontinuity_next = false;
  out.params_changed = false;
  if (ti.kind == fifo::MediaKind::video && au.keyframe && !au.damaged && !au.parameter_sets.empty() &&
      update_track_config(ti, au.parameter_sets))
    out.params_changed = true;
  out.capture_wall_ns = 0;
  out.capture_mono_ns = r.arrival_ns;
  if (t.sender)
    out.capture_wall_ns = t.sender->wall_ns + static_cast<int64_t>(static_cast<__int128>(au.timestamp - t.sender->rtp) *
                                                                   1'000'000'000 / t.media.clock_rate);
  std::swap(out.data, au.data);
  t.depacketizer->recycle(std::move(au.data));
}

RtspSource::RtspSource(const std::string& url, RtspSourceOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.clock == nullptr) throw std::invalid_argument("RtspSourceOptions::clock is required");
  impl_->options = std::move(options);
  impl_->open(url);
}

RtspSource::~RtspSource() = default;

const fifo::StreamInfo& RtspSource::stream_info() const noexcept { return impl_->info; }
uint64_t RtspSource::packets_lost() const noexcept { return impl_->lost; }

bool RtspSource::read(media::MediaPacket& out) {
  Impl& d = *impl_;
  while (d.ready.empty()) {
    if (d.ended) return false;
    d.pump(kPollMs);
  }
  d.fill(d.ready.front(), out);
  d.ready.pop_front();
  return true;
}

namespace {

class NativeConnection final : public media::CameraConnection {
 public:
  NativeConnection(const std::string& url, const media::SourceOptions& o) : source_(open(url, o)) {}
  const fifo::StreamInfo& stream_info() const noexcept override { return source_->stream_info(); }
  bool read(media::MediaPacket& out) override {
    try {
      return source_->read(out);
    } catch (const IngestError& e) {
      throw media::MediaError(media::MediaErrc::io, std::string("RTSP: ") + e.what());
    }
  }
  uint64_t packets_missed() const noexcept override { return source_->packets_lost(); }
  bool whole_access_units() const noexcept override { return true; }

 private:
  static std::unique_ptr<RtspSource> open(const std::string& url, const media::SourceOptions& o) {
    if (o.clock == nullptr)
      throw media::MediaError(media::MediaErrc::invalid_argument, "the native RTSP client needs SourceOptions::clock");
    RtspSourceOptions r;
    r.clock = o.clock;
    r.video = o.video;
    r.audio = o.audio;
    r.interrupt = o.interrupt;
    r.on_playing = o.on_opened;
    r.may_batch = o.may_batch;
    if (const auto it = o.format_options.find("rtsp_transport"); it != o.format_options.end() && it->second == "udp")
      r.transport = RtpTransport::udp;
    try {
      return std::make_unique<RtspSource>(url, std::move(r));
    } catch (const IngestError& e) {
      throw media::MediaError(e.code() == IngestErrc::unsupported ? media::MediaErrc::unsupported_codec
                                                                  : media::MediaErrc::open_failed,
                              "cannot open '" + url + "': " + e.what());
    }
  }
  std::unique_ptr<RtspSource> source_;
};

}  // namespace

media::ConnectionFactory make_connection_factory() {
  return [](const std::string& url, const media::SourceOptions& options) -> std::unique_ptr<media::CameraConnection> {
    return std::make_unique<NativeConnection>(url, options);
  };
}

}  // namespace zc::ingest
