#include "segment_writer.h"

#include <zc/catalog/files.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>
#include <zc/media/mp4_sample.h>
#include <zc/media/mp4_track.h>
#include <zc/recorder/error.h>

#include "fragment_muxer.h"
#include "mp4_edit_list.h"

#include <zc/media/annexb_scan.h>

extern "C" {
#include <libavutil/mathematics.h>
#include <libavutil/mem.h>
}

#include <cerrno>

namespace zc::recorder {

using catalog::UniqueFd;
using catalog::lock_whole_file;

namespace {

// libavformat writes only the header (ftyp + moov) through this buffer; the fragments are ours (fragment_muxer.h).
constexpr int kIoBufferBytes = 64 * 1024;

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
  // libavformat's muxer, only until it has written the header (collected here, for its edit lists).
  std::vector<uint8_t> header;
  media::CustomIoPtr avio;
  media::OutputFormatPtr fmt;
  // The fragments: track 0 is the video, track 1 the audio (if any).
  std::optional<FragmentMuxer> fragments;
  FragmentMuxer::SampleForm video_form = FragmentMuxer::SampleForm::annexb_to_length_prefixed;
  AVRational video_tb{1, 90000}, audio_tb{1, 48000};              // the ring's
  AVRational video_file_tb{1, 90000}, audio_file_tb{1, 48000};    // the file's (the header's timescales)
  uint32_t video_track = 0, audio_track = 0;
  bool has_audio = false;
  std::optional<int64_t> base_ns;  // first video dts in ns: subtracted from every track
  int64_t durable = 0;
  bool finished = false;
  int64_t last_video_dts = AV_NOPTS_VALUE, last_audio_dts = AV_NOPTS_VALUE;
  int64_t last_video_step = 0, last_audio_step = 0;
  bool video_after_hole = false, audio_after_hole = false;  // see flush_fragment()
  int64_t audio_priming_tb = 0;  // in audio_tb
  int64_t audio_priming = 0;     // in the file's audio time base

  ~Impl() { release_muxer(); }
  // Our AVIOContext is not the muxer's to close: detach it first.
  void release_muxer() noexcept {
    if (fmt) fmt->pb = nullptr;
    fmt.reset();
    avio.reset();
  }

  static int collect_header(void* opaque, uint8_t* buf, int size) {
    auto* self = static_cast<Impl*>(opaque);
    self->header.insert(self->header.end(), buf, buf + size);
    return size;
  }

  bool write_all(const uint8_t* buf, size_t size) {
    const iovec part{const_cast<uint8_t*>(buf), size};
    return write_all(std::span<const iovec>(&part, 1));
  }

  // Every byte of `parts` into the file (a short writev goes on where it stopped) or the sink.
  bool write_all(std::span<const iovec> parts) {
    if (sink) {
      for (const iovec& p : parts) {
        if (p.iov_len == 0 || sink(static_cast<const uint8_t*>(p.iov_base), p.iov_len)) continue;
        write_errno = EPIPE;
        return false;
      }
      return true;
    }
    std::vector<iovec> rest;
    for (const iovec& p : parts)
      if (p.iov_len > 0) rest.push_back(p);
    const size_t n = rest.size();
    size_t first = 0;
    while (first < n) {
      const ssize_t w = io->writev(fd.get(), rest.data() + first, static_cast<int>(n - first));
      if (w < 0) {
        if (errno == EINTR) continue;
        write_errno = errno;
        return false;
      }
      auto done = static_cast<size_t>(w);
      while (first < n && done >= rest[first].iov_len) done -= rest[first++].iov_len;
      if (first < n) {
        rest[first].iov_base = static_cast<uint8_t*>(rest[first].iov_base) + done;
        rest[first].iov_len -= done;
      }
    }
    return true;
  }

  [[noreturn]] void fail(const std::string& what, int averr) {
    if (write_errno != 0) throw_io_error(what + " " + path.string(), write_errno);
    throw RecorderError(RecorderErrc::media, media::av_error_text(what + " " + path.string(), averr));
  }

  // After the fragment muxer wrote a fragment: onto the disk if asked, and durable.
  bool complete_fragment(bool wrote) {
    if (!wrote) return false;
    if (fsync_fragments && fd.get() >= 0 && io->fdatasync(fd.get()) != 0)
      throw_io_error("fdatasync " + path.string(), errno);
    durable = static_cast<int64_t>(fragments->position());
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

// The header by libavformat's muxer, then our fragment muxer; the same for a file and a sink.
void start_muxer(SegmentWriter::Impl* impl, const fifo::TrackInfo& video, const fifo::TrackInfo* audio,
                 const SegmentWriterOptions& options) {
  AVFormatContext* raw = nullptr;
  int rc = avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr);
  if (rc < 0 || raw == nullptr) impl->fail("creating mp4 muxer for", rc);
  impl->fmt.reset(raw);
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferBytes));
  impl->avio.reset(
      avio_alloc_context(buffer, kIoBufferBytes, 1, impl, nullptr, &SegmentWriter::Impl::collect_header, nullptr));
  if (!impl->avio) {
    av_free(buffer);
    throw RecorderError(RecorderErrc::media, "out of memory for AVIOContext");
  }
  impl->avio->seekable = 0;
  raw->pb = impl->avio.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;

  // One track setup with export (zc/media/mp4_track.h); what is the recorder's own: samples converted to
  // length-prefixed here, the tracks' own time bases, and AAC's frame size for the last sample's duration.
  AVStream* video_stream = nullptr;
  AVStream* audio_stream = nullptr;
  bool length_prefixed = false;
  try {
    const media::Mp4Track v = media::add_mp4_track(
        *raw, video, {.time_base = {video.time_base.num, video.time_base.den}, .length_prefixed_video = true});
    video_stream = v.stream;
    length_prefixed = v.length_prefixed;
    if (audio != nullptr)
      audio_stream =
          media::add_mp4_track(*raw, *audio, {.time_base = {audio->time_base.num, audio->time_base.den},
                                              .aac_frame_size = true})
              .stream;
  } catch (const media::MediaError& e) {
    throw RecorderError(RecorderErrc::media, impl->path.string() + ": " + e.what());
  }
  // Without an avcC/hvcC record libavformat was given the Annex-B parameter sets and would have converted each
  // sample itself; a configuration in another form means samples that are stored as they come.
  const bool annexb_config =
      media::annexb::starts_with_start_code({video.config.data(), video.config.size()});
  impl->video_form = length_prefixed || annexb_config ? FragmentMuxer::SampleForm::annexb_to_length_prefixed
                                                      : FragmentMuxer::SampleForm::as_is;
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
  // The header libavformat writes for the fragments it would have written itself with these flags (the moov's
  // mvex); fragment_muxer.h follows them.
  av_dict_set(&d, "movflags", "frag_keyframe+empty_moov+default_base_moof+frag_discont", 0);
  av_dict_set_int(&d, "use_editlist", 0, 0);
  raw->avoid_negative_ts = AVFMT_AVOID_NEG_TS_MAKE_NON_NEGATIVE;
  av_dict_set_int(&d, "frag_duration", options.max_fragment_us, 0);
  rc = avformat_write_header(raw, &d);
  av_dict_free(&d);
  if (rc < 0) impl->fail("writing MP4 header of", rc);
  avio_flush(impl->avio.get());
  // The muxer has chosen each track's timescale (the streams' time bases now).
  impl->video_file_tb = video_stream->time_base;
  std::vector<FragmentMuxer::TrackSetup> tracks;
  // libavformat's guess for a packet without a duration: a video stream without a frame rate gets none
  // (unless its timescale is below 1 kHz), AAC one frame.
  const AVRational vtb = video_stream->time_base;
  tracks.push_back({.track_id = static_cast<uint32_t>(video_stream->index + 1),
                    .video = true,
                    .time_base = vtb,
                    .guessed_duration = vtb.num * 1000LL > vtb.den ? 1 : 0});
  if (audio_stream != nullptr) {
    impl->audio_file_tb = audio_stream->time_base;
    impl->audio_priming = av_rescale_q(impl->audio_priming_tb, impl->audio_tb, impl->audio_file_tb);
    const int rate = audio_stream->codecpar->sample_rate;
    tracks.push_back({.track_id = static_cast<uint32_t>(audio_stream->index + 1),
                      .video = false,
                      .time_base = audio_stream->time_base,
                      .guessed_duration = rate > 0 ? av_rescale_q(1024, AVRational{1, rate}, audio_stream->time_base)
                                                   : 0});
  }
  std::vector<uint8_t> header = std::move(impl->header);
  impl->header.clear();
  impl->release_muxer();
  if (options.first_composition_offset > 0 || impl->audio_priming > 0) {
    // Every track starts where the first video frame is presented, so the tracks keep their distance.
    std::vector<int64_t> media_times{av_rescale_q(options.first_composition_offset, impl->video_tb, impl->video_file_tb)};
    if (impl->has_audio)
      media_times.push_back(av_rescale_q(options.first_composition_offset, impl->video_tb, impl->audio_file_tb) +
                            impl->audio_priming);
    header = mp4_edit_list::insert(header, media_times);
  }
  if (!impl->write_all(header.data(), header.size())) impl->fail("writing MP4 header of", 0);
  impl->durable = static_cast<int64_t>(header.size());
  impl->fragments.emplace(std::move(tracks), options.max_fragment_us, header.size(),
                          [impl](std::span<const iovec> parts) {
                            if (!impl->write_all(parts)) impl->fail("writing", 0);
                          });
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
  const AVRational tb = is_video ? m.video_tb : m.audio_tb;
  const AVRational file_tb = is_video ? m.video_file_tb : m.audio_file_tb;
  if (!is_video) payload = strip_adts(payload);
  if (!m.base_ns) {
    if (!is_video) return {};  // audio before the first video frame would start the file before its keyframe
    m.base_ns = av_rescale_q(header.dts, tb, AVRational{1, 1'000'000'000});
  }
  const int64_t base = av_rescale_q(*m.base_ns, AVRational{1, 1'000'000'000}, tb);
  FragmentMuxer::Packet p;
  p.track = is_video ? 0 : 1;
  p.pts = av_rescale_q(header.pts - base, tb, file_tb);
  p.dts = av_rescale_q(header.dts - base, tb, file_tb);
  if (!is_video) {
    p.pts += m.audio_priming;
    p.dts += m.audio_priming;
  }
  if (!is_video && p.dts < 0) return {};  // audio that precedes the segment's first video frame
  // A frame cannot be shown before it is decoded; libavformat refused such a packet, which would end the whole
  // recording. Sources get it wrong (an RTP client that has not yet learned a camera's B-frame depth): the frame
  // is shown at its decoding time instead, a few milliseconds off, and the owner is told once.
  const bool pts_raised = p.pts < p.dts;
  if (pts_raised) p.pts = p.dts;
  p.key = header.is_key() || !is_video;
  // The ring carries no durations: the previous dts step is the best estimate for the newest frame.
  int64_t& last_dts = is_video ? m.last_video_dts : m.last_audio_dts;
  int64_t& last_step = is_video ? m.last_video_step : m.last_audio_step;
  bool& after_hole = is_video ? m.video_after_hole : m.audio_after_hole;
  if (last_dts != AV_NOPTS_VALUE && p.dts > last_dts && !after_hole) last_step = p.dts - last_dts;
  after_hole = false;
  last_dts = p.dts;
  p.duration = last_step;

  const int rc = m.fragments->add(p, payload, is_video ? m.video_form : FragmentMuxer::SampleForm::as_is);
  if (rc < 0) m.fail("muxing a frame into", rc);
  WriteResult r;
  r.pts_raised = pts_raised;
  r.fragment_start = static_cast<int64_t>(m.fragments->position());
  r.fragment_completed = m.complete_fragment(rc > 0);
  return r;
}

bool SegmentWriter::flush_fragment() {
  Impl& m = *impl_;
  const bool wrote = m.fragments->flush();
  m.video_after_hole = m.audio_after_hole = true;
  // The next fragment's decode time (tfdt) is its first sample's dts instead of the sum of the durations
  // before it, so the hole stays in the file's timeline and what follows keeps its place against wall time.
  m.fragments->mark_discontinuity();
  return m.complete_fragment(wrote);
}

int64_t SegmentWriter::audio_time_of(int64_t video_dts) const noexcept {
  const AVRational ns{1, 1'000'000'000};
  return av_rescale_q(av_rescale_q(video_dts, impl_->video_tb, ns), ns, impl_->audio_tb);
}

int64_t SegmentWriter::durable_bytes() const noexcept { return impl_->durable; }

int SegmentWriter::fd() const noexcept { return impl_->fd.get(); }

void SegmentWriter::finish() {
  Impl& m = *impl_;
  m.fragments->finish();
  if (m.fd.get() >= 0 && m.io->fdatasync(m.fd.get()) != 0) throw_io_error("fdatasync " + m.path.string(), errno);
  m.durable = static_cast<int64_t>(m.fragments->position());
  m.finished = true;
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
