#include "segment_writer.h"

#include <zc/catalog/files.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>
#include <zc/media/mp4_sample.h>
#include <zc/media/mp4_track.h>
#include <zc/recorder/error.h>

#include "mp4_edit_list.h"

extern "C" {
#include <libavutil/mathematics.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
}

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zc::recorder {

using catalog::UniqueFd;
using catalog::lock_whole_file;

namespace {

// The muxer keeps a fragment's samples to itself until the fragment is complete, then writes moof+mdat through
// this buffer: one that holds a whole fragment (1 s of a camera up to ~8 Mb/s) makes it one write(2) per
// fragment instead of one per 256 KiB.
constexpr int kIoBufferBytes = 1024 * 1024;

// An ADTS header in front of an AAC frame is stripped: MP4 carries raw AAC described by the AudioSpecificConfig.
std::span<const std::byte> strip_adts(std::span<const std::byte> p) {
  if (p.size() >= 7 && std::to_integer<uint8_t>(p[0]) == 0xFF && (std::to_integer<uint8_t>(p[1]) & 0xF6) == 0xF0) {
    const bool has_crc = (std::to_integer<uint8_t>(p[1]) & 0x01) == 0;
    const size_t header = has_crc ? 9 : 7;
    if (p.size() > header) return p.subspan(header);
  }
  return p;
}

}  // namespace

struct SegmentWriter::Impl {
  std::filesystem::path path;  // names the output in errors ("live view" for a sink)
  std::shared_ptr<StorageIo> io;  // the file's system calls (storage_io.h); null for a sink
  UniqueFd fd;                 // -1 when writing into a sink
  SegmentWriter::ByteSink sink;
  int write_errno = 0;
  bool fsync_fragments = false;
  // While set, the muxer's output is collected here instead of written: the header, for its edit lists.
  std::optional<std::vector<uint8_t>> header;
  media::CustomIoPtr avio;
  media::OutputFormatPtr fmt;
  media::PacketPtr pkt = media::make_packet();
  AVStream* video_stream = nullptr;
  AVStream* audio_stream = nullptr;
  AVRational video_tb{1, 90000}, audio_tb{1, 48000};
  uint32_t video_track = 0, audio_track = 0;
  bool has_audio = false;
  // With an avcC/hvcC extradata the muxer takes samples as they are: we convert Annex-B ourselves into `sample`.
  bool video_length_prefixed = false;
  std::vector<uint8_t> sample;
  std::optional<int64_t> base_ns;  // first video dts in ns: subtracted from every track
  int64_t durable = 0;
  bool finished = false;
  int64_t last_video_dts = AV_NOPTS_VALUE, last_audio_dts = AV_NOPTS_VALUE;
  int64_t last_video_step = 0, last_audio_step = 0;
  bool video_after_hole = false, audio_after_hole = false;  // see flush_fragment()
  int64_t audio_priming_tb = 0;  // in audio_tb
  int64_t audio_priming = 0;     // in the muxer's audio time base

  ~Impl() { release_muxer(); }
  // Our AVIOContext is not the muxer's to close: detach it first.
  void release_muxer() noexcept {
    if (fmt) fmt->pb = nullptr;
    fmt.reset();
    avio.reset();
  }

  static int write_packet(void* opaque, uint8_t* buf, int size) {
    auto* self = static_cast<Impl*>(opaque);
    if (self->header) {
      self->header->insert(self->header->end(), buf, buf + size);
      return size;
    }
    return self->write_all(buf, size) ? size : AVERROR(self->write_errno);
  }

  bool write_all(const uint8_t* buf, int size) {
    if (sink) {
      if (sink(buf, static_cast<size_t>(size))) return true;
      write_errno = EPIPE;
      return false;
    }
    size_t done = 0;
    while (done < static_cast<size_t>(size)) {
      const ssize_t n = io->write(fd.get(), buf + done, static_cast<size_t>(size) - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        write_errno = errno;
        return false;
      }
      done += static_cast<size_t>(n);
    }
    return true;
  }

  [[noreturn]] void fail(const std::string& what, int averr) {
    if (write_errno != 0) throw_io_error(what + " " + path.string(), write_errno);
    throw RecorderError(RecorderErrc::media, media::av_error_text(what + " " + path.string(), averr));
  }

  // Pushes libavformat's buffered bytes into the file; throws on a write error (a full disk among them).
  void flush_io() {
    avio_flush(avio.get());
    if (write_errno != 0 || avio->error < 0) fail("writing", avio->error);
  }

  // After a muxer call that started at file offset `before`: if it produced a fragment, pushes it into the file
  // (and onto the disk if asked) and counts it durable.
  bool complete_fragment(int64_t before) {
    const int64_t after = avio_tell(avio.get());
    if (after <= before) return false;
    flush_io();
    if (fsync_fragments && fd.get() >= 0 && io->fdatasync(fd.get()) != 0)
      throw_io_error("fdatasync " + path.string(), errno);
    durable = after;
    return true;
  }
};

namespace {

// Everything that can be refused is refused before a file exists.
void check_tracks(const fifo::TrackInfo& video, const fifo::TrackInfo* audio) {
  if (video.codec != fifo::Codec::h264 && video.codec != fifo::Codec::h265) {
    throw RecorderError(RecorderErrc::unsupported,
                        "cannot record video codec " + std::string(fifo::to_string(video.codec)) + " into MP4");
  }
  if (video.config.empty() || video.width == 0 || video.height == 0) {
    throw RecorderError(RecorderErrc::no_stream, "video track has no codec configuration or size yet");
  }
  if (audio != nullptr && audio->codec != fifo::Codec::aac) {
    throw RecorderError(RecorderErrc::unsupported,
                        "cannot record audio codec " + std::string(fifo::to_string(audio->codec)) + " into MP4");
  }
}

// The muxer and its header, the same for a file and a sink.
void start_muxer(SegmentWriter::Impl* impl, const fifo::TrackInfo& video, const fifo::TrackInfo* audio,
                 const SegmentWriterOptions& options) {
  AVFormatContext* raw = nullptr;
  int rc = avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr);
  if (rc < 0 || raw == nullptr) impl->fail("creating mp4 muxer for", rc);
  impl->fmt.reset(raw);
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferBytes));
  impl->avio.reset(
      avio_alloc_context(buffer, kIoBufferBytes, 1, impl, nullptr, &SegmentWriter::Impl::write_packet, nullptr));
  if (!impl->avio) {
    av_free(buffer);
    throw RecorderError(RecorderErrc::media, "out of memory for AVIOContext");
  }
  impl->avio->seekable = 0;
  raw->pb = impl->avio.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;

  // One track setup with export (zc/media/mp4_track.h); what is the recorder's own: samples converted to
  // length-prefixed here, the tracks' own time bases, and AAC's frame size for the last sample's duration.
  try {
    const media::Mp4Track v = media::add_mp4_track(
        *raw, video, {.time_base = {video.time_base.num, video.time_base.den}, .length_prefixed_video = true});
    impl->video_stream = v.stream;
    impl->video_length_prefixed = v.length_prefixed;
    if (audio != nullptr)
      impl->audio_stream =
          media::add_mp4_track(*raw, *audio, {.time_base = {audio->time_base.num, audio->time_base.den},
                                              .aac_frame_size = true})
              .stream;
  } catch (const media::MediaError& e) {
    throw RecorderError(RecorderErrc::media, impl->path.string() + ": " + e.what());
  }
  impl->video_tb = {video.time_base.num, video.time_base.den};
  if (options.first_video_dts)
    impl->base_ns = av_rescale_q(*options.first_video_dts, impl->video_tb, AVRational{1, 1'000'000'000});
  impl->video_track = video.track_id;
  if (audio != nullptr) {
    impl->audio_tb = {audio->time_base.num, audio->time_base.den};
    impl->audio_track = audio->track_id;
    impl->has_audio = true;
    impl->audio_priming_tb = options.audio_priming;
  }

  AVDictionary* d = nullptr;
  // Each track's first sample keeps its own time (tfdt): without frag_discont the muxer moves a track's first
  // sample to zero, and audio that starts after the keyframe would play early by up to a fragment.
  av_dict_set(&d, "movflags", "frag_keyframe+empty_moov+default_base_moof+frag_discont", 0);
  av_dict_set_int(&d, "use_editlist", 0, 0);
  raw->avoid_negative_ts = AVFMT_AVOID_NEG_TS_MAKE_NON_NEGATIVE;
  av_dict_set_int(&d, "frag_duration", options.max_fragment_us, 0);
  impl->header.emplace();
  rc = avformat_write_header(raw, &d);
  av_dict_free(&d);
  if (rc < 0) impl->fail("writing MP4 header of", rc);
  if (impl->audio_stream != nullptr)
    impl->audio_priming = av_rescale_q(impl->audio_priming_tb, impl->audio_tb, impl->audio_stream->time_base);
  avio_flush(impl->avio.get());
  std::vector<uint8_t> header = std::move(*impl->header);
  impl->header.reset();
  if (options.first_composition_offset > 0 || impl->audio_priming > 0) {
    // Every track starts where the first video frame is presented, so the tracks keep their distance.
    std::vector<int64_t> media_times;
    for (unsigned i = 0; i < raw->nb_streams; ++i)
      media_times.push_back(av_rescale_q(options.first_composition_offset, impl->video_tb, raw->streams[i]->time_base));
    if (impl->audio_stream != nullptr) media_times[static_cast<size_t>(impl->audio_stream->index)] += impl->audio_priming;
    header = mp4_edit_list::insert(header, media_times);
  }
  if (!impl->write_all(header.data(), static_cast<int>(header.size()))) impl->fail("writing MP4 header of", 0);
  // The muxer's positions must stay file offsets (keyframe byte offsets, the trailer's tfra entries): move its
  // idea of the position past the bytes the edit lists added. Nothing is buffered, and the context never seeks.
  impl->avio->pos += static_cast<int64_t>(header.size()) - avio_tell(impl->avio.get());
  impl->durable = avio_tell(impl->avio.get());
}

}  // namespace

SegmentWriter SegmentWriter::create(const std::filesystem::path& path, const fifo::TrackInfo& video,
                                    const fifo::TrackInfo* audio, const SegmentWriterOptions& options) {
  check_tracks(video, audio);
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->fsync_fragments = options.fsync_fragments;
  impl->io = options.io ? options.io : std::make_shared<PosixStorageIo>();
  impl->fd = impl->io->create_new(path);
  lock_whole_file(impl->fd.get(), path);
  start_muxer(impl.get(), video, audio, options);
  if (impl->io->fdatasync(impl->fd.get()) != 0) throw_io_error("fdatasync " + path.string(), errno);
  impl->io->fsync_parent_dir(path);
  return SegmentWriter(std::move(impl));
}

SegmentWriter SegmentWriter::create_streaming(ByteSink sink, const fifo::TrackInfo& video,
                                              const fifo::TrackInfo* audio, const SegmentWriterOptions& options) {
  check_tracks(video, audio);
  auto impl = std::make_unique<Impl>();
  impl->path = "live view";
  impl->sink = std::move(sink);
  start_muxer(impl.get(), video, audio, options);
  return SegmentWriter(std::move(impl));
}

SegmentWriter::SegmentWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SegmentWriter::SegmentWriter(SegmentWriter&&) noexcept = default;
SegmentWriter& SegmentWriter::operator=(SegmentWriter&&) noexcept = default;

SegmentWriter::~SegmentWriter() {
  // Release libavformat before the fd: it must not flush into a closed descriptor. Buffered bytes of the
  // open fragment are dropped on purpose: the file ends at its last complete fragment, like after a crash.
  if (impl_ && !impl_->finished) abandon();
}

SegmentWriter::WriteResult SegmentWriter::write(const fifo::FrameHeader& header, std::span<const std::byte> payload) {
  Impl& m = *impl_;
  const bool is_video = header.track == m.video_track;
  if (!is_video && (!m.has_audio || header.track != m.audio_track)) return {};
  AVStream* st = is_video ? m.video_stream : m.audio_stream;
  const AVRational tb = is_video ? m.video_tb : m.audio_tb;
  if (!is_video) payload = strip_adts(payload);
  if (!m.base_ns) {
    if (!is_video) return {};  // audio before the first video frame would start the file before its keyframe
    m.base_ns = av_rescale_q(header.dts, tb, AVRational{1, 1'000'000'000});
  }
  const int64_t base = av_rescale_q(*m.base_ns, AVRational{1, 1'000'000'000}, tb);
  AVPacket* p = m.pkt.get();
  av_packet_unref(p);
  if (is_video && m.video_length_prefixed) {
    m.sample.reserve(payload.size() + 64 + AV_INPUT_BUFFER_PADDING_SIZE);
    media::mp4_sample::from_annexb(payload, m.sample);
    // A malformed frame without a single NAL unit goes in as it is: the muxer drops empty packets, and the
    // file would then hold one sample fewer than the catalog counts.
    if (m.sample.empty()) m.sample.assign(reinterpret_cast<const uint8_t*>(payload.data()),
                                          reinterpret_cast<const uint8_t*>(payload.data()) + payload.size());
    if (m.sample.capacity() < m.sample.size() + AV_INPUT_BUFFER_PADDING_SIZE)
      m.sample.reserve(m.sample.size() + AV_INPUT_BUFFER_PADDING_SIZE);
    // A packet without a buffer reference: av_write_frame() does not take ownership, and the muxer copies the
    // sample into its fragment before returning.
    p->data = m.sample.data();
    p->size = static_cast<int>(m.sample.size());
  } else {
    if (av_new_packet(p, static_cast<int>(payload.size())) < 0)
      throw RecorderError(RecorderErrc::media, "out of memory");
    std::memcpy(p->data, payload.data(), payload.size());
  }
  p->stream_index = st->index;
  p->pts = av_rescale_q(header.pts - base, tb, st->time_base);
  p->dts = av_rescale_q(header.dts - base, tb, st->time_base);
  if (!is_video) {
    p->pts += m.audio_priming;
    p->dts += m.audio_priming;
  }
  if (!is_video && p->dts < 0) return {};  // audio that precedes the segment's first video frame
  // A frame cannot be shown before it is decoded; the muxer refuses such a packet, which would end the whole
  // recording. Sources get it wrong (an RTP client that has not yet learned a camera's B-frame depth): the frame
  // is shown at its decoding time instead, a few milliseconds off, and the owner is told once.
  const bool pts_raised = p->pts < p->dts;
  if (pts_raised) p->pts = p->dts;
  if (header.is_key() || !is_video) p->flags |= AV_PKT_FLAG_KEY;
  // The ring carries no durations: the previous dts step is the best estimate for the newest frame.
  int64_t& last_dts = is_video ? m.last_video_dts : m.last_audio_dts;
  int64_t& last_step = is_video ? m.last_video_step : m.last_audio_step;
  bool& after_hole = is_video ? m.video_after_hole : m.audio_after_hole;
  if (last_dts != AV_NOPTS_VALUE && p->dts > last_dts && !after_hole) last_step = p->dts - last_dts;
  after_hole = false;
  last_dts = p->dts;
  p->duration = last_step;

  const int64_t before = avio_tell(m.avio.get());
  const int rc = av_write_frame(m.fmt.get(), p);
  if (rc < 0) m.fail("muxing a frame into", rc);
  WriteResult r;
  r.pts_raised = pts_raised;
  r.fragment_start = avio_tell(m.avio.get());
  r.fragment_completed = m.complete_fragment(before);
  return r;
}

bool SegmentWriter::flush_fragment() {
  Impl& m = *impl_;
  const int64_t before = avio_tell(m.avio.get());
  // A fragmenting muxer writes the fragment it holds when given no packet.
  const int rc = av_write_frame(m.fmt.get(), nullptr);
  if (rc < 0) m.fail("writing a fragment of", rc);
  m.video_after_hole = m.audio_after_hole = true;
  // The muxer takes frag_discont once per packet it sees it on: armed again, the next fragment's decode time
  // (tfdt) is its first sample's dts instead of the sum of the durations before it, so the hole stays in the
  // file's timeline and what follows keeps its place against wall time.
  const int orc = av_opt_set(m.fmt->priv_data, "movflags", "+frag_discont", 0);
  if (orc < 0) m.fail("marking a discontinuity in", orc);
  return m.complete_fragment(before);
}

int64_t SegmentWriter::audio_time_of(int64_t video_dts) const noexcept {
  const AVRational ns{1, 1'000'000'000};
  return av_rescale_q(av_rescale_q(video_dts, impl_->video_tb, ns), ns, impl_->audio_tb);
}

int64_t SegmentWriter::durable_bytes() const noexcept { return impl_->durable; }

int SegmentWriter::fd() const noexcept { return impl_->fd.get(); }

void SegmentWriter::finish() {
  Impl& m = *impl_;
  const int rc = av_write_trailer(m.fmt.get());
  if (rc < 0) m.fail("writing MP4 trailer of", rc);
  m.flush_io();
  if (m.fd.get() >= 0 && m.io->fdatasync(m.fd.get()) != 0) throw_io_error("fdatasync " + m.path.string(), errno);
  m.durable = avio_tell(m.avio.get());
  m.finished = true;
  m.release_muxer();
  m.fd.reset();
}

void SegmentWriter::abandon() noexcept {
  Impl& m = *impl_;
  m.finished = true;
  m.release_muxer();
  if (m.fd.get() >= 0) {
    // A partial fragment (e.g. half-written into a full disk) is cut away, which also gives the space back.
    if (m.io->ftruncate(m.fd.get(), m.durable) == 0) (void)m.io->fdatasync(m.fd.get());
    m.fd.reset();
  }
}

}  // namespace zc::recorder
