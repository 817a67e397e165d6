// The fragment walker recovery uses to cut a crashed segment back (recorder/src/mp4_layout.h). Input: the bytes
// of a file, typically a real recorded segment cut or damaged somewhere.
// Contract: valid_end lies within the file; fragments are in order, non-overlapping, each a moof followed by
// its mdat, all before valid_end; fragment_holding() finds exactly the fragment whose mdat holds a byte; and
// cutting the file at valid_end (what recovery does) gives a file the walker accepts whole with the same
// fragments, so a second recovery changes nothing.
#include <zc/recorder/error.h>

#include "fuzz_check.h"
#include "mp4_layout.h"

#include <sys/mman.h>
#include <unistd.h>

using namespace zc;
using namespace zc::recorder;

namespace {

// The input as a file the walker can open by path, without touching the disk.
class MemFile {
 public:
  MemFile() : fd_(::memfd_create("zc_fuzz_mp4", MFD_CLOEXEC)) { ZC_FUZZ_CHECK(fd_ >= 0); }
  ~MemFile() { ::close(fd_); }
  void set(std::span<const uint8_t> bytes) {
    ZC_FUZZ_CHECK(::ftruncate(fd_, 0) == 0);
    ZC_FUZZ_CHECK(::pwrite(fd_, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
  }
  void cut(int64_t size) { ZC_FUZZ_CHECK(::ftruncate(fd_, size) == 0); }
  std::filesystem::path path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

void check_layout(const Mp4Layout& l, int64_t file_bytes) {
  ZC_FUZZ_CHECK(l.file_bytes == file_bytes);
  ZC_FUZZ_CHECK(l.valid_end >= 0 && l.valid_end <= l.file_bytes);
  int64_t prev_end = 0;
  for (const auto& f : l.fragments) {
    ZC_FUZZ_CHECK(f.moof_offset >= prev_end);
    ZC_FUZZ_CHECK(f.moof_offset + 8 <= f.mdat_offset);
    ZC_FUZZ_CHECK(f.mdat_offset + 8 <= f.end);
    ZC_FUZZ_CHECK(f.end <= l.valid_end);
    ZC_FUZZ_CHECK(l.fragment_holding(f.mdat_offset) == &f);
    ZC_FUZZ_CHECK(l.fragment_holding(f.end - 1) == &f);
    prev_end = f.end;
  }
  ZC_FUZZ_CHECK(l.fragment_holding(l.valid_end) == nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemFile file;
  file.set({data, size});
  Mp4Layout first;
  try {
    first = scan_mp4(file.path());
  } catch (const RecorderError&) {
    ZC_FUZZ_CHECK(false && "a readable file must never fail to scan");
  }
  check_layout(first, static_cast<int64_t>(size));
  file.cut(first.valid_end);
  const Mp4Layout second = scan_mp4(file.path());
  check_layout(second, first.valid_end);
  ZC_FUZZ_CHECK(second.valid_end == first.valid_end);
  ZC_FUZZ_CHECK(second.fragments.size() == first.fragments.size());
  ZC_FUZZ_CHECK(second.has_ftyp == first.has_ftyp && second.has_moov == first.has_moov);
  return 0;
}
