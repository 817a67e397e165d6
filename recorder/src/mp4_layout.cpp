#include "mp4_layout.h"

#include <zc/catalog/files.h>
#include <zc/recorder/error.h>


#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zc::recorder {

using catalog::UniqueFd;

namespace {

uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
uint64_t be64(const uint8_t* p) { return uint64_t{be32(p)} << 32 | be32(p + 4); }

}  // namespace

const Mp4Fragment* Mp4Layout::fragment_holding(int64_t pos) const noexcept {
  for (const auto& f : fragments) {
    if (pos >= f.mdat_offset && pos < f.end) return &f;
  }
  return nullptr;
}

Mp4Layout scan_mp4(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_io_error("cannot open " + path.string(), errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_io_error("stat " + path.string(), errno);
  Mp4Layout layout;
  layout.file_bytes = st.st_size;
  int64_t open_moof = -1;  // offset of a moof still waiting for its mdat
  int64_t off = 0;
  while (off + 8 <= layout.file_bytes) {
    uint8_t h[16];
    const ssize_t n = ::pread(fd.get(), h, sizeof h, off);
    if (n < 8) break;
    uint64_t size = be32(h);
    uint64_t header_bytes = 8;
    char type[5] = {};
    std::memcpy(type, h + 4, 4);
    if (size == 1) {
      if (n < 16) break;
      size = be64(h + 8);
      header_bytes = 16;  // a box cannot end inside its own header: the cut would not be stable
    }
    // size 0 ("to end of file") is never written by our muxer settings; treat it like a torn header.
    // Compared unsigned: a 64-bit largesize of 2^63 or more would turn negative as int64_t and pass.
    if (size < header_bytes || size > static_cast<uint64_t>(layout.file_bytes - off)) break;
    const int64_t end = off + static_cast<int64_t>(size);
    const std::string t(type);
    if (t == "moof") {
      open_moof = off;
    } else if (t == "mdat" && open_moof >= 0) {
      layout.fragments.push_back({open_moof, off, end});
      open_moof = -1;
      layout.valid_end = end;
    } else if (open_moof < 0) {
      // Only boxes before valid_end count: recovery cuts there and then relies on has_moov for the cut file.
      if (t == "ftyp") layout.has_ftyp = true;
      if (t == "moov") layout.has_moov = true;
      layout.valid_end = end;
    }
    off = end;
  }
  return layout;
}

}  // namespace zc::recorder
