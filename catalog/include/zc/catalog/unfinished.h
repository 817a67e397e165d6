// The database half of crash recovery: which rows and files a dead recorder may have left unfinished, found
// without opening a single media file. A recording is live while its recorder holds the OFD lock on byte
// <recording id> of DIR/recorders.lock; the kernel drops it when the process dies.
//
// The invariant that bounds startup (docs/recording.md, "Bounded startup"): everything a crash can leave
// unfinished is named by a row in an unfinished state — a segment in `writing` or `deleting`, or a recording in
// `recording` whose recorder is dead. A segment file without a row can only belong to such a recording, because
// a recorder creates the file, then inserts its row, and removes the file itself when the insert fails; and a
// recording is finished only after its last segment is. Finished rows are never revisited at startup; their
// files are checked by `zcrec check` (zc::recorder::check_storage).
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/catalog/files.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace zc::catalog {

// Which recordings have a live recorder. Answers are cached: ask once per pass.
class Liveness {
 public:
  // Opens (creating) DIR/recorders.lock. Throws CatalogError(io, no_space).
  explicit Liveness(const std::filesystem::path& dir);
  bool is_live(int64_t recording_id);

 private:
  UniqueFd fd_;
  std::map<int64_t, bool> known_;
};

struct UnfinishedWork {
  std::vector<SegmentRow> deleting;            // half-done deletes (any recording, live ones included)
  std::vector<SegmentRow> writing;             // segments of dead recorders, to cut back and re-index
  std::vector<RecordingRow> dead_recordings;   // rows in state recording whose recorder is gone
};

// Reads only rows in unfinished states (Catalog::unfinished_segments/unfinished_recordings).
UnfinishedWork find_unfinished(const Catalog& catalog, Liveness& liveness);

// Segment files of one recording (`<stream>/<recording id>-<ordinal>.mp4`) that no row refers to, as paths
// relative to the storage directory, ordinal order. Lists the stream directory: call it for dead recordings.
std::vector<std::string> uncatalogued_files(const Catalog& catalog, const RecordingRow& recording);

// Parses a segment file name `<recording id>-<ordinal>.mp4`; false for any other name.
bool parse_segment_name(const std::string& file_name, int64_t& recording_id, int64_t& ordinal);

}  // namespace zc::catalog
