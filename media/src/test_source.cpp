#include <zc/media/test_source.h>

#include "test_pattern.h"

#include <zc/media/annexb.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include <cmath>
#include <string>

namespace zc::media {

namespace {

constexpr AVRational kVideoTimeBase{1, 90000};
constexpr int kSampleRate = 48000;

struct EncodedPacket {
  int64_t pts, dts, duration;
  bool keyframe;
  std::vector<uint8_t> data;
};

void check_options(const TestSourceOptions& o) {
  auto bad = [](const std::string& what) { throw MediaError(MediaErrc::invalid_argument, "testsrc: " + what); };
  if (o.codec != fifo::Codec::h264 && o.codec != fifo::Codec::h265) bad("codec must be h264 or h265");
  if (o.width < 16 || o.height < 16 || o.width > 8192 || o.height > 8192 || o.width % 2 || o.height % 2)
    bad("size must be even and between 16x16 and 8192x8192");
  if (o.fps < 1 || o.fps > 240) bad("fps must be between 1 and 240");
  if (!(o.gop_seconds > 0) || o.gop_seconds > 60) bad("GOP must be between one frame and 60 s");
  if (o.bit_depth != 8 && !(o.bit_depth == 10 && o.codec == fifo::Codec::h265))
    bad("bit depth must be 8, or 10 with h265");
  if (o.bframes < 0 || o.bframes > 16) bad("B-frames must be between 0 and 16");
  if (o.bitrate < 10'000) bad("bitrate must be at least 10k");
  if (o.loop_seconds < 0 || o.loop_seconds > 600) bad("loop must be between 0 and 600 s");
}

void collect(AVCodecContext& enc, AVFrame* frame, AVRational to, std::vector<EncodedPacket>& out) {
  if (int r = avcodec_send_frame(&enc, frame); r < 0) throw MediaError(MediaErrc::encoder, av_error_text("encoding", r));
  PacketPtr p = make_packet();
  for (;;) {
    const int r = avcodec_receive_packet(&enc, p.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
    if (r < 0) throw MediaError(MediaErrc::encoder, av_error_text("encoding", r));
    av_packet_rescale_ts(p.get(), enc.time_base, to);
    out.push_back({p->pts, p->dts, p->duration, (p->flags & AV_PKT_FLAG_KEY) != 0,
                   std::vector<uint8_t>(p->data, p->data + p->size)});
    av_packet_unref(p.get());
  }
}

CodecContextPtr open_video_encoder(const TestSourceOptions& o, int gop_frames) {
  const bool h264 = o.codec == fifo::Codec::h264;
  const AVCodec* codec = avcodec_find_encoder_by_name(h264 ? "libx264" : "libx265");
  if (codec == nullptr)
    throw MediaError(MediaErrc::encoder, std::string("this FFmpeg has no ") + (h264 ? "libx264" : "libx265"));
  CodecContextPtr enc(avcodec_alloc_context3(codec));
  enc->width = static_cast<int>(o.width);
  enc->height = static_cast<int>(o.height);
  enc->pix_fmt = o.bit_depth == 10 ? AV_PIX_FMT_YUV420P10LE : AV_PIX_FMT_YUV420P;
  enc->time_base = {1, o.fps};
  enc->framerate = {o.fps, 1};
  enc->gop_size = gop_frames;
  enc->keyint_min = gop_frames;
  enc->max_b_frames = o.bframes;
  enc->bit_rate = o.bitrate;
  // Fixed GOPs of closed, IDR-started groups so that the encoded loop can restart at any GOP boundary;
  // parameter sets stay in band (no global header), as a camera sends them.
  const std::string gop = std::to_string(gop_frames);
  const std::string params = "keyint=" + gop + ":min-keyint=" + gop + ":scenecut=0:bframes=" +
                             std::to_string(o.bframes) + (h264 ? "" : ":open-gop=0:log-level=error");
  AVDictionary* raw = nullptr;
  av_dict_set(&raw, "preset", "ultrafast", 0);
  av_dict_set(&raw, h264 ? "x264-params" : "x265-params", params.c_str(), 0);
  DictionaryPtr opts(raw);
  raw = opts.release();
  const int r = avcodec_open2(enc.get(), codec, &raw);
  opts.reset(raw);
  if (r < 0) throw MediaError(MediaErrc::encoder, av_error_text(std::string("opening ") + codec->name, r));
  return enc;
}

CodecContextPtr open_audio_encoder() {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (codec == nullptr) throw MediaError(MediaErrc::encoder, "this FFmpeg has no AAC encoder");
  CodecContextPtr enc(avcodec_alloc_context3(codec));
  enc->sample_rate = kSampleRate;
  enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&enc->ch_layout, 1);
  enc->bit_rate = 64000;
  enc->time_base = {1, kSampleRate};
  if (int r = avcodec_open2(enc.get(), codec, nullptr); r < 0)
    throw MediaError(MediaErrc::encoder, av_error_text("opening the AAC encoder", r));
  return enc;
}

}  // namespace

struct TestSource::Impl {
  TestSourceOptions options;
  fifo::StreamInfo info;
  std::vector<EncodedPacket> video, audio;
  int64_t video_loop_90k = 0;    // duration of one loop in the video time base
  int64_t audio_loop_samples = 0;
  size_t next_video = 0, next_audio = 0;
  int64_t video_loops = 0, audio_loops = 0;
  int64_t video_frames_out = 0;

  void encode_video(int64_t loop_frames, int gop_frames);
  void encode_audio();
  double video_time(size_t i, int64_t loops) const;
  double audio_time(size_t i, int64_t loops) const;
};

void TestSource::Impl::encode_video(int64_t loop_frames, int gop_frames) {
  CodecContextPtr enc = open_video_encoder(options, gop_frames);
  FramePtr frame = make_frame();
  frame->format = enc->pix_fmt;
  frame->width = enc->width;
  frame->height = enc->height;
  if (int r = av_frame_get_buffer(frame.get(), 0); r < 0)
    throw MediaError(MediaErrc::encoder, av_error_text("allocating a picture", r));
  for (int64_t i = 0; i < loop_frames; ++i) {
    if (int r = av_frame_make_writable(frame.get()); r < 0)
      throw MediaError(MediaErrc::encoder, av_error_text("allocating a picture", r));
    draw_test_pattern(*frame, i);
    frame->pts = i;
    collect(*enc, frame.get(), kVideoTimeBase, video);
  }
  collect(*enc, nullptr, kVideoTimeBase, video);
  if (video.empty() || !video.front().keyframe) throw MediaError(MediaErrc::encoder, "encoder gave no keyframe");

  fifo::TrackInfo t;
  t.track_id = 0;
  t.kind = fifo::MediaKind::video;
  t.codec = options.codec;
  t.time_base = {kVideoTimeBase.num, kVideoTimeBase.den};
  t.width = options.width;
  t.height = options.height;
  t.bits_per_sample = static_cast<uint32_t>(options.bit_depth);
  t.config = annexb::parameter_sets(options.codec, video.front().data);
  info.tracks.push_back(std::move(t));
  video_loop_90k = av_rescale_q(loop_frames, {1, options.fps}, kVideoTimeBase);
}

void TestSource::Impl::encode_audio() {
  CodecContextPtr enc = open_audio_encoder();
  audio_loop_samples = av_rescale_q(video_loop_90k, kVideoTimeBase, {1, kSampleRate});
  FramePtr frame = make_frame();
  frame->format = enc->sample_fmt;
  frame->sample_rate = kSampleRate;
  frame->nb_samples = enc->frame_size;
  av_channel_layout_copy(&frame->ch_layout, &enc->ch_layout);
  if (int r = av_frame_get_buffer(frame.get(), 0); r < 0)
    throw MediaError(MediaErrc::encoder, av_error_text("allocating audio", r));
  std::vector<EncodedPacket> all;
  for (int64_t s = 0; s < audio_loop_samples; s += enc->frame_size) {
    if (int r = av_frame_make_writable(frame.get()); r < 0)
      throw MediaError(MediaErrc::encoder, av_error_text("allocating audio", r));
    draw_sine(*frame, s);
    frame->pts = s;
    collect(*enc, frame.get(), {1, kSampleRate}, all);
  }
  collect(*enc, nullptr, {1, kSampleRate}, all);
  // Keep the frames that start inside the loop: the encoder's priming frame (negative pts) would repeat
  // in every loop and make timestamps go backwards.
  for (auto& p : all)
    if (p.pts >= 0 && p.pts < audio_loop_samples) audio.push_back(std::move(p));

  fifo::TrackInfo t;
  t.track_id = 1;
  t.kind = fifo::MediaKind::audio;
  t.codec = fifo::Codec::aac;
  t.time_base = {1, kSampleRate};
  t.sample_rate = kSampleRate;
  t.channels = 1;
  t.bits_per_sample = 16;
  t.config.assign(enc->extradata, enc->extradata + enc->extradata_size);
  info.tracks.push_back(std::move(t));
}

double TestSource::Impl::video_time(size_t i, int64_t loops) const {
  return static_cast<double>(video[i].dts + loops * video_loop_90k) / kVideoTimeBase.den;
}

double TestSource::Impl::audio_time(size_t i, int64_t loops) const {
  return static_cast<double>(audio[i].pts + loops * audio_loop_samples) / kSampleRate;
}

TestSource::TestSource(const TestSourceOptions& options) : impl_(std::make_unique<Impl>()) {
  check_options(options);
  impl_->options = options;
  const int gop_frames = std::max(1, static_cast<int>(std::lround(options.gop_seconds * options.fps)));
  const int64_t gops = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(options.loop_seconds * options.fps / gop_frames - 1e-9)));
  impl_->encode_video(gops * gop_frames, gop_frames);
  if (options.audio) impl_->encode_audio();
}

TestSource::TestSource(TestSource&&) noexcept = default;
TestSource& TestSource::operator=(TestSource&&) noexcept = default;
TestSource::~TestSource() = default;

const fifo::StreamInfo& TestSource::stream_info() const noexcept { return impl_->info; }

bool TestSource::read(MediaPacket& out) {
  Impl& d = *impl_;
  if (d.options.frames > 0 && d.video_frames_out >= d.options.frames) return false;
  const bool take_audio =
      !d.audio.empty() && d.audio_time(d.next_audio, d.audio_loops) < d.video_time(d.next_video, d.video_loops);
  const EncodedPacket& p = take_audio ? d.audio[d.next_audio] : d.video[d.next_video];
  const int64_t offset = take_audio ? d.audio_loops * d.audio_loop_samples : d.video_loops * d.video_loop_90k;
  out.track = take_audio ? 1 : 0;
  out.pts = p.pts + offset;
  out.dts = p.dts + offset;
  out.duration = p.duration;
  out.keyframe = take_audio || p.keyframe;
  out.params_changed = false;
  out.data = p.data;
  if (take_audio) {
    if (++d.next_audio == d.audio.size()) d.next_audio = 0, ++d.audio_loops;
  } else {
    ++d.video_frames_out;
    if (++d.next_video == d.video.size()) d.next_video = 0, ++d.video_loops;
  }
  return true;
}

}  // namespace zc::media
