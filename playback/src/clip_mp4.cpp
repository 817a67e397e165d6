#include <zc/playback/clip_mp4.h>
#include <zc/playback/error.h>

#include <zc/fifo/unique_fd.h>

#include "mp4_boxes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace zc::playback {

namespace {

using Shifts = std::vector<std::pair<uint32_t, int64_t>>;

struct Source {
  fifo::UniqueFd fd;
  std::string path;
  Shifts shifts;  // added to each track's tfdt
};

enum class PieceKind { header, moof, mdat };

struct Piece {
  int64_t at = 0;  // offset in the clip
  int64_t size = 0;
  PieceKind kind = PieceKind::header;
  size_t source = 0;
  int64_t src_offset = 0;  // in the segment file
  uint32_t sequence = 0;   // moof: its mfhd number in the clip
};

[[noreturn]] void unreadable(const std::string& path, const std::string& what) {
  throw PlaybackError(PlaybackErrc::segment_failed, path + ": " + what);
}

void pread_all(int fd, uint8_t* out, size_t n, int64_t offset, const std::string& path) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, out, n, offset);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) unreadable(path, std::string("read: ") + std::strerror(errno));
    if (r == 0) unreadable(path, "ends before offset " + std::to_string(offset + static_cast<int64_t>(n)));
    out += r;
    n -= static_cast<size_t>(r);
    offset += r;
  }
}

// ns -> track ticks, rounded to nearest; 128-bit so that a year of nanoseconds times 90 kHz cannot overflow.
int64_t to_ticks(int64_t ns, uint32_t timescale) {
  const __int128 num = static_cast<__int128>(ns) * timescale;
  const __int128 half = num >= 0 ? 500'000'000 : -500'000'000;
  return static_cast<int64_t>((num + half) / 1'000'000'000);
}

bool same_parameters(const catalog::SegmentRow& a, const catalog::SegmentRow& b) {
  return a.video_codec == b.video_codec && a.width == b.width && a.height == b.height &&
         a.video_config == b.video_config && a.audio_codec == b.audio_codec &&
         a.audio_sample_rate == b.audio_sample_rate && a.audio_channels == b.audio_channels;
}

struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 1099511628211ull;
  }
  void add(int64_t v) { add(&v, sizeof v); }
};

// Reads box headers through a 4 KiB window: a moof is usually smaller, so one read finds a fragment's moof and
// the header of its mdat, and one read finds a segment's whole header. Halves the system calls of a clip.
class Window {
 public:
  Window(int fd, int64_t limit, const std::string& path) : fd_(fd), limit_(limit), path_(path) {}
  // n <= kBytes bytes at `off`, which must lie before the limit.
  const uint8_t* at(int64_t off, size_t n) {
    if (off < off_ || off + static_cast<int64_t>(n) > off_ + len_) {
      len_ = std::min<int64_t>(kBytes, limit_ - off);
      if (len_ < static_cast<int64_t>(n)) unreadable(path_, "ends inside a box header");
      pread_all(fd_, buf_, static_cast<size_t>(len_), off, path_);
      off_ = off;
    }
    return buf_ + (off - off_);
  }
  static constexpr int64_t kBytes = 4096;

 private:
  int fd_;
  int64_t limit_;
  const std::string& path_;
  int64_t off_ = 0, len_ = 0;
  uint8_t buf_[kBytes];
};

struct Fragment {
  int64_t moof_offset = 0, moof_size = 0, mdat_offset = 0, mdat_size = 0;
  std::optional<mp4::TrackFragmentStart> video;  // for the sidx
  std::vector<std::pair<uint32_t, uint64_t>> decode_times;  // every track's tfdt: where the clip's timeline starts
};

struct VideoTrack {
  uint32_t id = 0;
  uint32_t trex_flags = 0;
};

// The moof+mdat pairs in file bytes [begin, end): box headers only. Stops at anything else (the mfra a closed
// segment ends with, a fragment cut short).
// Each moof is read whole (it is usually inside the window already) for its tracks' decode times and its video
// keyframe flag.
std::vector<Fragment> walk_fragments(int fd, int64_t begin, int64_t end, const std::string& path,
                                     const std::optional<VideoTrack>& video) {
  std::vector<Fragment> out;
  Window w(fd, end, path);
  int64_t off = begin;
  Fragment f;
  bool have_moof = false;
  while (off + 8 <= end) {
    const uint8_t* h = w.at(off, 8);
    uint64_t size = mp4::be32(h);
    int64_t header = 8;
    const std::string_view type(reinterpret_cast<const char*>(h + 4), 4);
    if (size == 1) {
      if (off + 16 > end) break;
      size = mp4::be64(w.at(off, 16) + 8);
      header = 16;
    }
    if (size < static_cast<uint64_t>(header) || size > static_cast<uint64_t>(end - off)) break;
    if (type == "moof" && !have_moof) {
      f = Fragment{};
      f.moof_offset = off;
      f.moof_size = static_cast<int64_t>(size);
      have_moof = true;
      std::vector<uint8_t> big;
      std::span<const uint8_t> moof;
      if (size <= static_cast<uint64_t>(Window::kBytes)) {
        moof = {w.at(off, static_cast<size_t>(size)), static_cast<size_t>(size)};
      } else {
        big.resize(static_cast<size_t>(size));
        pread_all(fd, big.data(), big.size(), off, path);
        moof = big;
      }
      f.decode_times = mp4::decode_times(moof);
      if (video) f.video = mp4::fragment_start(moof, video->id, video->trex_flags);
    } else if (type == "mdat" && have_moof) {
      f.mdat_offset = off;
      f.mdat_size = static_cast<int64_t>(size);
      out.push_back(f);
      have_moof = false;
    } else {
      break;
    }
    off += static_cast<int64_t>(size);
  }
  return out;
}

struct Header {
  std::vector<uint8_t> ftyp, moov;
  int64_t first_moof = 0;
};

// The boxes before the first fragment: ftyp and moov are kept, anything else (free) skipped.
Header scan_header(int fd, int64_t limit, const std::string& path) {
  Header h;
  Window w(fd, limit, path);
  int64_t off = 0;
  while (off + 8 <= limit) {
    const uint8_t* b = w.at(off, 8);
    const int64_t size = mp4::be32(b);
    const std::string_view type(reinterpret_cast<const char*>(b + 4), 4);
    if (type == "moof") {
      h.first_moof = off;
      return h;
    }
    if (size < 8 || size > limit - off) break;  // 64-bit sizes never occur before the first fragment
    if (type == "ftyp" || type == "moov") {
      auto& out = type == "ftyp" ? h.ftyp : h.moov;
      out.resize(static_cast<size_t>(size));
      if (size <= Window::kBytes) std::memcpy(out.data(), w.at(off, static_cast<size_t>(size)), out.size());
      else pread_all(fd, out.data(), out.size(), off, path);
    }
    off += size;
  }
  unreadable(path, "no fragment after the header");
}

}  // namespace

struct ClipMp4::Impl {
  std::vector<uint8_t> header;
  std::vector<Source> sources;
  std::vector<Piece> pieces;
  int64_t size = 0;
  std::string etag;
  int64_t start_wall_ns = 0, end_wall_ns = 0;
  std::optional<int64_t> cut_at_wall_ns;
  int64_t fragments = 0;

  void read_piece(const Piece& p, int64_t from, std::span<uint8_t> out) const {
    const Source& s = sources[p.source];
    switch (p.kind) {
      case PieceKind::header:
        std::memcpy(out.data(), header.data() + from, out.size());
        return;
      case PieceKind::mdat:
        pread_all(s.fd.get(), out.data(), out.size(), p.src_offset + from, s.path);
        return;
      case PieceKind::moof: {
        std::vector<uint8_t> moof(static_cast<size_t>(p.size));
        pread_all(s.fd.get(), moof.data(), moof.size(), p.src_offset, s.path);
        mp4::retime(moof, p.sequence, s.shifts);
        std::memcpy(out.data(), moof.data() + from, out.size());
        return;
      }
    }
  }
};

ClipMp4 ClipMp4::build(const catalog::Catalog& catalog, const ClipRequest& request) {
  if (request.to_wall_ns <= request.from_wall_ns)
    throw PlaybackError(PlaybackErrc::invalid_argument, "the clip's end must be after its start");
  return build(catalog.segments(request.stream, {request.from_wall_ns, request.to_wall_ns}), request,
               [&catalog](const catalog::SegmentRow& s) { return catalog.absolute_path(s).string(); },
               [&catalog](const catalog::SegmentRow& s) { return catalog.keyframes(s.id); });
}

ClipMp4 ClipMp4::build(std::vector<catalog::SegmentRow> segments, const ClipRequest& request,
                       const std::function<std::string(const catalog::SegmentRow&)>& path_of,
                       const std::function<std::vector<catalog::KeyframeEntry>(const catalog::SegmentRow&)>& keyframes_of) {
  if (request.to_wall_ns <= request.from_wall_ns)
    throw PlaybackError(PlaybackErrc::invalid_argument, "the clip's end must be after its start");
  std::erase_if(segments, [](const catalog::SegmentRow& s) { return s.frames == 0 || s.keyframes == 0; });
  if (segments.empty())
    throw PlaybackError(PlaybackErrc::nothing_to_play, "no footage of " + request.stream + " in the range");

  auto impl = std::make_unique<Impl>();
  const auto& first = segments.front();
  // Presentation starts at `from`, or where footage starts when `from` falls before it (or in a gap before it).
  const int64_t F = std::max(request.from_wall_ns, first.start_wall_ns);
  impl->start_wall_ns = F;

  struct Planned {
    size_t source;
    std::vector<Fragment> fragments;
    std::vector<mp4::Track> tracks;
    int64_t start_wall_ns;
  };
  std::vector<Planned> planned;
  std::vector<uint8_t> ftyp, moov;
  std::vector<mp4::Track> first_tracks;
  Fnv etag;
  etag.add(request.stream.data(), request.stream.size());
  etag.add(request.from_wall_ns);
  etag.add(request.to_wall_ns);

  for (const auto& seg : segments) {
    if (!planned.empty() && !same_parameters(seg, first)) {
      impl->cut_at_wall_ns = seg.start_wall_ns;
      break;
    }
    const auto path = path_of(seg);
    fifo::UniqueFd fd = request.open_segment ? request.open_segment(seg)
                                             : fifo::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) unreadable(path, std::string("open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) unreadable(path, std::string("stat: ") + std::strerror(errno));
    // A segment being written may already hold bytes the catalog has not accounted for: stop where it does.
    const int64_t limit = seg.size_bytes > 0 ? std::min<int64_t>(st.st_size, seg.size_bytes) : st.st_size;
    // The header: every box before the first fragment (ftyp, moov), found by box headers.
    auto head = scan_header(fd.get(), limit, path);
    if (head.moov.empty()) unreadable(path, "no moov before the first fragment");
    std::vector<uint8_t>& seg_moov = head.moov;
    auto tracks = mp4::tracks_of(seg_moov);
    if (!planned.empty() && tracks != first_tracks) {
      impl->cut_at_wall_ns = seg.start_wall_ns;
      break;
    }

    // From the keyframe at or before F (first segment) to the first keyframe at or after `to`.
    // The keyframe index is read only where the clip cuts into a segment: its first and its last.
    int64_t begin = head.first_moof;
    int64_t end = limit;
    int64_t end_wall = seg.end_wall_ns;
    if (planned.empty() || seg.end_wall_ns > request.to_wall_ns) {
      const auto kfs = keyframes_of(seg);
      size_t begin_kf = 0;
      if (planned.empty()) {
        for (size_t i = 0; i < kfs.size(); ++i)
          if (kfs[i].wall_ns <= F) begin_kf = i;
        if (begin_kf < kfs.size()) begin = kfs[begin_kf].byte_offset;
      }
      for (size_t i = begin_kf + 1; i < kfs.size(); ++i) {
        if (kfs[i].wall_ns >= request.to_wall_ns) {
          end = std::min(end, kfs[i].byte_offset);
          end_wall = kfs[i].wall_ns;
          break;
        }
      }
    }
    std::optional<VideoTrack> video;
    for (const auto& t : tracks)
      if (t.handler == "vide") video = VideoTrack{t.id, mp4::trex_default_sample_flags(seg_moov, t.id)};
    auto fragments = walk_fragments(fd.get(), begin, end, path, video);
    if (fragments.empty()) continue;
    if (planned.empty()) {
      ftyp = std::move(head.ftyp);
      if (ftyp.empty()) unreadable(path, "no ftyp");
      moov = std::move(seg_moov);
      first_tracks = tracks;
    }
    etag.add(seg.id);
    etag.add(seg.size_bytes);
    etag.add(fragments.front().moof_offset);
    etag.add(fragments.back().mdat_offset + fragments.back().mdat_size);
    impl->end_wall_ns = end_wall;
    impl->sources.push_back({std::move(fd), path, {}});
    planned.push_back({impl->sources.size() - 1, std::move(fragments), std::move(tracks), seg.start_wall_ns});
  }
  if (planned.empty())
    throw PlaybackError(PlaybackErrc::nothing_to_play, "no complete fragment of " + request.stream + " in the range");

  // Clip timeline. A segment maps wall time w to media time m = e + (w - start) * timescale (e: its edit's
  // media time). The clip keeps that line, shifted so presentation 0 is F: m_clip = m + shift with
  // shift = (start - F) * timescale - e + E, where E (the clip's own edit, per track) is the smallest value that
  // keeps every fragment's decode time at or above 0 — so the track that starts the clip starts at 0.
  Shifts edits;
  for (const auto& t : first_tracks) {
    int64_t E = 0;
    for (const auto& p : planned) {
      int64_t e = 0;
      for (const auto& pt : p.tracks)
        if (pt.id == t.id) e = pt.edit_media_time;
      const int64_t base = to_ticks(p.start_wall_ns - F, t.timescale) - e;
      for (const auto& f : p.fragments)
        for (const auto& [id, tfdt] : f.decode_times)
          if (id == t.id) E = std::max<int64_t>(E, -(base + static_cast<int64_t>(tfdt)));
    }
    edits.emplace_back(t.id, E);
  }
  for (auto& p : planned) {
    Shifts& s = impl->sources[p.source].shifts;
    for (const auto& t : p.tracks) {
      int64_t E = 0;
      for (const auto& [id, e] : edits)
        if (id == t.id) E = e;
      s.emplace_back(t.id, to_ticks(p.start_wall_ns - F, t.timescale) - t.edit_media_time + E);
    }
  }

  impl->header = ftyp;
  const auto new_moov = mp4::with_edits(moov, edits);
  impl->header.insert(impl->header.end(), new_moov.begin(), new_moov.end());

  // A sidx over the video track, one reference per fragment (per run of fragments past 65535 of them), so a
  // player finds the fragment of any time from the header and fetches it with one range request.
  for (const auto& video : first_tracks) {
    if (video.handler != "vide") continue;
    struct Ref {
      int64_t bytes = 0, start = 0;  // start: clip decode time
      bool sync = false;
    };
    std::vector<Ref> refs;
    int64_t last_edit = video.edit_media_time;
    for (const auto& p : planned) {
      int64_t shift = 0;
      for (const auto& [id, sh] : impl->sources[p.source].shifts)
        if (id == video.id) shift = sh;
      for (const auto& t : p.tracks)
        if (t.id == video.id) last_edit = t.edit_media_time;
      for (const auto& f : p.fragments) {
        const int64_t bytes = f.moof_size + f.mdat_size;
        if (f.video || refs.empty()) {
          refs.push_back({bytes, f.video ? static_cast<int64_t>(f.video->decode_time) + shift : 0,
                          f.video && f.video->sync});
        } else {
          refs.back().bytes += bytes;  // a fragment without video belongs to the one before
        }
      }
    }
    const size_t group = (refs.size() + 0xfffe) / 0xffff;
    int64_t clip_end = to_ticks(impl->end_wall_ns - F, video.timescale);
    for (const auto& [id, e] : edits)
      if (id == video.id) clip_end += e;
    std::vector<mp4::SidxReference> out;
    for (size_t i = 0; i < refs.size(); i += group) {
      const size_t j = std::min(refs.size(), i + group);
      int64_t bytes = 0;
      for (size_t k = i; k < j; ++k) bytes += refs[k].bytes;
      // Presentation of the next reference's first frame, or the clip's end for the last one.
      const int64_t next = j < refs.size() ? refs[j].start : clip_end - last_edit;
      const int64_t duration = std::clamp<int64_t>(next - refs[i].start, 0, std::numeric_limits<uint32_t>::max());
      if (bytes >= 0x80000000LL) { out.clear(); break; }  // a sidx cannot say it: players walk the fragments
      out.push_back({static_cast<uint32_t>(bytes), static_cast<uint32_t>(duration), refs[i].sync});
    }
    if (!out.empty()) {
      const auto sidx = mp4::sidx_box(video.id, video.timescale,
                                      static_cast<uint64_t>(std::max<int64_t>(0, refs.front().start + video.edit_media_time)), out);
      impl->header.insert(impl->header.end(), sidx.begin(), sidx.end());
    }
    break;
  }
  int64_t at = static_cast<int64_t>(impl->header.size());
  impl->pieces.push_back({0, at, PieceKind::header, 0, 0, 0});
  uint32_t sequence = 0;
  for (const auto& p : planned) {
    for (const auto& f : p.fragments) {
      ++sequence;
      impl->pieces.push_back({at, f.moof_size, PieceKind::moof, p.source, f.moof_offset, sequence});
      at += f.moof_size;
      impl->pieces.push_back({at, f.mdat_size, PieceKind::mdat, p.source, f.mdat_offset, 0});
      at += f.mdat_size;
    }
  }
  impl->size = at;
  impl->fragments = sequence;
  etag.add(at);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(etag.h));
  impl->etag = std::string("\"zc-") + hex + "\"";
  return ClipMp4(std::move(impl));
}

ClipMp4::ClipMp4(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipMp4::ClipMp4(ClipMp4&&) noexcept = default;
ClipMp4& ClipMp4::operator=(ClipMp4&&) noexcept = default;
ClipMp4::~ClipMp4() = default;

int64_t ClipMp4::size() const noexcept { return impl_->size; }
const std::string& ClipMp4::etag() const noexcept { return impl_->etag; }
int64_t ClipMp4::start_wall_ns() const noexcept { return impl_->start_wall_ns; }
int64_t ClipMp4::end_wall_ns() const noexcept { return impl_->end_wall_ns; }
std::optional<int64_t> ClipMp4::cut_at_wall_ns() const noexcept { return impl_->cut_at_wall_ns; }
int64_t ClipMp4::fragments() const noexcept { return impl_->fragments; }

void ClipMp4::read(int64_t offset, std::span<uint8_t> out) const {
  if (offset < 0 || offset + static_cast<int64_t>(out.size()) > impl_->size)
    throw PlaybackError(PlaybackErrc::invalid_argument, "read past the end of the clip");
  const auto& pieces = impl_->pieces;
  auto it = std::upper_bound(pieces.begin(), pieces.end(), offset,
                             [](int64_t o, const Piece& p) { return o < p.at; });
  --it;
  size_t done = 0;
  while (done < out.size()) {
    const int64_t within = offset + static_cast<int64_t>(done) - it->at;
    const size_t n = static_cast<size_t>(std::min<int64_t>(it->size - within, static_cast<int64_t>(out.size() - done)));
    impl_->read_piece(*it, within, out.subspan(done, n));
    done += n;
    ++it;
  }
}

}  // namespace zc::playback
