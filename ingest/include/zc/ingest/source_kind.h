// What a camera's source is, decided in one place for `zcrec feed` and zcrecd alike: which reader opens it,
// whether it is paced, looped, reconnected, and which options apply to it (docs/ingest.md, "Kinds of source").
#pragma once

#include <string>
#include <string_view>

namespace zc::ingest {

enum class SourceKind {
  network_camera,    // SCHEME://... other than file:// (rtsp, rtsps, rtmp, http(s), udp, srt, ...): reconnected, never paced
  synthetic_camera,  // exactly "testsrc": media::TestSource, paced
  live_path,         // "-" (stdin), or a path stat(2) calls a FIFO, a socket or a character device: never paced
  file,              // anything else (a media file, file://PATH, or a path that does not exist yet): paced, loopable
};

struct SourceChoice {
  SourceKind kind = SourceKind::file;
  // The lower-cased URL scheme of a SCHEME://... source ("rtsp" for "RTSP://..."; "file" for a file:// URL, whose
  // kind is file); empty for a path or testsrc.
  std::string scheme;

  // RTSP (rtsp or rtsps): `--rtsp-transport` applies. Only plain rtsp:// goes to zc::ingest's native client.
  bool is_rtsp() const noexcept { return scheme == "rtsp" || scheme == "rtsps"; }
  // A live source delivers frames as they happen: pacing it again by its timestamps only adds a lag.
  bool is_live() const noexcept { return kind == SourceKind::network_camera || kind == SourceKind::live_path; }
};

// Classifies a source as `zcrec feed` takes it. A scheme is [A-Za-z][A-Za-z0-9+.-]* before "://" and compared
// without case (RFC 3986). "testsrc" is the synthetic camera only when it is the whole string: a file of that
// name is given with a path ("./testsrc"). Paths are looked at with stat(2) when classified (a FIFO created later
// is a file until then); a missing path is a file (opening it fails with the reader's error).
SourceChoice classify_source(std::string_view source);

// "network_camera", "synthetic_camera", "live_path", "file".
std::string_view to_string(SourceKind kind) noexcept;

}  // namespace zc::ingest
