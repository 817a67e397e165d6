// Consistency of a storage directory after crashes, the media half (the database half is zc/catalog/
// unfinished.h): segments a dead recorder left in state 'writing' are cut back to their last complete fragment,
// re-indexed from the file and marked 'recovered'; recordings of dead recorders are closed as 'interrupted'; half-
// done deletes are finished; files of a crashed recording that hold no frame are removed. Live recorders (their
// liveness lock held) are never touched, so both passes are safe while other processes record.
//
// Two passes: recover_unfinished() does only that crashed work, at a cost proportional to it (every recording
// start runs it); check_storage() also opens every catalogued file and lists every stream directory, reporting
// rows without files, files without rows and unreadable files, and reconciles them only when asked
// (`zcrec check --repair`).
#pragma once

#include <zc/catalog/catalog.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace zc::recorder {

struct RecoveredSegment {
  int64_t segment_id = 0;
  std::string path;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
  int64_t frames = 0;
};

struct CheckReport {
  std::vector<RecoveredSegment> recovered;
  std::vector<int64_t> interrupted_recordings;
  std::vector<std::string> finished_deletes;
  std::vector<std::string> missing_files;  // rows whose file is gone
  std::vector<std::string> orphan_files;   // files no row refers to
  // Files of a crashed recording that never held a frame (killed between creating a segment file and inserting
  // its row): removed by recovery itself, like other crashed work, since nothing in them can be lost.
  std::vector<std::string> removed_empty_files;
  std::vector<std::string> unreadable;     // rows whose file has no MP4 header
  // Segments of one stream whose wall-clock spans overlap (by more than kOverlapToleranceNs): the same moment
  // recorded twice. "STREAM: A and B overlap by S s". Reported, not an inconsistency: two `zcrec start` of one
  // ring at once record it twice by design (several recorder processes share a catalog), while zcrecd never does
  // (one daemon per storage directory, one recording per camera), so there it is a fault worth seeing. --repair
  // does not choose which copy to keep.
  std::vector<std::string> overlapping;
  bool repaired = false;
  // Consistent when nothing is left that needs --repair (rows and files agree).
  bool consistent() const noexcept {
    return repaired || (missing_files.empty() && orphan_files.empty() && unreadable.empty());
  }
};

// The bounded pass (Recorder::start): only rows in unfinished states and the files of dead recordings that no
// row names. Opens no complete segment. Throws catalog::CatalogError, RecorderError (media, io, no_space).
CheckReport recover_unfinished(catalog::Catalog& catalog);

// Adjacent segments of one recorder meet exactly (the next starts where the catalog says the stream ends);
// 90 kHz rounding makes microseconds of difference, not a millisecond.
inline constexpr int64_t kOverlapToleranceNs = 1'000'000;

// Pairs of segments (not being deleted) of one stream whose spans overlap, as CheckReport::overlapping says.
std::vector<std::string> find_overlapping_segments(const std::vector<catalog::SegmentRow>& segments);

// The full pass (`zcrec check`): recover_unfinished(), then every row's file and every stream directory; with
// `repair`, deletes rows without files, unreadable files and files without rows.
CheckReport check_storage(catalog::Catalog& catalog, bool repair);

// Re-indexes one segment file from its content: totals and keyframe index (what recovery stores).
catalog::SegmentProgress index_segment_file(const std::filesystem::path& path, int64_t start_wall_ns);

}  // namespace zc::recorder
