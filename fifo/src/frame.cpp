#include <zc/fifo/frame.h>

namespace zc::fifo {

std::string_view to_string(Codec codec) noexcept {
  switch (codec) {
    case Codec::h264: return "h264";
    case Codec::h265: return "h265";
    case Codec::aac: return "aac";
    case Codec::pcm_alaw: return "pcm_alaw";
    case Codec::pcm_mulaw: return "pcm_mulaw";
    case Codec::opus: return "opus";
    case Codec::unknown: break;
  }
  return "unknown";
}

std::string_view to_string(MediaKind kind) noexcept {
  switch (kind) {
    case MediaKind::video: return "video";
    case MediaKind::audio: return "audio";
    case MediaKind::unknown: break;
  }
  return "unknown";
}

MediaKind media_kind_of(Codec codec) noexcept {
  switch (codec) {
    case Codec::h264:
    case Codec::h265: return MediaKind::video;
    case Codec::aac:
    case Codec::pcm_alaw:
    case Codec::pcm_mulaw:
    case Codec::opus: return MediaKind::audio;
    case Codec::unknown: break;
  }
  return MediaKind::unknown;
}

const TrackInfo* StreamInfo::find(uint32_t track_id) const noexcept {
  for (const auto& t : tracks)
    if (t.track_id == track_id) return &t;
  return nullptr;
}

const TrackInfo* StreamInfo::first_of(MediaKind kind) const noexcept {
  for (const auto& t : tracks)
    if (t.kind == kind) return &t;
  return nullptr;
}

std::optional<std::string> check_stream_name(std::string_view name) {
  auto head_ok = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  auto rest_ok = [&](char c) { return head_ok(c) || c == '.' || c == '-'; };
  if (name.empty()) return "stream name is empty";
  if (name.size() > 64) return "stream name '" + std::string(name) + "' is longer than 64 characters";
  if (!head_ok(name[0]))
    return "stream name '" + std::string(name) + "' must start with a letter, digit or '_'";
  for (char c : name)
    if (!rest_ok(c))
      return "stream name '" + std::string(name) + "' may only contain letters, digits, '_', '.' and '-'";
  return std::nullopt;
}

}  // namespace zc::fifo
