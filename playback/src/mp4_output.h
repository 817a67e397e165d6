// One MP4 file written from Annex-B access units without re-encoding: the movie header is moved to the front
// when the file is finished (movflags=+faststart), H.265 is tagged hvc1.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/media/ffmpeg_ptr.h>

#include "segment_reader.h"

#include <filesystem>
#include <map>

namespace zc::playback {

class Mp4Output {
 public:
  // Timestamps are written relative to `origin_wall_ns`. Throws PlaybackError(output_failed).
  Mp4Output(std::filesystem::path path, const fifo::StreamInfo& info, int64_t origin_wall_ns);
  Mp4Output(Mp4Output&&) noexcept = default;
  Mp4Output& operator=(Mp4Output&&) noexcept = default;
  ~Mp4Output() = default;  // an unfinished file is left as it is (the caller reports the failure)

  // Returns false when the packet's track is not carried (e.g. G.711 audio, which MP4 refuses).
  bool write(const TimedPacket& p);
  void finish();
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  struct Stream {
    int index = 0;
    AVRational time_base{1, 90000};
    int64_t last_dts = INT64_MIN;
    int64_t last_step = 0;  // dts step between the two newest packets
  };
  [[noreturn]] void fail(const std::string& what, int err) const;

  std::filesystem::path path_;
  media::OutputFormatPtr format_;
  std::map<uint32_t, Stream> streams_;  // by track id
  int64_t origin_wall_ns_ = 0;
  bool finished_ = false;
};

}  // namespace zc::playback
