#include "movenc_segment.h"

#include <zc/media/ffmpeg_ptr.h>
#include <zc/media/mp4_sample.h>
#include <zc/media/mp4_track.h>

#include "mp4_edit_list.h"

extern "C" {
#include <libavutil/mathematics.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
}

#include <cstring>
#include <stdexcept>
#include <vector>

namespace zc::test {

namespace {

std::span<const std::byte> strip_adts(std::span<const std::byte> p) {
  if (p.size() >= 7 && std::to_integer<uint8_t>(p[0]) == 0xFF && (std::to_integer<uint8_t>(p[1]) & 0xF6) == 0xF0) {
    const size_t header = (std::to_integer<uint8_t>(p[1]) & 0x01) == 0 ? 9 : 7;
    if (p.size() > header) return p.subspan(header);
  }
  return p;
}

void check(int rc, const std::string& what) {
  if (rc < 0) throw std::runtime_error(what + ": libavformat error " + std::to_string(rc));
}

}  // namespace

struct MovencSegment::Impl {
  std::string out;
  bool collecting_header = true;
  std::vector<uint8_t> header;
  media::CustomIoPtr avio;
  media::OutputFormatPtr fmt;
  media::PacketPtr pkt = media::make_packet();
  AVStream* video_stream = nullptr;
  AVStream* audio_stream = nullptr;
  AVRational video_tb{1, 90000}, audio_tb{1, 48000};
  uint32_t video_track = 0, audio_track = 0;
  bool has_audio = false, video_length_prefixed = false;
  std::vector<uint8_t> sample;
  std::optional<int64_t> base_ns;
  int64_t last_video_dts = AV_NOPTS_VALUE, last_audio_dts = AV_NOPTS_VALUE;
  int64_t last_video_step = 0, last_audio_step = 0;
  bool video_after_hole = false, audio_after_hole = false;
  int64_t audio_priming = 0;

  ~Impl() {
    if (fmt) fmt->pb = nullptr;
    fmt.reset();
    avio.reset();
  }
  static int write_packet(void* opaque, uint8_t* buf, int size) {
    auto* self = static_cast<Impl*>(opaque);
    if (self->collecting_header) {
      self->header.insert(self->header.end(), buf, buf + size);
    } else {
      self->out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(size));
    }
    return size;
  }
};

MovencSegment::MovencSegment(const fifo::TrackInfo& video, const fifo::TrackInfo* audio,
                             const MovencSegmentOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  AVFormatContext* raw = nullptr;
  check(avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr), "mp4 muxer");
  m.fmt.reset(raw);
  constexpr int kBytes = 1024 * 1024;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kBytes));
  m.avio.reset(avio_alloc_context(buffer, kBytes, 1, &m, nullptr, &Impl::write_packet, nullptr));
  m.avio->seekable = 0;
  raw->pb = m.avio.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  const media::Mp4Track v = media::add_mp4_track(
      *raw, video, {.time_base = {video.time_base.num, video.time_base.den}, .length_prefixed_video = true});
  m.video_stream = v.stream;
  m.video_length_prefixed = v.length_prefixed;
  if (audio != nullptr)
    m.audio_stream = media::add_mp4_track(*raw, *audio,
                                          {.time_base = {audio->time_base.num, audio->time_base.den},
                                           .aac_frame_size = true})
                         .stream;
  m.video_tb = {video.time_base.num, video.time_base.den};
  if (options.first_video_dts)
    m.base_ns = av_rescale_q(*options.first_video_dts, m.video_tb, AVRational{1, 1'000'000'000});
  m.video_track = video.track_id;
  if (audio != nullptr) {
    m.audio_tb = {audio->time_base.num, audio->time_base.den};
    m.audio_track = audio->track_id;
    m.has_audio = true;
  }
  AVDictionary* d = nullptr;
  av_dict_set(&d, "movflags", "frag_keyframe+empty_moov+default_base_moof+frag_discont", 0);
  av_dict_set_int(&d, "use_editlist", 0, 0);
  raw->avoid_negative_ts = AVFMT_AVOID_NEG_TS_MAKE_NON_NEGATIVE;
  av_dict_set_int(&d, "frag_duration", options.max_fragment_us, 0);
  const int rc = avformat_write_header(raw, &d);
  av_dict_free(&d);
  check(rc, "header");
  if (m.audio_stream != nullptr)
    m.audio_priming = av_rescale_q(options.audio_priming, m.audio_tb, m.audio_stream->time_base);
  avio_flush(m.avio.get());
  std::vector<uint8_t> header = std::move(m.header);
  m.collecting_header = false;
  if (options.first_composition_offset > 0 || m.audio_priming > 0) {
    std::vector<int64_t> media_times;
    for (unsigned i = 0; i < raw->nb_streams; ++i)
      media_times.push_back(av_rescale_q(options.first_composition_offset, m.video_tb, raw->streams[i]->time_base));
    if (m.audio_stream != nullptr) media_times[static_cast<size_t>(m.audio_stream->index)] += m.audio_priming;
    header = recorder::mp4_edit_list::insert(header, media_times);
  }
  m.out.assign(reinterpret_cast<const char*>(header.data()), header.size());
  m.avio->pos += static_cast<int64_t>(header.size()) - avio_tell(m.avio.get());
}

MovencSegment::~MovencSegment() = default;

void MovencSegment::write(const fifo::FrameHeader& header, std::span<const std::byte> payload) {
  Impl& m = *impl_;
  const bool is_video = header.track == m.video_track;
  if (!is_video && (!m.has_audio || header.track != m.audio_track)) return;
  AVStream* st = is_video ? m.video_stream : m.audio_stream;
  const AVRational tb = is_video ? m.video_tb : m.audio_tb;
  if (!is_video) payload = strip_adts(payload);
  if (!m.base_ns) {
    if (!is_video) return;
    m.base_ns = av_rescale_q(header.dts, tb, AVRational{1, 1'000'000'000});
  }
  const int64_t base = av_rescale_q(*m.base_ns, AVRational{1, 1'000'000'000}, tb);
  AVPacket* p = m.pkt.get();
  av_packet_unref(p);
  if (is_video && m.video_length_prefixed) {
    media::mp4_sample::from_annexb(payload, m.sample);
    if (m.sample.empty())
      m.sample.assign(reinterpret_cast<const uint8_t*>(payload.data()),
                      reinterpret_cast<const uint8_t*>(payload.data()) + payload.size());
    m.sample.reserve(m.sample.size() + AV_INPUT_BUFFER_PADDING_SIZE);
    p->data = m.sample.data();
    p->size = static_cast<int>(m.sample.size());
  } else {
    check(av_new_packet(p, static_cast<int>(payload.size())), "packet");
    std::memcpy(p->data, payload.data(), payload.size());
  }
  p->stream_index = st->index;
  p->pts = av_rescale_q(header.pts - base, tb, st->time_base);
  p->dts = av_rescale_q(header.dts - base, tb, st->time_base);
  if (!is_video) {
    p->pts += m.audio_priming;
    p->dts += m.audio_priming;
  }
  if (!is_video && p->dts < 0) return;
  if (p->pts < p->dts) p->pts = p->dts;
  if (header.is_key() || !is_video) p->flags |= AV_PKT_FLAG_KEY;
  int64_t& last_dts = is_video ? m.last_video_dts : m.last_audio_dts;
  int64_t& last_step = is_video ? m.last_video_step : m.last_audio_step;
  bool& after_hole = is_video ? m.video_after_hole : m.audio_after_hole;
  if (last_dts != AV_NOPTS_VALUE && p->dts > last_dts && !after_hole) last_step = p->dts - last_dts;
  after_hole = false;
  last_dts = p->dts;
  p->duration = last_step;
  check(av_write_frame(m.fmt.get(), p), "muxing a frame");
  avio_flush(m.avio.get());
}

void MovencSegment::flush_fragment() {
  Impl& m = *impl_;
  check(av_write_frame(m.fmt.get(), nullptr), "flushing a fragment");
  m.video_after_hole = m.audio_after_hole = true;
  check(av_opt_set(m.fmt->priv_data, "movflags", "+frag_discont", 0), "frag_discont");
  avio_flush(m.avio.get());
}

void MovencSegment::finish() {
  check(av_write_trailer(impl_->fmt.get()), "trailer");
  avio_flush(impl_->avio.get());
}

const std::string& MovencSegment::bytes() const { return impl_->out; }

}  // namespace zc::test
