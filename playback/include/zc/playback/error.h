// Errors of the playback domain: what to play, reading segments, writing the output.
#pragma once

#include <stdexcept>
#include <string>

namespace zc::playback {

enum class PlaybackErrc {
  invalid_argument,  // bad option value (speed out of range, --to before --from, unparsable time)
  nothing_to_play,   // no segment of the stream overlaps the requested range
  segment_failed,    // a segment is missing, corrupt or truncated (the message names the file and time)
  output_failed,     // the output (stdout, an MP4 file) refused data
  peer_gone,         // the playback fifo's reader went away
};

const char* to_string(PlaybackErrc code) noexcept;

class PlaybackError : public std::runtime_error {
 public:
  PlaybackError(PlaybackErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  PlaybackErrc code() const noexcept { return code_; }

 private:
  PlaybackErrc code_;
};

}  // namespace zc::playback
