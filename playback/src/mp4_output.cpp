#include "mp4_output.h"

#include <zc/media/error.h>
#include <zc/media/mp4_track.h>
#include <zc/playback/error.h>

extern "C" {
#include <libavutil/mathematics.h>
}

#include <cstring>

namespace zc::playback {

void Mp4Output::fail(const std::string& what, int err) const {
  throw PlaybackError(PlaybackErrc::output_failed, media::av_error_text(path_.string() + ": " + what, err));
}

Mp4Output::Mp4Output(std::filesystem::path path, const fifo::StreamInfo& info, int64_t origin_wall_ns)
    : path_(std::move(path)), origin_wall_ns_(origin_wall_ns) {
  AVFormatContext* ctx = nullptr;
  if (int r = avformat_alloc_output_context2(&ctx, nullptr, "mp4", path_.c_str()); r < 0) fail("cannot create", r);
  format_.reset(ctx);
  for (const auto& t : info.tracks) {
    if (!media::mp4_can_carry(t.codec)) continue;  // G.711: "codec not currently supported in container"
    Stream st;
    // Export's timestamps are wall-clock offsets: 90 kHz for video, the sample rate for audio.
    if (t.kind == fifo::MediaKind::video) st.time_base = {1, 90000};
    else st.time_base = {1, static_cast<int>(t.sample_rate == 0 ? 48000 : t.sample_rate)};
    try {
      // Annex-B samples as they come: the muxer converts them (export is not on a hot path).
      st.index = media::add_mp4_track(*ctx, t, {.time_base = st.time_base}).stream->index;
    } catch (const media::MediaError& e) {
      throw PlaybackError(PlaybackErrc::output_failed, path_.string() + ": " + e.what());
    }
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
