#include <zc/restream/restream.h>

#include <zc/fifo/error.h>
#include <zc/fifo/frame.h>
#include <zc/fifo/rescale.h>
#include <zc/fifo/ring_reader.h>
#include <zc/media/adts.h>
#include <zc/media/codec_map.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>
#include <zc/media/mp4_track.h>

extern "C" {
#include <libavutil/channel_layout.h>
}

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <thread>

namespace zc::restream {

namespace {

using namespace std::chrono_literals;

// A connection that carried frames this long was a good one: the next failure waits first_retry again.
constexpr int64_t kHealthyNs = 30'000'000'000;

// One connection to the server: the muxer, its streams by ring track, and each stream's last dts.
class Output {
 public:
  Output(const RestreamOptions& o, const std::string& muxer, const fifo::StreamInfo& info) : url_(redacted(o.url)) {
    AVFormatContext* ctx = nullptr;
    if (int r = avformat_alloc_output_context2(&ctx, nullptr, muxer.c_str(), o.url.c_str()); r < 0)
      throw media::MediaError(media::MediaErrc::open_failed, media::av_error_text("cannot make a '" + muxer + "' output", r));
    ctx_.reset(ctx);
    ctx->interrupt_callback = {&Output::interrupted, const_cast<RestreamOptions*>(&o)};
    for (const auto& t : info.tracks) add_stream(t, muxer);
    if (streams_.empty())
      throw media::MediaError(media::MediaErrc::unsupported_codec, "the ring has no track the '" + muxer + "' output can carry");
    AVDictionary* raw = nullptr;
    const std::string timeout_us = std::to_string(o.io_timeout.count() * 1000);
    if (muxer == "rtsp") {
      av_dict_set(&raw, "rtsp_transport", o.rtsp_transport.c_str(), 0);
      av_dict_set(&raw, "timeout", timeout_us.c_str(), 0);
    }
    media::DictionaryPtr opts(raw);
    if ((ctx->oformat->flags & AVFMT_NOFILE) == 0) {
      AVDictionary* io = nullptr;
      av_dict_set(&io, "rw_timeout", timeout_us.c_str(), 0);
      media::DictionaryPtr io_opts(io);
      AVDictionary* p = io_opts.release();
      const int r = avio_open2(&ctx->pb, o.url.c_str(), AVIO_FLAG_WRITE, &ctx->interrupt_callback, &p);
      io_opts.reset(p);
      if (r < 0) throw media::MediaError(media::MediaErrc::open_failed, media::av_error_text("cannot connect to " + url_, r));
    }
    AVDictionary* p = opts.release();
    const int r = avformat_write_header(ctx, &p);
    opts.reset(p);
    if (r < 0) throw media::MediaError(media::MediaErrc::open_failed, media::av_error_text("cannot start the stream at " + url_, r));
    header_written_ = true;
    for (auto& [id, s] : streams_) s.time_base = ctx->streams[s.index]->time_base;  // the muxer may change it
  }

  ~Output() {
    // The RTSP muxer sends its TEARDOWN and closes its connection only here.
    if (header_written_) av_write_trailer(ctx_.get());
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  bool carries(uint32_t track) const { return streams_.count(track) != 0; }

  // Writes one frame at `dts_ns`/`pts_ns` from the output's origin. Throws MediaError when the server fails.
  void write(const fifo::Frame& f, const fifo::TrackInfo& t, int64_t dts_ns, int64_t pts_ns) {
    Stream& s = streams_.at(f.header.track);
    std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(f.payload.data()), f.payload.size());
    if (t.codec == fifo::Codec::aac)
      if (const auto h = media::adts::parse_header(data); h && h->header_bytes <= data.size())
        data = data.subspan(h->header_bytes);  // muxers take raw AAC frames with the AudioSpecificConfig
    auto pkt = media::make_packet();
    if (av_new_packet(pkt.get(), static_cast<int>(data.size())) < 0)
      throw media::MediaError(media::MediaErrc::muxer, "out of memory");
    std::memcpy(pkt->data, data.data(), data.size());
    const fifo::Rational tb{s.time_base.num, s.time_base.den};
    int64_t dts = fifo::from_ns(dts_ns, tb, fifo::Rounding::nearest);
    int64_t pts = fifo::from_ns(pts_ns, tb, fifo::Rounding::nearest);
    if (dts <= s.last_dts) dts = s.last_dts + 1;  // muxers refuse a dts that does not grow
    pts = std::max(pts, dts);
    s.last_dts = dts;
    pkt->dts = dts;
    pkt->pts = pts;
    pkt->stream_index = s.index;
    if (f.header.is_key()) pkt->flags |= AV_PKT_FLAG_KEY;
    if (int r = av_interleaved_write_frame(ctx_.get(), pkt.get()); r < 0)
      throw media::MediaError(media::MediaErrc::io, media::av_error_text("writing to " + url_, r));
  }

 private:
  struct Stream {
    int index = 0;
    AVRational time_base{1, 90000};
    int64_t last_dts = INT64_MIN;
  };

  static int interrupted(void* options) {
    const auto* o = static_cast<const RestreamOptions*>(options);
    return o->stop && o->stop() ? 1 : 0;
  }

  void add_stream(const fifo::TrackInfo& t, const std::string& muxer) {
    AVStream* st = nullptr;
    const AVRational tb = t.kind == fifo::MediaKind::video
                              ? AVRational{1, 90000}
                              : AVRational{1, static_cast<int>(t.sample_rate > 0 ? t.sample_rate : 48000)};
    if (media::mp4_can_carry(t.codec)) {
      st = media::add_mp4_track(*ctx_, t, {.time_base = tb}).stream;
      st->codecpar->codec_tag = 0;  // MP4's tags ('hvc1') are not this muxer's: let it choose
    } else if (t.codec == fifo::Codec::pcm_alaw || t.codec == fifo::Codec::pcm_mulaw) {
      if (muxer != "rtsp" && muxer != "flv" && muxer != "mpegts") return;
      st = avformat_new_stream(ctx_.get(), nullptr);
      if (!st) throw media::MediaError(media::MediaErrc::muxer, "out of memory");
      st->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
      st->codecpar->codec_id = media::codec_to_av(t.codec);
      st->codecpar->sample_rate = static_cast<int>(t.sample_rate > 0 ? t.sample_rate : 8000);
      av_channel_layout_default(&st->codecpar->ch_layout, static_cast<int>(t.channels > 0 ? t.channels : 1));
      st->time_base = tb;
    } else {
      return;  // a codec this output cannot carry: left out
    }
    streams_[t.track_id] = Stream{st->index, tb, INT64_MIN};
  }

  std::string url_;
  media::OutputFormatPtr ctx_;
  std::map<uint32_t, Stream> streams_;
  bool header_written_ = false;
};

class Restreamer {
 public:
  explicit Restreamer(const RestreamOptions& o) : o_(o), muxer_(o.format.empty() ? muxer_for(o.url) : o.format) {
    if (o.ring.empty()) throw RestreamError(RestreamErrc::invalid_argument, "no ring to restream");
    if (o.url.empty()) throw RestreamError(RestreamErrc::invalid_argument, "no URL to restream to");
    if (!o.clock) throw RestreamError(RestreamErrc::invalid_argument, "RestreamOptions::clock is required");
    if (muxer_.empty())
      throw RestreamError(RestreamErrc::invalid_argument,
                          "cannot tell the output format from '" + redacted(o.url) + "': give one (e.g. flv, mpegts)");
    if (!av_guess_format(muxer_.c_str(), nullptr, nullptr))
      throw RestreamError(RestreamErrc::invalid_argument, "libavformat has no '" + muxer_ + "' output");
    if (o.rtsp_transport != "tcp" && o.rtsp_transport != "udp")
      throw RestreamError(RestreamErrc::invalid_argument, "the RTSP transport must be tcp or udp");
    try {
      reader_.emplace(fifo::RingReader::open(o.ring));
    } catch (const fifo::FifoError& e) {
      throw RestreamError(RestreamErrc::ring, "cannot read ring '" + o.ring + "': " + e.what());
    }
  }

  RestreamStats run() {
    auto retry = o_.first_retry;
    while (!stopped()) {
      const int64_t began = o_.clock->mono_ns();
      const uint64_t sent_before = stats_.frames_sent;
      std::string why;
      try {
        const End end = connection();
        if (end == End::ring_ended || end == End::stopped) break;
        continue;  // new parameters: connect again at once
      } catch (const media::MediaError& e) {
        why = e.what();
      }
      if (stopped()) break;
      ++stats_.failures;
      if (stats_.frames_sent > sent_before && o_.clock->mono_ns() - began >= kHealthyNs) retry = o_.first_retry;
      log(why + "; connecting again in " + std::to_string(retry.count() / 1000.0).substr(0, 4) + " s");
      if (!wait(retry)) break;
      retry = std::min(retry * 2, o_.max_retry);
    }
    return stats_;
  }

 private:
  bool stopped() const { return o_.stop && o_.stop(); }

  void log(const std::string& line) const {
    if (o_.on_log) o_.on_log(line);
  }

  // Sleeps `d` in slices, so that a stop is seen within 100 ms; false when stopped.
  bool wait(std::chrono::milliseconds d) const {
    const int64_t until = o_.clock->mono_ns() + d.count() * 1'000'000;
    while (o_.clock->mono_ns() < until) {
      if (stopped()) return false;
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(until - o_.clock->mono_ns(), 100'000'000)));
    }
    return !stopped();
  }

  // Waits for the ring's next frame, following a writer that goes away. Returns end_of_stream / ready, or
  // nullopt when stopped.
  std::optional<fifo::WaitStatus> next(fifo::Frame& f) {
    bool told = false;
    while (!stopped()) {
      fifo::WaitStatus st;
      try {
        st = reader_->read(f, 100ms);
      } catch (const fifo::FifoError& e) {
        throw RestreamError(RestreamErrc::ring, "ring '" + o_.ring + "': " + e.what());
      }
      if (st == fifo::WaitStatus::ready || st == fifo::WaitStatus::end_of_stream) return st;
      if (st == fifo::WaitStatus::writer_gone && !told) {
        log("the writer of ring '" + o_.ring + "' is gone: waiting for it");
        told = true;
      }
    }
    return std::nullopt;
  }

  enum class End { ring_ended, stopped, parameters_changed };

  // One connection: from the ring's newest keyframe until the output fails (throws MediaError), the ring's
  // parameters change, the ring ends or a stop.
  End connection() {
    if (const auto kf = reader_->newest_keyframe()) reader_->seek_to(*kf);
    const fifo::StreamInfo info = reader_->refresh_stream_info();
    fifo::Frame f;
    std::optional<Output> out;
    std::optional<int64_t> origin_ns;
    uint32_t key_track = 0;
    for (const auto& t : info.tracks)
      if (t.kind == fifo::MediaKind::video) {
        key_track = t.track_id;
        break;
      }
    bool waiting_for_key = true;
    for (;;) {
      const auto st = next(f);
      if (!st) return End::stopped;
      if (*st == fifo::WaitStatus::end_of_stream) {
        log("ring '" + o_.ring + "' ended its stream");
        return End::ring_ended;
      }
      const auto& h = f.header;
      if (h.info_changed && reader_->stream_info().tracks != info.tracks) {
        log("ring '" + o_.ring + "' changed its tracks or parameters: connecting again with the new ones");
        return End::parameters_changed;  // the next connection starts at the newest keyframe
      }
      if (h.lost_before > 0 || (h.flags & fifo::frame_flag::discontinuity) != 0) {
        stats_.frames_skipped += h.lost_before;
        waiting_for_key = true;
      }
      const fifo::TrackInfo* t = info.find(h.track);
      if (!t) continue;
      const bool starts = h.is_key() && (key_track == 0 || h.track == key_track);
      if (waiting_for_key && !starts) {
        ++stats_.frames_skipped;
        continue;
      }
      waiting_for_key = false;
      if (!out) {
        out.emplace(o_, muxer_, info);
        ++stats_.connections;
        log("restreaming ring '" + o_.ring + "' to " + redacted(o_.url) + " (" + muxer_ + ")");
      }
      if (!out->carries(h.track)) continue;
      const int64_t dts_ns = fifo::to_ns(h.dts, t->time_base, fifo::Rounding::nearest);
      const int64_t pts_ns = fifo::to_ns(h.pts, t->time_base, fifo::Rounding::nearest);
      if (!origin_ns) origin_ns = dts_ns;
      if (dts_ns < *origin_ns) continue;  // audio from before the first keyframe
      out->write(f, *t, dts_ns - *origin_ns, pts_ns - *origin_ns);
      ++stats_.frames_sent;
      stats_.bytes_sent += f.payload.size();
    }
  }

  const RestreamOptions& o_;
  const std::string muxer_;
  std::optional<fifo::RingReader> reader_;
  RestreamStats stats_;
};

}  // namespace

std::string muxer_for(const std::string& url) {
  const auto colon = url.find("://");
  if (colon == std::string::npos) return {};
  std::string scheme = url.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme == "rtsp" || scheme == "rtsps") return "rtsp";
  if (scheme == "rtmp" || scheme == "rtmps") return "flv";
  if (scheme == "srt" || scheme == "udp" || scheme == "tcp") return "mpegts";
  return {};
}

std::string redacted(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto host_end = url.find('/', scheme + 3);
  const auto at = url.rfind('@', host_end == std::string::npos ? std::string::npos : host_end);
  if (at == std::string::npos || at < scheme + 3) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

RestreamStats restream(const RestreamOptions& options) { return Restreamer(options).run(); }

}  // namespace zc::restream
