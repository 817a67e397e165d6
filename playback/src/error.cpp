#include <zc/playback/error.h>

namespace zc::playback {

const char* to_string(PlaybackErrc code) noexcept {
  switch (code) {
    case PlaybackErrc::invalid_argument: return "invalid argument";
    case PlaybackErrc::nothing_to_play: return "nothing to play";
    case PlaybackErrc::segment_failed: return "segment unreadable";
    case PlaybackErrc::output_failed: return "output failed";
    case PlaybackErrc::peer_gone: return "reader gone";
  }
  return "unknown error";
}

}  // namespace zc::playback
