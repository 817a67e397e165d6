#include <zc/media/source.h>

#include <zc/media/codec_map.h>
#include "fragment_resume_io.h"
#include "inserted_parameter_sets.h"
#include "rtp_loss_monitor.h"
#include "video_track.h"

#include <zc/media/adts.h>
#include <zc/media/annexb.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>

extern "C" {
#include <libavcodec/bsf.h>
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
}

#include <algorithm>
#include <deque>
#include <optional>

namespace zc::media {

namespace {

struct Track {
  int stream_index = -1;
  size_t info_index = 0;  // into Impl::info.tracks
  fifo::Codec codec = fifo::Codec::unknown;
  BsfPtr to_annexb;  // MP4/MKV samples (length-prefixed) to Annex-B
  std::optional<VideoTrack> video;
  bool strip_adts = false;            // AAC arriving with ADTS headers (raw .aac, MPEG-TS)
  int64_t next_dts = AV_NOPTS_VALUE;  // for packets without a dts
  int64_t origin = 0;                 // the source's common time origin in this track's time base
};

struct Queued {
  size_t track = 0;
  PacketPtr packet;
};

// How far open() reads ahead for the first ADTS header of an AAC track whose container has no
// AudioSpecificConfig (MPEG-TS interleaves audio within a fraction of a second; this is several seconds).
constexpr int kConfigLookaheadPackets = 512;

constexpr int kReadIoBufferBytes = 64 * 1024;

// An AVIOContext's read_packet over SourceOptions::read_bytes (libavformat wants AVERROR_EOF at the end, not 0).
int read_through(void* opaque, uint8_t* buf, int size) {
  const int n = (*static_cast<std::function<int(uint8_t*, int)>*>(opaque))(buf, size);
  return n == 0 ? AVERROR_EOF : n;
}

// libavformat's raw H.264/H.265 demuxers ("h264", "hevc"): their packets carry no timestamps of their own (they
// invent them from a frame rate), and FFmpeg 5.1 does not mark them AVFMT_NOTIMESTAMPS.
bool is_raw_elementary_stream(const AVInputFormat& f) {
  const std::string_view name = f.name != nullptr ? f.name : "";
  return name == "h264" || name == "hevc";
}

bool is_avcc_style(const AVCodecParameters& par) {
  return par.extradata_size > 0 &&
         !annexb::looks_like_annexb({par.extradata, static_cast<size_t>(par.extradata_size)});
}

}  // namespace

struct MediaSource::Impl {
  std::string url;
  std::function<bool()> interrupt;
  std::optional<FragmentResumeIo> resume_io;  // declared before `format`: the context reads through it
  std::function<int(uint8_t*, int)> read_bytes;  // SourceOptions::read_bytes
  CustomIoPtr read_io;                           // reads through read_bytes; also before `format`
  InputFormatPtr format;
  // Declared after `format`, so it stops watching before the context is freed.
  struct LossWatch {
    const void* ctx = nullptr;
    ~LossWatch() {
      if (ctx != nullptr) rtp_loss::unwatch(ctx);
    }
  } loss_watch;
  std::vector<Track> tracks;
  fifo::StreamInfo info;
  std::deque<Queued> queue;
  bool at_end = false;
  std::optional<RawVideoTiming> raw_timing;

  void open(const SourceOptions& options);
  void add_track(int stream_index);
  bool pump();
  void learn_adts_configs();
  void enqueue(size_t track, AVPacket* packet);
  void flush_filters();
  void finish(Track& t, AVPacket& p, MediaPacket& out);
};

void MediaSource::Impl::open(const SourceOptions& options) {
  AVDictionary* raw_options = nullptr;
  for (const auto& [k, v] : options.format_options) av_dict_set(&raw_options, k.c_str(), v.c_str(), 0);
  DictionaryPtr opts(raw_options);
  if (options.resume_at_moof) resume_io.emplace(url, *options.resume_at_moof);
  AVFormatContext* ctx = avformat_alloc_context();
  if (ctx == nullptr) throw MediaError(MediaErrc::open_failed, "out of memory opening '" + url + "'");
  if (options.interrupt) {
    interrupt = options.interrupt;  // Impl lives on the heap: the address stays valid for the context's life
    ctx->interrupt_callback.callback = [](void* opaque) { return (*static_cast<std::function<bool()>*>(opaque))() ? 1 : 0; };
    ctx->interrupt_callback.opaque = &interrupt;
  }
  if (resume_io) {
    ctx->pb = resume_io->context();
    ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  } else if (options.read_bytes) {
    read_bytes = options.read_bytes;  // Impl lives on the heap: &read_bytes stays valid for the context's life
    auto* buffer = static_cast<uint8_t*>(av_malloc(kReadIoBufferBytes));
    AVIOContext* io = buffer == nullptr ? nullptr
                                        : avio_alloc_context(buffer, kReadIoBufferBytes, 0, &read_bytes,
                                                             read_through, nullptr, nullptr);
    if (io == nullptr) {
      av_free(buffer);
      avformat_free_context(ctx);
      throw MediaError(MediaErrc::open_failed, "out of memory opening '" + url + "'");
    }
    read_io.reset(io);
    ctx->pb = io;
    ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  rtp_loss::watch(ctx);
  loss_watch.ctx = ctx;
  raw_options = opts.release();
  const int rc = avformat_open_input(&ctx, url.c_str(), nullptr, &raw_options);
  opts.reset(raw_options);
  if (rc < 0) throw MediaError(MediaErrc::open_failed, av_error_text("cannot open '" + url + "'", rc));
  format.reset(ctx);
  if (options.on_opened) options.on_opened();
  if (const int r = avformat_find_stream_info(ctx, nullptr); r < 0)
    throw MediaError(MediaErrc::open_failed, av_error_text("cannot read stream parameters of '" + url + "'", r));

  std::string found;
  bool have_video = false, have_audio = false;
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVCodecParameters& par = *ctx->streams[i]->codecpar;
    const fifo::Codec codec = codec_from_av(par.codec_id);
    const fifo::MediaKind kind = fifo::media_kind_of(codec);
    if (kind == fifo::MediaKind::unknown) {
      if (par.codec_type == AVMEDIA_TYPE_VIDEO || par.codec_type == AVMEDIA_TYPE_AUDIO)
        found += std::string(found.empty() ? "" : ", ") + avcodec_get_name(par.codec_id);
      continue;
    }
    if (kind == fifo::MediaKind::video && (!options.video || have_video)) continue;
    if (kind == fifo::MediaKind::audio && (!options.audio || have_audio)) continue;
    (kind == fifo::MediaKind::video ? have_video : have_audio) = true;
    add_track(static_cast<int>(i));
  }
  if (tracks.empty())
    throw MediaError(MediaErrc::unsupported_codec,
                     "'" + url + "' has no track zcrec can carry (H.264, H.265, AAC, G.711, Opus)" +
                         (found.empty() ? std::string() : "; found: " + found));
  // One time origin for every track (docs/timing.md): the container's start, so that tracks keep the offsets
  // they have against each other and a source's timestamps begin near zero whatever clock it was cut from.
  if (ctx->start_time != AV_NOPTS_VALUE)
    for (Track& t : tracks)
      t.origin = av_rescale_q(ctx->start_time, AV_TIME_BASE_Q, ctx->streams[t.stream_index]->time_base);
  learn_adts_configs();
}

// An AAC track framed in ADTS (MPEG-TS, raw .aac) carries its configuration in every frame header, not in the
// container. Reading ahead to the first such frame lets stream_info() describe the track from the first
// packet on, so that no reader ever sees an AAC track without its AudioSpecificConfig and no config is
// "changed" merely because it was learned late. The packets read stay queued for read().
void MediaSource::Impl::learn_adts_configs() {
  auto missing = [&] {
    return std::any_of(tracks.begin(), tracks.end(),
                       [&](const Track& t) { return t.strip_adts && info.tracks[t.info_index].config.empty(); });
  };
  size_t scanned = 0;
  for (int n = 0; missing() && n < kConfigLookaheadPackets; ++n) {
    if (queue.size() == scanned && !pump()) break;
    for (; scanned < queue.size(); ++scanned) {
      Track& t = tracks[queue[scanned].track];
      fifo::TrackInfo& ti = info.tracks[t.info_index];
      if (!t.strip_adts || !ti.config.empty()) continue;
      const AVPacket& p = *queue[scanned].packet;
      if (auto h = adts::parse_header({p.data, static_cast<size_t>(p.size)}))
        ti.config = adts::make_audio_specific_config(h->config);
    }
  }
}

// Reads one packet of the source into the queue; false at its end.
bool MediaSource::Impl::pump() {
  if (at_end) return false;
  PacketPtr packet = make_packet();
  const int r = av_read_frame(format.get(), packet.get());
  if (r == AVERROR_EOF) {
    at_end = true;
    flush_filters();
    return true;
  }
  if (r < 0) throw MediaError(MediaErrc::io, av_error_text("reading '" + url + "'", r));
  for (size_t i = 0; i < tracks.size(); ++i)
    if (tracks[i].stream_index == packet->stream_index) {
      enqueue(i, packet.get());
      break;
    }
  return true;
}

void MediaSource::Impl::add_track(int stream_index) {
  AVStream* st = format->streams[stream_index];
  Track t;
  t.stream_index = stream_index;
  t.info_index = info.tracks.size();
  t.codec = codec_from_av(st->codecpar->codec_id);
  fifo::TrackInfo info_track =
      track_from_parameters(static_cast<uint32_t>(tracks.size()), *st->codecpar, st->time_base);
  const AVCodecParameters* config_par = st->codecpar;

  if (info_track.kind == fifo::MediaKind::video) {
    if (is_avcc_style(*st->codecpar)) {
      const char* name = t.codec == fifo::Codec::h264 ? "h264_mp4toannexb" : "hevc_mp4toannexb";
      AVBSFContext* bsf = nullptr;
      if (int r = av_bsf_alloc(av_bsf_get_by_name(name), &bsf); r < 0)
        throw MediaError(MediaErrc::invalid_data, av_error_text(name, r));
      t.to_annexb.reset(bsf);
      avcodec_parameters_copy(bsf->par_in, st->codecpar);
      bsf->time_base_in = st->time_base;
      if (int r = av_bsf_init(bsf); r < 0)
        throw MediaError(MediaErrc::invalid_data, av_error_text("cannot convert '" + url + "' to Annex-B", r));
      config_par = bsf->par_out;  // the filter turns avcC/hvcC extradata into Annex-B parameter sets
    }
    std::optional<RawTimestamps> raw_times;
    if (is_raw_elementary_stream(*format->iformat)) {
      // Raw elementary streams come without timestamps; the demuxer still knows the frame duration. Annex-B in
      // a container (MPEG-TS, RTSP) has timestamps of its own, on the one clock it shares with its audio, even
      // when its first packets have none (RTSP before the first sender report).
      AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
      if (rate.num <= 0 || rate.den <= 0) rate = {25, 1};
      raw_timing.emplace();
      raw_timing->frame_duration = av_rescale_q(1, av_inv_q(rate), st->time_base);
      raw_timing->reorder_delay = st->codecpar->video_delay;
      uint8_t* demuxer_rate_text = nullptr;  // the option is a video rate, which av_opt_get_q does not read
      AVRational demuxer_rate{};
      if (av_opt_get(format->priv_data, "framerate", 0, &demuxer_rate_text) >= 0 &&
          av_parse_video_rate(&demuxer_rate, reinterpret_cast<const char*>(demuxer_rate_text)) >= 0)
        raw_timing->demuxer_rate = {demuxer_rate.num, demuxer_rate.den};
      av_free(demuxer_rate_text);
      raw_times.emplace(t.codec, raw_timing->frame_duration, raw_timing->reorder_delay);
    }
    t.video.emplace(t.codec,
                    std::span<const uint8_t>(config_par->extradata, static_cast<size_t>(config_par->extradata_size)),
                    std::move(raw_times));
    info_track.config = t.video->config();
  } else if (t.codec == fifo::Codec::aac) {
    if (st->codecpar->extradata_size > 0)
      info_track.config.assign(st->codecpar->extradata, st->codecpar->extradata + st->codecpar->extradata_size);
    else
      t.strip_adts = true;  // the AudioSpecificConfig is rebuilt from the first ADTS header (open() reads ahead)
  } else if (st->codecpar->extradata_size > 0) {
    info_track.config.assign(st->codecpar->extradata, st->codecpar->extradata + st->codecpar->extradata_size);
  }
  info.tracks.push_back(std::move(info_track));
  tracks.push_back(std::move(t));
}

void MediaSource::Impl::enqueue(size_t track, AVPacket* packet) {
  Track& t = tracks[track];
  if (!t.to_annexb) {
    queue.push_back({track, PacketPtr(av_packet_clone(packet))});
    return;
  }
  if (int r = av_bsf_send_packet(t.to_annexb.get(), packet); r < 0)
    throw MediaError(MediaErrc::invalid_data, av_error_text("Annex-B conversion of '" + url + "'", r));
  for (;;) {
    PacketPtr out = make_packet();
    const int r = av_bsf_receive_packet(t.to_annexb.get(), out.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) break;
    if (r < 0) throw MediaError(MediaErrc::invalid_data, av_error_text("Annex-B conversion of '" + url + "'", r));
    queue.push_back({track, std::move(out)});
  }
}

void MediaSource::Impl::flush_filters() {
  for (size_t i = 0; i < tracks.size(); ++i)
    if (tracks[i].to_annexb) enqueue(i, nullptr);
}

void MediaSource::Impl::finish(Track& t, AVPacket& p, MediaPacket& out) {
  fifo::TrackInfo& ti = info.tracks[t.info_index];
  out.track = ti.track_id;
  out.duration = p.duration;
  out.params_changed = false;
  out.discontinuity = false;
  out.corrupt = (p.flags & AV_PKT_FLAG_CORRUPT) != 0;
  std::span<const uint8_t> data(p.data, static_cast<size_t>(p.size));

  const bool raw = t.video && t.video->raw();
  if (ti.kind == fifo::MediaKind::video) {
    t.video->finish(data, (p.flags & AV_PKT_FLAG_KEY) != 0, ti, out);
  } else {
    out.keyframe = true;  // every audio frame is a random access point
    if (t.strip_adts) {
      if (auto adts_header = adts::parse_header(data)) {
        const auto asc = adts::make_audio_specific_config(adts_header->config);
        if (ti.config != asc) {
          ti.config = asc;
          out.params_changed = true;
        }
        data = data.subspan(std::min(adts_header->header_bytes, data.size()));
      }
    }
  }

  if (!raw) {
    // Demuxers without timestamps for some packets (some RTSP/TS sources): continue from the last one.
    int64_t dts = p.dts != AV_NOPTS_VALUE ? p.dts : p.pts;
    if (dts != AV_NOPTS_VALUE) dts -= t.origin;
    if (dts == AV_NOPTS_VALUE) dts = t.next_dts == AV_NOPTS_VALUE ? 0 : t.next_dts;
    out.dts = dts;
    out.pts = p.pts != AV_NOPTS_VALUE ? p.pts - t.origin : dts;
  }
  // RTSP: libavformat maps the RTP clock onto the camera's NTP time once the first RTCP sender report is in, and
  // start_time_realtime is the NTP time (µs) of timestamp zero; before that report it is unset.
  out.capture_wall_ns = 0;
  out.capture_mono_ns = 0;
  if (format->start_time_realtime != AV_NOPTS_VALUE && format->start_time_realtime > 0 && p.pts != AV_NOPTS_VALUE)
    out.capture_wall_ns = format->start_time_realtime * 1000 +
                          av_rescale_q(p.pts, format->streams[t.stream_index]->time_base, AVRational{1, 1'000'000'000});
  t.next_dts = out.dts + std::max<int64_t>(p.duration, 1);
  out.data.assign(data.begin(), data.end());
  if (t.to_annexb && out.keyframe) {
    const AVCodecParameters& par = *t.to_annexb->par_out;
    drop_inserted_parameter_sets(t.codec, {par.extradata, static_cast<size_t>(std::max(par.extradata_size, 0))},
                                 out.data);
  }
}

MediaSource::MediaSource(const std::string& url, const SourceOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->url = url;
  impl_->open(options);
}

MediaSource::MediaSource(MediaSource&&) noexcept = default;
MediaSource& MediaSource::operator=(MediaSource&&) noexcept = default;
MediaSource::~MediaSource() = default;

const fifo::StreamInfo& MediaSource::stream_info() const noexcept { return impl_->info; }
const std::string& MediaSource::url() const noexcept { return impl_->url; }
uint64_t MediaSource::packets_missed() const noexcept { return rtp_loss::missed(impl_->loss_watch.ctx); }
std::optional<RawVideoTiming> MediaSource::raw_video_timing() const noexcept { return impl_->raw_timing; }

bool MediaSource::read(MediaPacket& out) {
  Impl& d = *impl_;
  while (d.queue.empty())
    if (!d.pump()) return false;
  Queued q = std::move(d.queue.front());
  d.queue.pop_front();
  d.finish(d.tracks[q.track], *q.packet, out);
  return true;
}

}  // namespace zc::media
