// Edit lists for the header of a fragmented MP4 segment.
//
// A stream with B-frames starts with a composition offset: its first frame (the keyframe, decoded first) is
// presented after the decoding delay, e.g. at 80 ms, and a player without an edit list shows nothing (or the
// first frame late) until then. libavformat writes the edit list that maps the first frame to time zero only
// when it writes the moov after the first fragment (movflags=delay_moov); the segment writer writes and fsyncs
// its moov before the first frame, so that a crash never leaves a file without one (docs/recording.md). The
// first frame, and with it the offset, is known at that moment: the writer adds the edit list itself.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace zc::recorder::mp4_edit_list {

// `header` is the ftyp+moov libavformat wrote for an empty_moov file. Inserts into the n-th trak (right after
// its tkhd) an edts with one edit: the whole rest of the track (segment_duration 0, as for fragmented files)
// starting at media time `media_times[n]` in that track's timescale. Tracks whose media time is 0 are left as
// they are. Returns the new header; throws RecorderError(media) when the header is not the expected shape.
std::vector<uint8_t> insert(std::span<const uint8_t> header, std::span<const int64_t> media_times);

}  // namespace zc::recorder::mp4_edit_list
