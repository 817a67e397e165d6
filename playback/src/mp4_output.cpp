#include "mp4_output.h"

#include <zc/playback/error.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
}

#include <cstring>

namespace zc::playback {
namespace {

AVCodecID codec_id_of(fifo::Codec c) {
  switch (c) {
    case fifo::Codec::h264: return AV_CODEC_ID_H264;
    case fifo::Codec::h265: return AV_CODEC_ID_HEVC;
    case fifo::Codec::aac: return AV_CODEC_ID_AAC;
    case fifo::Codec::opus: return AV_CODEC_ID_OPUS;
    default: return AV_CODEC_ID_NONE;  // G.711: "codec not currently supported in container"
  }
}

void set_extradata(AVCodecParameters& par, const std::vector<uint8_t>& config) {
  if (config.empty()) return;
  par.extradata = static_cast<uint8_t*>(av_mallocz(config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::memcpy(par.extradata, config.data(), config.size());
  par.extradata_size = static_cast<int>(config.size());
}

}  // namespace

void Mp4Output::fail(const std::string& what, int err) const {
  throw PlaybackError(PlaybackErrc::output_failed, media::av_error_text(path_.string() + ": " + what, err));
}

Mp4Output::Mp4Output(std::filesystem::path path, const fifo::StreamInfo& info, int64_t origin_wall_ns)
    : path_(std::move(path)), origin_wall_ns_(origin_wall_ns) {
  AVFormatContext* ctx = nullptr;
  if (int r = avformat_alloc_output_context2(&ctx, nullptr, "mp4", path_.c_str()); r < 0) fail("cannot create", r);
  format_.reset(ctx);
  for (const auto& t : info.tracks) {
    const AVCodecID id = codec_id_of(t.codec);
    if (id == AV_CODEC_ID_NONE) continue;
    AVStream* s = avformat_new_stream(ctx, nullptr);
    if (s == nullptr) fail("cannot add a stream", AVERROR(ENOMEM));
    AVCodecParameters& par = *s->codecpar;
    par.codec_id = id;
    set_extradata(par, t.config);
    Stream st;
    st.index = s->index;
    if (t.kind == fifo::MediaKind::video) {
      par.codec_type = AVMEDIA_TYPE_VIDEO;
      par.width = static_cast<int>(t.width);
      par.height = static_cast<int>(t.height);
      if (id == AV_CODEC_ID_HEVC) par.codec_tag = MKTAG('h', 'v', 'c', '1');
      st.time_base = {1, 90000};
    } else {
      par.codec_type = AVMEDIA_TYPE_AUDIO;
      par.sample_rate = static_cast<int>(t.sample_rate);
      av_channel_layout_default(&par.ch_layout, static_cast<int>(t.channels == 0 ? 1 : t.channels));
      st.time_base = {1, static_cast<int>(t.sample_rate == 0 ? 48000 : t.sample_rate)};
    }
    s->time_base = st.time_base;
    streams_[t.track_id] = st;
  }
  if (int r = avio_open(&ctx->pb, path_.c_str(), AVIO_FLAG_WRITE); r < 0) fail("cannot open for writing", r);
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "+faststart", 0);
  const int r = avformat_write_header(ctx, &opts);
  av_dict_free(&opts);
  if (r < 0) fail("cannot write the header", r);
  for (auto& [id, st] : streams_) st.time_base = ctx->streams[st.index]->time_base;  // the muxer may change it
}

bool Mp4Output::write(const TimedPacket& p) {
  auto it = streams_.find(p.packet.track);
  if (it == streams_.end()) return false;
  Stream& st = it->second;
  auto pkt = media::make_packet();
  if (av_new_packet(pkt.get(), static_cast<int>(p.packet.data.size())) < 0) fail("out of memory", AVERROR(ENOMEM));
  std::memcpy(pkt->data, p.packet.data.data(), p.packet.data.size());
  const AVRational ns{1, 1'000'000'000};
  int64_t dts = av_rescale_q(p.dts_wall_ns - origin_wall_ns_, ns, st.time_base);
  int64_t pts = av_rescale_q(p.wall_ns - origin_wall_ns_, ns, st.time_base);
  if (dts <= st.last_dts) dts = st.last_dts + 1;  // segments may overlap by a tick at their joins
  if (pts < dts) pts = dts;
  if (st.last_dts != INT64_MIN) st.last_step = dts - st.last_dts;
  st.last_dts = dts;
  pkt->dts = dts;
  pkt->pts = pts;
  // The muxer takes every sample's duration from the next sample's dts, except the last one's, which is this:
  // without it the last frame lasts 0 ticks, the track and its edit list end before it, and players drop it.
  // (Audio keeps the muxer's own reckoning: with durations given, libavformat 5.1 made the AAC track of an
  // export across a gap one second too long.)
  if (p.video) pkt->duration = p.duration_ns > 0 ? av_rescale_q(p.duration_ns, ns, st.time_base) : st.last_step;
  pkt->stream_index = st.index;
  if (p.packet.keyframe) pkt->flags |= AV_PKT_FLAG_KEY;
  if (int r = av_interleaved_write_frame(format_.get(), pkt.get()); r < 0) fail("cannot write a frame", r);
  return true;
}

void Mp4Output::finish() {
  if (finished_) return;
  finished_ = true;
  if (int r = av_write_trailer(format_.get()); r < 0) fail("cannot finish the file", r);
  format_.reset();  // closes the file
}

}  // namespace zc::playback
