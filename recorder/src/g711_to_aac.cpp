#include "g711_to_aac.h"

#include <zc/media/codec_map.h>
#include <zc/media/ffmpeg_ptr.h>
#include <zc/recorder/error.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>

namespace zc::recorder {
namespace {

constexpr int kFallbackRate = 8000;  // G.711's rate when the stream info does not say
constexpr int64_t kMaxFillSeconds = 10;  // longer holes in the source are jumps, not silence
constexpr int64_t kHistorySeconds = 2;   // how far audio may run ahead of video in the ring

[[noreturn]] void fail(const std::string& what, int err) {
  throw RecorderError(RecorderErrc::media, media::av_error_text("G.711 to AAC: " + what, err));
}

// The source's rate when the encoder has it (8 and 16 kHz, G.711's rates, are AAC rates), else the nearest
// higher one it has.
int aac_rate_for(const AVCodec& enc, int in_rate) {
  if (enc.supported_samplerates == nullptr) return in_rate;
  int higher = 0, highest = 0;
  for (const int* r = enc.supported_samplerates; *r != 0; ++r) {
    if (*r == in_rate) return in_rate;
    if (*r > in_rate && (higher == 0 || *r < higher)) higher = *r;
    highest = std::max(highest, *r);
  }
  return higher != 0 ? higher : highest;
}

}  // namespace

struct G711ToAac::Impl {
  fifo::TrackInfo in;
  fifo::TrackInfo aac;
  int in_rate = kFallbackRate, out_rate = kFallbackRate, channels = 1;
  AVChannelLayout layout{};
  media::CodecContextPtr decoder, encoder;
  media::SwrPtr swr;
  media::AudioFifoPtr fifo;
  media::PacketPtr in_pkt = media::make_packet(), out_pkt = media::make_packet();
  media::FramePtr decoded = media::make_frame();
  std::vector<std::vector<float>> planes;
  // The AAC stream being built: the source time of its first sample, samples converted and samples encoded.
  bool streaming = false;
  int64_t stream_start = 0, samples_in = 0, samples_encoded = 0;
  // The newest G.711 frames pushed (about the last kHistorySeconds), for the next stream's start.
  struct Pushed {
    int64_t pts;
    std::vector<std::byte> bytes;
  };
  std::deque<Pushed> history;
  int64_t history_samples = 0;

  int64_t samples_of(size_t bytes) const { return static_cast<int64_t>(bytes) / channels * out_rate / in_rate; }
  void remember(int64_t pts, std::span<const std::byte> g711) {
    history.push_back({pts, {g711.begin(), g711.end()}});
    history_samples += samples_of(g711.size());
    while (history.size() > 1 &&
           history_samples - samples_of(history.front().bytes.size()) >= kHistorySeconds * out_rate) {
      history_samples -= samples_of(history.front().bytes.size());
      history.pop_front();
    }
  }

  ~Impl() { av_channel_layout_uninit(&layout); }

  void open_decoder() {
    const AVCodecID id = media::codec_to_av(in.codec);
    const AVCodec* dec = avcodec_find_decoder(id);
    if (dec == nullptr) fail("no decoder", AVERROR_DECODER_NOT_FOUND);
    decoder.reset(avcodec_alloc_context3(dec));
    if (!decoder) fail("decoder", AVERROR(ENOMEM));
    decoder->sample_rate = in_rate;
    if (int r = av_channel_layout_copy(&decoder->ch_layout, &layout); r < 0) fail("decoder layout", r);
    if (int r = avcodec_open2(decoder.get(), dec, nullptr); r < 0) fail("opening the decoder", r);
  }

  void open_encoder() {
    const AVCodec* enc = avcodec_find_encoder_by_name("aac");
    if (enc == nullptr) fail("no native aac encoder", AVERROR_ENCODER_NOT_FOUND);
    encoder.reset(avcodec_alloc_context3(enc));
    if (!encoder) fail("encoder", AVERROR(ENOMEM));
    out_rate = aac_rate_for(*enc, in_rate);
    encoder->sample_fmt = AV_SAMPLE_FMT_FLTP;
    encoder->sample_rate = out_rate;
    encoder->time_base = {1, out_rate};
    if (int r = av_channel_layout_copy(&encoder->ch_layout, &layout); r < 0) fail("encoder layout", r);
    // G.711 is 64 kb/s of telephone-band audio: 4 bits a sample keeps it transparent, and the cap stays
    // well below the encoder's maximum of 6144 bits per channel and frame.
    encoder->bit_rate = int64_t{channels} * std::min(4 * out_rate, 64'000);
    encoder->profile = FF_PROFILE_AAC_LOW;
    encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // the AudioSpecificConfig goes into the MP4 sample entry
    // Its statistics at close ("Qavg: ...") are information for a developer, not for the recorder's stderr.
    encoder->log_level_offset = AV_LOG_VERBOSE - AV_LOG_INFO;
    if (int r = avcodec_open2(encoder.get(), enc, nullptr); r < 0) fail("opening the aac encoder", r);
  }

  void open_resampler() {
    SwrContext* raw = nullptr;
    int r = swr_alloc_set_opts2(&raw, &layout, AV_SAMPLE_FMT_FLTP, out_rate, &layout, decoder->sample_fmt, in_rate,
                                0, nullptr);
    swr.reset(raw);
    if (r < 0) fail("resampler", r);
    if ((r = swr_init(raw)) < 0) fail("resampler", r);
  }

  int64_t to_out_rate(int64_t pts) const {
    return av_rescale_q_rnd(pts, AVRational{in.time_base.num, in.time_base.den}, AVRational{1, out_rate},
                            static_cast<AVRounding>(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX));
  }

  void drain(std::vector<AacPacket>& out) {
    for (;;) {
      const int r = avcodec_receive_packet(encoder.get(), out_pkt.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) fail("encoding", r);
      AacPacket p;
      p.pts = out_pkt->pts;
      p.data.assign(out_pkt->data, out_pkt->data + out_pkt->size);
      out.push_back(std::move(p));
      av_packet_unref(out_pkt.get());
    }
  }

  // Encodes whole frames from the FIFO; with `last`, also the remainder as a short final frame.
  void encode(bool last, std::vector<AacPacket>& out) {
    const int frame_size = encoder->frame_size > 0 ? encoder->frame_size : 1024;
    while (av_audio_fifo_size(fifo.get()) >= frame_size || (last && av_audio_fifo_size(fifo.get()) > 0)) {
      const int n = std::min(av_audio_fifo_size(fifo.get()), frame_size);
      media::FramePtr f = media::make_frame();
      f->nb_samples = n;
      f->format = AV_SAMPLE_FMT_FLTP;
      f->sample_rate = out_rate;
      if (int r = av_channel_layout_copy(&f->ch_layout, &layout); r < 0) fail("frame layout", r);
      if (int r = av_frame_get_buffer(f.get(), 0); r < 0) fail("frame buffer", r);
      if (av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(f->data), n) != n) fail("reading samples", AVERROR_BUG);
      f->pts = stream_start + samples_encoded;
      samples_encoded += n;
      if (int r = avcodec_send_frame(encoder.get(), f.get()); r < 0) fail("encoding", r);
      drain(out);
    }
  }

  // `n` samples of silence into the FIFO (a hole in the source, or before its first frame).
  void pad(int64_t n) {
    std::vector<float> zeros(static_cast<size_t>(std::min<int64_t>(n, 4096)), 0.0f);
    std::vector<void*> ptrs(static_cast<size_t>(channels), zeros.data());
    while (n > 0) {
      const int k = static_cast<int>(std::min<int64_t>(n, static_cast<int64_t>(zeros.size())));
      if (av_audio_fifo_write(fifo.get(), ptrs.data(), k) != k) fail("buffering samples", AVERROR(ENOMEM));
      samples_in += k;
      n -= k;
    }
  }

  // Converts a decoded frame and appends it from its `skip`-th output sample on (the part the stream already has).
  void convert(const AVFrame& frame, int64_t skip) {
    const int max_out = swr_get_out_samples(swr.get(), frame.nb_samples);
    if (max_out < 0) fail("resampling", max_out);
    planes.resize(static_cast<size_t>(channels));
    std::vector<uint8_t*> ptrs;
    for (auto& p : planes) {
      p.resize(static_cast<size_t>(max_out));
      ptrs.push_back(reinterpret_cast<uint8_t*>(p.data()));
    }
    const int n = swr_convert(swr.get(), ptrs.data(), max_out, const_cast<const uint8_t**>(frame.extended_data),
                              frame.nb_samples);
    if (n < 0) fail("resampling", n);
    if (skip >= n) return;
    for (auto& p : ptrs) p += skip * static_cast<int64_t>(sizeof(float));
    const int keep = n - static_cast<int>(skip);
    if (av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(ptrs.data()), keep) != keep)
      fail("buffering samples", AVERROR(ENOMEM));
    samples_in += keep;
  }
};

namespace {
// A stream starting at `pts` with nothing in it yet.
void start_at(G711ToAac::Impl& m, int64_t pts) {
  m.streaming = true;
  m.stream_start = m.to_out_rate(pts);
  m.samples_in = m.samples_encoded = 0;
}
}  // namespace

bool G711ToAac::handles(fifo::Codec codec) noexcept {
  return codec == fifo::Codec::pcm_alaw || codec == fifo::Codec::pcm_mulaw;
}

G711ToAac::G711ToAac(const fifo::TrackInfo& g711) : impl_(std::make_unique<Impl>()) {
  if (!handles(g711.codec)) {
    throw RecorderError(RecorderErrc::unsupported,
                        "cannot transcode " + std::string(fifo::to_string(g711.codec)) + " as G.711");
  }
  Impl& m = *impl_;
  m.in = g711;
  m.in_rate = g711.sample_rate > 0 ? static_cast<int>(g711.sample_rate) : kFallbackRate;
  if (m.in.time_base.num <= 0 || m.in.time_base.den <= 0) m.in.time_base = {1, m.in_rate};
  m.channels = g711.channels > 0 ? static_cast<int>(g711.channels) : 1;
  av_channel_layout_default(&m.layout, m.channels);
  m.open_decoder();
  m.open_encoder();
  m.open_resampler();
  m.fifo.reset(av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, m.channels, m.encoder->frame_size * 2));
  if (!m.fifo) fail("sample FIFO", AVERROR(ENOMEM));

  m.aac.track_id = g711.track_id;
  m.aac.kind = fifo::MediaKind::audio;
  m.aac.codec = fifo::Codec::aac;
  m.aac.time_base = {1, m.out_rate};
  m.aac.sample_rate = static_cast<uint32_t>(m.out_rate);
  m.aac.channels = static_cast<uint32_t>(m.channels);
  m.aac.bits_per_sample = 0;
  m.aac.config.assign(m.encoder->extradata, m.encoder->extradata + m.encoder->extradata_size);
}

G711ToAac::G711ToAac(G711ToAac&&) noexcept = default;
G711ToAac& G711ToAac::operator=(G711ToAac&&) noexcept = default;
G711ToAac::~G711ToAac() = default;

const fifo::TrackInfo& G711ToAac::aac_track() const noexcept { return impl_->aac; }

int64_t G711ToAac::priming_samples() const noexcept { return impl_->encoder->initial_padding; }

void G711ToAac::start(int64_t aac_pts, std::vector<AacPacket>& out) {
  Impl& m = *impl_;
  m.streaming = true;
  m.stream_start = aac_pts;
  m.samples_in = m.samples_encoded = 0;
  // Frames pushed before the segment's first video frame may reach past it (a source interleaves audio ahead
  // of video): their part after `aac_pts` starts this stream; feed() cuts off what lies before.
  std::vector<Impl::Pushed> again;
  for (const auto& f : m.history)
    if (m.to_out_rate(f.pts) + m.samples_of(f.bytes.size()) > m.stream_start) again.push_back(f);
  for (const auto& f : again) feed(f.pts, f.bytes, out);
}

void G711ToAac::push(int64_t pts, std::span<const std::byte> g711, std::vector<AacPacket>& out) {
  if (g711.empty()) return;
  impl_->remember(pts, g711);
  feed(pts, g711, out);
}

void G711ToAac::feed(int64_t pts, std::span<const std::byte> g711, std::vector<AacPacket>& out) {
  Impl& m = *impl_;
  const int64_t at = m.to_out_rate(pts);
  if (!m.streaming) start_at(m, pts);
  // Where this frame belongs against where the stream is: a hole gets silence, an overlap is cut off. Within
  // 4 ms (containers with millisecond timestamps round) the frame simply follows.
  int64_t skip = 0;
  int64_t behind = at - (m.stream_start + m.samples_in);
  if (std::abs(behind) > kMaxFillSeconds * m.out_rate) {
    // Not a hole to fill but a jump of the source's clock: a new AAC stream from here.
    flush(out);
    start_at(m, pts);
    behind = 0;
  }
  if (behind > m.out_rate / 250) m.pad(behind);
  if (behind < -m.out_rate / 250) skip = -behind;
  av_packet_unref(m.in_pkt.get());
  if (int r = av_new_packet(m.in_pkt.get(), static_cast<int>(g711.size())); r < 0) fail("packet", r);
  std::memcpy(m.in_pkt->data, g711.data(), g711.size());
  if (int r = avcodec_send_packet(m.decoder.get(), m.in_pkt.get()); r < 0) fail("decoding", r);
  for (;;) {
    const int r = avcodec_receive_frame(m.decoder.get(), m.decoded.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) break;
    if (r < 0) fail("decoding", r);
    m.convert(*m.decoded, skip);
    skip = std::max<int64_t>(0, skip - m.decoded->nb_samples * m.out_rate / m.in_rate);
    av_frame_unref(m.decoded.get());
  }
  m.encode(false, out);
}

void G711ToAac::flush(std::vector<AacPacket>& out) {
  Impl& m = *impl_;
  if (!m.streaming) return;
  m.streaming = false;
  m.encode(true, out);
  if (int r = avcodec_send_frame(m.encoder.get(), nullptr); r < 0) fail("flushing the encoder", r);
  m.drain(out);
  // The native encoder cannot be flushed and reused: the next stream gets a fresh one (same configuration, so
  // the same AudioSpecificConfig), and a fresh resampler without the old stream's history.
  m.open_encoder();
  m.open_resampler();
  av_audio_fifo_reset(m.fifo.get());
}

}  // namespace zc::recorder
