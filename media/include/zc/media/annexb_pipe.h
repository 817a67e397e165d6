// A live byte source — `-` (stdin), a FIFO, a socket, a character device, or a file read as live — opened the
// way `zcrec feed` reads a camera bridge's pipe. libavformat still probes what the bytes are (the same probe, on
// the same bytes, with the same input options as MediaSource); raw H.264/H.265 Annex-B (its "h264"/"hevc"
// demuxers) is then cut into access units by zcrec itself, reading the pipe 64 KiB at a time and looking at NAL
// headers only, instead of by libavformat's 1 KiB reads and libavcodec's frame-end parser. Anything else on a
// pipe (MPEG-TS, Matroska, ...) stays with MediaSource. Both hand out the same access units, keyframe flags,
// timestamps and stream info for the same bytes (tests/media/annexb_pipe_test.cpp); docs/ingest.md, "Raw
// H.264/H.265 pipes".
#pragma once

#include <zc/media/packet_source.h>
#include <zc/media/source.h>

#include <memory>
#include <string>

namespace zc::media {

enum class PipeDemuxer {
  native,       // raw H.264/H.265 cut by zcrec; other formats through libavformat
  libavformat,  // everything through MediaSource, as before the native path (for comparison and as a fallback)
};

// `path` is "-" for stdin. Blocks until the probe has its bytes (a FIFO: until a writer opens it and writes).
// Throws MediaError as MediaSource does (open_failed: cannot open or probe; unsupported_codec); read() throws
// MediaError(io) when reading the pipe fails.
std::unique_ptr<PacketSource> open_live_pipe(const std::string& path, const SourceOptions& options = {},
                                             PipeDemuxer demuxer = PipeDemuxer::native);

}  // namespace zc::media
