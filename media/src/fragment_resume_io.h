// The bytes libavformat reads when a fragmented MP4 is opened at one of its fragments (SourceOptions::
// resume_at_moof): the file's head up to the end of its first fragment (ftyp, moov, first moof+mdat), then the
// file from the chosen moof to its end, as one forward-only stream. docs/playback.md ("Seeking") says why the
// first fragment stays and why the stream cannot seek.
#pragma once

#include <zc/fifo/unique_fd.h>
#include <zc/media/ffmpeg_ptr.h>

#include <cstdint>
#include <string>

namespace zc::media {

class FragmentResumeIo {
 public:
  // Checks `moof_offset` against the file before anything is read through it: a whole moof box, after the first
  // fragment (or that fragment itself), followed by an mdat that ends inside the file, whose track fragments
  // locate their samples relative to the moof (no absolute base_data_offset, which would point into the skipped
  // bytes). Throws MediaError: invalid_argument (the offset fails a check: a stale or corrupt index row),
  // open_failed (the file cannot be read).
  FragmentResumeIo(const std::string& path, int64_t moof_offset);
  FragmentResumeIo(const FragmentResumeIo&) = delete;
  FragmentResumeIo& operator=(const FragmentResumeIo&) = delete;
  ~FragmentResumeIo() = default;

  // Owned here; hand it to an AVFormatContext with AVFMT_FLAG_CUSTOM_IO, which never frees it.
  AVIOContext* context() const noexcept { return io_.get(); }
  int64_t head_bytes() const noexcept { return head_end_; }       // bytes kept from the file's start
  int64_t resume_offset() const noexcept { return resume_at_; }  // where the file continues after them

 private:
  static int read(void* opaque, uint8_t* buf, int size);

  fifo::UniqueFd fd_;
  int64_t file_size_ = 0;
  int64_t head_end_ = 0;   // [0, head_end_) of the file comes first ...
  int64_t resume_at_ = 0;  // ... then [resume_at_, file_size_)
  int64_t pos_ = 0;        // in the presented stream
  CustomIoPtr io_;
};

}  // namespace zc::media
