#include "fragment_resume_io.h"

#include <zc/media/error.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>
#include <vector>

namespace zc::media {
namespace {

constexpr int kIoBufferBytes = 64 * 1024;
// A moof of ours holds one traf per track and a trun entry per sample (~1 s of frames): far below this. A
// larger "moof" is a corrupt size field, not worth reading.
constexpr uint64_t kMaxMoofBytes = 4 * 1024 * 1024;
constexpr uint32_t kTfhdBaseDataOffsetPresent = 0x000001;

uint32_t be32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

struct Box {
  int64_t offset = 0;
  uint64_t size = 0;  // whole box, header included
  uint64_t header = 8;
  std::array<char, 4> type{};
  bool is(const char* t) const noexcept { return std::memcmp(type.data(), t, 4) == 0; }
  int64_t end() const noexcept { return offset + static_cast<int64_t>(size); }
};

[[noreturn]] void refuse(const std::string& path, int64_t moof_offset, const std::string& why) {
  throw MediaError(MediaErrc::invalid_argument,
                   "'" + path + "': offset " + std::to_string(moof_offset) + " is not a fragment to start at: " + why);
}

// The box whose header starts at `offset`, if a whole one fits before `limit`.
std::optional<Box> box_at(int fd, int64_t offset, int64_t limit) {
  if (offset < 0 || offset + 8 > limit) return std::nullopt;
  uint8_t h[16];
  const ssize_t n = ::pread(fd, h, sizeof h, offset);
  if (n < 8) return std::nullopt;
  Box b;
  b.offset = offset;
  b.size = be32(h);
  std::memcpy(b.type.data(), h + 4, 4);
  if (b.size == 1) {
    if (n < 16) return std::nullopt;
    b.size = uint64_t{be32(h + 8)} << 32 | be32(h + 12);
    b.header = 16;
  }
  // size 0 ("up to the end of the file") is never written by zcrec's muxer settings.
  if (b.size < b.header || b.size > static_cast<uint64_t>(limit - offset)) return std::nullopt;
  return b;
}

// Whether every track fragment of the moof bytes locates its data relative to the moof (or implicitly).
bool samples_relative_to_moof(const std::vector<uint8_t>& moof) {
  auto walk = [&](size_t from, size_t to, auto&& on_box) {
    while (from + 8 <= to) {
      const size_t size = be32(moof.data() + from);
      if (size < 8 || size > to - from) return false;
      if (!on_box(from, size)) return false;
      from += size;
    }
    return from == to;
  };
  bool found_traf = false;
  return walk(8, moof.size(),
              [&](size_t off, size_t size) {
                if (std::memcmp(moof.data() + off + 4, "traf", 4) != 0) return true;
                found_traf = true;
                return walk(off + 8, off + size, [&](size_t t, size_t tsize) {
                  if (std::memcmp(moof.data() + t + 4, "tfhd", 4) != 0) return true;
                  if (tsize < 16) return false;
                  const uint32_t flags = be32(moof.data() + t + 8) & 0xFFFFFF;
                  return (flags & kTfhdBaseDataOffsetPresent) == 0;
                });
              }) &&
         found_traf;
}

}  // namespace

FragmentResumeIo::FragmentResumeIo(const std::string& path, int64_t moof_offset)
    : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (!fd_)
    throw MediaError(MediaErrc::open_failed,
                     "cannot open '" + path + "': " + std::generic_category().message(errno));
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0)
    throw MediaError(MediaErrc::open_failed, "cannot stat '" + path + "': " + std::generic_category().message(errno));
  file_size_ = st.st_size;

  // The head: top-level boxes up to the first moof, which must come after a moov and have its mdat.
  bool moov = false;
  std::optional<Box> first_moof;
  for (int64_t off = 0; !first_moof;) {
    const auto b = box_at(fd_.get(), off, file_size_);
    if (!b) refuse(path, moof_offset, "the file has no complete first fragment");
    if (b->is("moov")) moov = true;
    if (b->is("moof")) first_moof = b;
    off = b->end();
  }
  if (!moov) refuse(path, moof_offset, "the file has no moov before its first fragment");
  const auto first_mdat = box_at(fd_.get(), first_moof->end(), file_size_);
  if (!first_mdat || !first_mdat->is("mdat")) refuse(path, moof_offset, "the first moof has no mdat");

  if (moof_offset == first_moof->offset) {
    head_end_ = resume_at_ = moof_offset;  // the keyframe is in the first fragment: the file as it is
  } else {
    if (moof_offset < first_mdat->end()) refuse(path, moof_offset, "it lies before the end of the first fragment");
    const auto moof = box_at(fd_.get(), moof_offset, file_size_);
    if (!moof || !moof->is("moof") || moof->header != 8 || moof->size > kMaxMoofBytes)
      refuse(path, moof_offset, "no whole moof box starts there");
    const auto mdat = box_at(fd_.get(), moof->end(), file_size_);
    if (!mdat || !mdat->is("mdat")) refuse(path, moof_offset, "the moof there has no whole mdat after it");
    std::vector<uint8_t> bytes(moof->size);
    if (::pread(fd_.get(), bytes.data(), bytes.size(), moof_offset) != static_cast<ssize_t>(bytes.size()))
      refuse(path, moof_offset, "the moof cannot be read");
    if (!samples_relative_to_moof(bytes))
      refuse(path, moof_offset, "its track fragments are not all relative to the moof");
    head_end_ = first_mdat->end();
    resume_at_ = moof_offset;
  }

  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferBytes));
  if (buffer == nullptr) throw MediaError(MediaErrc::open_failed, "out of memory reading '" + path + "'");
  io_.reset(avio_alloc_context(buffer, kIoBufferBytes, 0, this, &FragmentResumeIo::read, nullptr, nullptr));
  if (!io_) {
    av_free(buffer);
    throw MediaError(MediaErrc::open_failed, "out of memory reading '" + path + "'");
  }
  io_->seekable = 0;
}

int FragmentResumeIo::read(void* opaque, uint8_t* buf, int size) {
  auto* self = static_cast<FragmentResumeIo*>(opaque);
  const int64_t head = self->head_end_;
  int64_t file_pos, limit;
  if (self->pos_ < head) {
    file_pos = self->pos_;
    limit = head;
  } else {
    file_pos = self->resume_at_ + (self->pos_ - head);
    limit = self->file_size_;
  }
  const int64_t want = std::min<int64_t>(size, limit - file_pos);
  if (want <= 0) return AVERROR_EOF;
  for (;;) {
    const ssize_t n = ::pread(self->fd_.get(), buf, static_cast<size_t>(want), file_pos);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return AVERROR(errno);
    if (n == 0) return AVERROR_EOF;  // the file shrank under us
    self->pos_ += n;
    return static_cast<int>(n);
  }
}

}  // namespace zc::media
