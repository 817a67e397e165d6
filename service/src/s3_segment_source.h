// Where clip.mp4 reads a segment from (docs/object-storage.md, "Clips of footage in S3"): its local file when
// there is one, else its S3 copy, fetched whole into an unnamed temporary file (O_TMPFILE) in the storage
// directory and read from there. The simplest correct choice: the clip's builder reads the file like any other
// (headers, then ranges), nothing of the MP4 layout is duplicated for S3, and the file vanishes with its last
// descriptor (a crash leaves nothing). The cost is one whole GET per segment used, before the first byte.
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/fifo/clock.h>
#include <zc/fifo/unique_fd.h>
#include <zc/service/config.h>

#include <functional>
#include <memory>
#include <optional>

namespace zc::service {

// An unnamed file in `dir` (O_TMPFILE; where that is not supported, a named one unlinked at once): a fetched copy
// that vanishes with its last descriptor. Invalid (errno set) when it cannot be made.
fifo::UniqueFd temporary_file(const std::filesystem::path& dir);

// A playback::ClipRequest::open_segment for one clip: one S3 client, made at the first segment that needs it.
// Throws objectstore::ObjectStoreError when the copy cannot be fetched (http_clip.cpp answers 503 or 404).
// s3_only: never the local file (a segment of another host: a file of the same path here is another file); a row
// without an S3 copy (or no store configured here) is an unreadable segment (ENOENT). `clock` (the service's,
// which outlives the opener) signs the S3 requests.
std::function<fifo::UniqueFd(const catalog::SegmentRow&)> segment_opener(const std::filesystem::path& storage_dir,
                                                                          const std::optional<S3StorageConfig>& s3,
                                                                          const fifo::Clock& clock,
                                                                          bool s3_only = false);

}  // namespace zc::service
