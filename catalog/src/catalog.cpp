// Catalog over SQLite: statements are prepared once per connection and reset after each use; every write is
// one short BEGIN IMMEDIATE transaction so concurrent recorder processes interleave without "locked" errors.
#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>
#include <zc/catalog/files.h>

#include "event_queries.h"
#include "schema.h"
#include "sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <iterator>
#include <system_error>

namespace zc::catalog {

using namespace queries;

namespace {

constexpr const char* kSegmentColumns =
    "s.id, s.recording_id, s.stream_id, st.name, s.ordinal, s.path, s.start_wall_ns, s.end_wall_ns, "
    "s.start_pts_90k, s.duration_90k, s.frames, s.keyframes, s.size_bytes, s.video_codec, s.width, s.height, "
    "s.video_config, coalesce(s.audio_codec, ''), coalesce(s.audio_sample_rate, 0), "
    "coalesce(s.audio_channels, 0), s.audio_frames, s.state, coalesce(s.end_reason, ''), s.location, "
    "coalesce(s.s3_key, ''), s.s3_uploaded_wall_ns "
    "FROM segment s JOIN stream st ON st.id = s.stream_id ";

constexpr const char* kRecordingColumns =
    "r.id, r.stream_id, st.name, r.trigger_wall_ns, r.trigger_mono_ns, r.preroll_requested_ns, "
    "r.preroll_achieved_ns, r.postroll_ns, r.max_length_ns, r.start_wall_ns, r.end_wall_ns, r.state, "
    "coalesce(r.end_reason, ''), r.locked, r.recorder_pid, r.frames_lost, r.kind, r.lease_epoch "
    "FROM recording r JOIN stream st ON st.id = r.stream_id ";

constexpr int64_t kMinTime = INT64_MIN;
constexpr int64_t kMaxTime = INT64_MAX;

// The space reserve of a recording connection (keep_space_reserve): the WAL is checkpointed every
// kCheckpointPages pages, and once a checkpoint has run the log is rewritten from its start, so a log file
// allocated for that many pages plus a margin never has to grow; the database file grows only when tables
// do, and the margin covers what a recorder writes while it waits for space (rows to close, a gap).
constexpr int kCheckpointPages = 32;
constexpr int64_t kMarginPages = 32;
constexpr int64_t kWalFrameHeader = 24, kWalHeader = 32;

// Allocates [0, bytes) of the file without changing its size; a full disk leaves what is there.
void allocate_keeping_size(int fd, int64_t bytes) noexcept {
  if (fd >= 0 && bytes > 0) (void)::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, bytes);
}

int64_t file_size(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

SegmentRow read_segment(const sqlite::Statement& q) {
  SegmentRow s;
  s.id = q.int64(0);
  s.recording_id = q.int64(1);
  s.stream_id = q.int64(2);
  s.stream_name = q.text(3);
  s.ordinal = q.int64(4);
  s.path = q.text(5);
  s.start_wall_ns = q.int64(6);
  s.end_wall_ns = q.int64(7);
  s.start_pts_90k = q.int64(8);
  s.duration_90k = q.int64(9);
  s.frames = q.int64(10);
  s.keyframes = q.int64(11);
  s.size_bytes = q.int64(12);
  s.video_codec = q.text(13);
  s.width = q.int64(14);
  s.height = q.int64(15);
  s.video_config = q.blob(16);
  s.audio_codec = q.text(17);
  s.audio_sample_rate = q.int64(18);
  s.audio_channels = q.int64(19);
  s.audio_frames = q.int64(20);
  s.state = q.text(21);
  s.end_reason = q.text(22);
  s.location = q.text(23);
  s.s3_key = q.text(24);
  s.s3_uploaded_wall_ns = q.optional_int64(25);
  return s;
}

RecordingRow read_recording(const sqlite::Statement& q) {
  RecordingRow r;
  r.id = q.int64(0);
  r.stream_id = q.int64(1);
  r.stream_name = q.text(2);
  r.trigger_wall_ns = q.int64(3);
  r.trigger_mono_ns = q.int64(4);
  r.preroll_requested_ns = q.int64(5);
  r.preroll_achieved_ns = q.optional_int64(6);
  r.postroll_ns = q.int64(7);
  r.max_length_ns = q.optional_int64(8);
  r.start_wall_ns = q.optional_int64(9);
  r.end_wall_ns = q.optional_int64(10);
  r.state = q.text(11);
  r.end_reason = q.text(12);
  r.locked = q.int64(13) != 0;
  r.recorder_pid = q.int64(14);
  r.frames_lost = q.int64(15);
  r.kind = q.text(16);
  r.lease_epoch = q.optional_int64(17);
  return r;
}

EventRow read_event(const sqlite::Statement& q) {
  EventRow e;
  e.id = q.int64(0);
  e.stream_id = q.int64(1);
  e.stream_name = q.text(2);
  e.label = q.text(3);
  e.score = q.optional_real(4);
  e.metadata_json = q.text(5);
  e.trigger_wall_ns = q.int64(6);
  e.start_wall_ns = q.int64(7);
  e.end_wall_ns = q.optional_int64(8);
  e.preroll_ns = q.int64(9);
  e.postroll_ns = q.int64(10);
  e.max_length_ns = q.optional_int64(11);
  e.recording_id = q.optional_int64(12);
  e.state = q.text(13);
  e.end_reason = q.text(14);
  return e;
}

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kMaxTime : kMinTime;
  return r;
}

size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool valid_stream_name(const std::string& name) { return !name.empty() && name.size() <= 64; }

void check_page(const PageRequest& p) {
  if (p.page < 1 || p.per_page < 1 || p.per_page > kMaxPerPage) {
    throw CatalogError(CatalogErrc::invalid_argument,
                       "catalog: page " + std::to_string(p.page) + ", per_page " + std::to_string(p.per_page) +
                           ": page must be >= 1 and per_page 1.." + std::to_string(kMaxPerPage));
  }
}

[[noreturn]] void invalid_event(const std::string& why) {
  throw CatalogError(CatalogErrc::invalid_argument, "catalog: event " + why);
}

// Collects every row of a statement, then resets it for reuse.
template <class Row, class Read>
std::vector<Row> collect(sqlite::Statement& q, Read read) {
  std::vector<Row> rows;
  try {
    while (q.step()) rows.push_back(read(q));
  } catch (...) {
    q.reset();
    throw;
  }
  q.reset();
  return rows;
}

std::optional<std::string> null_if_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

struct Catalog::Impl {
  std::filesystem::path dir;
  sqlite::Connection conn;
  // Prepared once, reused for the life of the connection.
  sqlite::Statement q_streams, q_find_stream, q_insert_stream, q_recordings, q_recording, q_segments,
      q_segments_of_recording, q_all_segments, q_unfinished_segments, q_unfinished_recordings, q_segment, q_keyframes, q_keyframe_at, q_gaps, q_clock_jumps,
      q_stream_end, q_stream_bytes, q_stream_footage, q_insert_recording, q_set_recording_start, q_add_lost, q_finish_recording,
      q_set_locked, q_mark_recording_deleting, q_insert_segment, q_progress, q_finish_segment, q_insert_keyframe, q_delete_keyframes,
      q_insert_gap, q_insert_jump, q_mark_deleting, q_mark_deleting_if_unlocked, q_delete_segment,
      q_delete_recording_if_empty, q_counts, q_event, q_open_events, q_events, q_events_page, q_events_count,
      q_recordings_page, q_recordings_count, q_insert_event, q_json_valid, q_set_event_recording, q_end_event,
      q_mark_deleting_if_unprotected, q_to_upload, q_upload_backlog, q_set_uploaded, q_set_local_removed;

  // keep_space_reserve(): files whose blocks are kept allocated, and the page size.
  bool reserve = false;
  int64_t page_bytes = 4096;
  UniqueFd db_fd, wal_fd;

  Impl(std::filesystem::path d, sqlite::OpenMode mode) : dir(std::move(d)), conn((dir / "catalog.db").string(), mode) {}

  // Commits, then tops the reserve up again (a no-op on blocks that are already allocated).
  void commit(sqlite::Transaction& tx) {
    tx.commit();
    top_up_reserve();
  }

  void top_up_reserve() noexcept {
    if (!reserve) return;
    if (db_fd.get() < 0) db_fd = UniqueFd(::open((dir / "catalog.db").c_str(), O_RDWR | O_CLOEXEC));
    if (wal_fd.get() < 0) wal_fd = UniqueFd(::open((dir / "catalog.db-wal").c_str(), O_RDWR | O_CLOEXEC));
    const int64_t frame = page_bytes + kWalFrameHeader;
    allocate_keeping_size(db_fd.get(), file_size(db_fd.get()) + kMarginPages * page_bytes);
    allocate_keeping_size(wal_fd.get(), std::max(kWalHeader + (kCheckpointPages + kMarginPages) * frame,
                                                 file_size(wal_fd.get()) + kMarginPages * frame));
  }

  void bind_optional_text(sqlite::Statement& q, int i, const std::string& v) {
    if (auto t = null_if_empty(v)) q.bind(i, *t);
    else q.bind_null(i);
  }

  void prepare() {
    auto* db = conn.get();
    q_streams = {db, "SELECT id, name, created_wall_ns FROM stream ORDER BY name"};
    q_find_stream = {db, "SELECT id, name, created_wall_ns FROM stream WHERE name = ?1"};
    q_insert_stream = {db, "INSERT INTO stream (name, created_wall_ns) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING"};
    q_recordings = {db, std::string("SELECT ") + kRecordingColumns +
                            "WHERE (?1 IS NULL OR st.name = ?1) "
                            "AND coalesce(r.start_wall_ns, r.trigger_wall_ns) < ?3 "
                            "AND coalesce(r.end_wall_ns, ?4) >= ?2 "
                            "ORDER BY coalesce(r.start_wall_ns, r.trigger_wall_ns), r.id"};
    q_recording = {db, std::string("SELECT ") + kRecordingColumns + "WHERE r.id = ?1"};
    // Segments of a stream do not overlap (docs/catalog.md), so none that starts before the last one starting
    // before `from` can reach it: that start bounds the index walk from below. Without it, a range query read
    // every segment of the stream's history up to `to` (180 ms for a day of a year of one-minute segments).
    q_segments = {db, std::string("SELECT ") + kSegmentColumns +
                          "WHERE st.name = ?1 AND s.state <> 'deleting' AND s.start_wall_ns < ?3 "
                          "AND s.end_wall_ns >= ?2 AND s.start_wall_ns >= coalesce((SELECT max(p.start_wall_ns) "
                          "FROM segment p WHERE p.stream_id = st.id AND p.start_wall_ns < ?2), ?2) "
                          "ORDER BY s.start_wall_ns, s.id"};
    q_segments_of_recording = {db, std::string("SELECT ") + kSegmentColumns +
                                       "WHERE s.recording_id = ?1 ORDER BY s.ordinal, s.id"};
    q_all_segments = {db, std::string("SELECT ") + kSegmentColumns + "ORDER BY s.start_wall_ns, s.id"};
    q_unfinished_segments = {db, std::string("SELECT ") + kSegmentColumns +
                                     "WHERE s.state IN ('writing', 'deleting') ORDER BY s.start_wall_ns, s.id"};
    q_unfinished_recordings = {db, std::string("SELECT ") + kRecordingColumns +
                                       "WHERE r.state = 'recording' ORDER BY r.id"};
    q_segment = {db, std::string("SELECT ") + kSegmentColumns + "WHERE s.id = ?1"};
    q_keyframes = {db, "SELECT sample_number, media_offset_90k, wall_ns, byte_offset FROM segment_keyframe "
                       "WHERE segment_id = ?1 ORDER BY sample_number"};
    q_keyframe_at = {db, "SELECT sample_number, media_offset_90k, wall_ns, byte_offset FROM segment_keyframe "
                         "WHERE segment_id = ?1 AND media_offset_90k <= ?2 ORDER BY media_offset_90k DESC, "
                         "sample_number DESC LIMIT 1"};
    q_gaps = {db, "SELECT g.id, g.stream_id, g.recording_id, g.start_wall_ns, g.end_wall_ns, g.frames_lost, "
                  "g.reason FROM gap g JOIN stream st ON st.id = g.stream_id WHERE st.name = ?1 "
                  "AND g.start_wall_ns < ?3 AND g.end_wall_ns >= ?2 ORDER BY g.start_wall_ns, g.id"};
    q_clock_jumps = {db, "SELECT j.id, j.stream_id, j.recording_id, j.anchored_wall_ns, j.reported_wall_ns, "
                         "j.jump_ns FROM clock_jump j JOIN stream st ON st.id = j.stream_id WHERE st.name = ?1 "
                         "ORDER BY j.id"};
    // Segments of a stream do not overlap (end[i] <= start[i+1], docs/catalog.md), so the newest one by start
    // ends last: one step down the (stream_id, start_wall_ns) index instead of reading the stream's history.
    q_stream_end = {db, "SELECT s.end_wall_ns FROM segment s WHERE s.stream_id = (SELECT id FROM stream "
                        "WHERE name = ?1) ORDER BY s.start_wall_ns DESC, s.id DESC LIMIT 1"};
    q_stream_bytes = {db, "SELECT coalesce(sum(s.size_bytes), 0) FROM segment s JOIN stream st "
                          "ON st.id = s.stream_id WHERE st.name = ?1 AND s.state <> 'deleting' AND s.location <> 's3'"};
    q_stream_footage = {db, "SELECT count(*), coalesce(sum(s.size_bytes), 0), min(s.start_wall_ns), max(s.end_wall_ns) "
                            "FROM segment s JOIN stream st ON st.id = s.stream_id "
                            "WHERE st.name = ?1 AND s.state <> 'deleting'"};
    q_insert_recording = {db, "INSERT INTO recording (stream_id, trigger_wall_ns, trigger_mono_ns, "
                              "preroll_requested_ns, postroll_ns, max_length_ns, recorder_pid, kind, lease_epoch) "
                              "VALUES ((SELECT id FROM stream WHERE name = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"};
    q_set_recording_start = {db, "UPDATE recording SET start_wall_ns = ?2, preroll_achieved_ns = ?3 WHERE id = ?1"};
    q_add_lost = {db, "UPDATE recording SET frames_lost = frames_lost + ?2 WHERE id = ?1"};
    q_finish_recording = {db, "UPDATE recording SET state = ?2, end_reason = ?3, "
                              "end_wall_ns = coalesce(?4, (SELECT max(end_wall_ns) FROM segment "
                              "WHERE recording_id = ?1), start_wall_ns) WHERE id = ?1"};
    q_set_locked = {db, "UPDATE recording SET locked = ?2 WHERE id = ?1 AND (?2 = 0 OR NOT EXISTS "
                        "(SELECT 1 FROM segment WHERE recording_id = ?1 AND state = 'deleting'))"};
    q_mark_recording_deleting = {db, "UPDATE segment SET state = 'deleting' WHERE recording_id = ?1 AND "
                                     "state IN ('complete', 'recovered') AND "
                                     "NOT EXISTS (SELECT 1 FROM recording WHERE id = ?1 AND locked = 1)"};
    q_insert_segment = {db, "INSERT INTO segment (recording_id, stream_id, ordinal, path, start_wall_ns, "
                            "end_wall_ns, start_pts_90k, video_codec, width, height, video_config, audio_codec, "
                            "audio_sample_rate, audio_channels) VALUES (?1, (SELECT stream_id FROM recording "
                            "WHERE id = ?1), ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"};
    q_progress = {db, "UPDATE segment SET end_wall_ns = max(start_wall_ns, ?2), duration_90k = ?3, frames = ?4, "
                      "keyframes = ?5, size_bytes = ?6, audio_frames = ?7 WHERE id = ?1"};
    q_finish_segment = {db, "UPDATE segment SET state = ?2, end_reason = ?3 WHERE id = ?1"};
    q_insert_keyframe = {db, "INSERT OR REPLACE INTO segment_keyframe (segment_id, sample_number, "
                             "media_offset_90k, wall_ns, byte_offset) VALUES (?1, ?2, ?3, ?4, ?5)"};
    q_delete_keyframes = {db, "DELETE FROM segment_keyframe WHERE segment_id = ?1"};
    q_insert_gap = {db, "INSERT INTO gap (stream_id, recording_id, start_wall_ns, end_wall_ns, frames_lost, "
                        "reason) VALUES ((SELECT stream_id FROM recording WHERE id = ?1), ?1, ?2, ?3, ?4, ?5)"};
    q_insert_jump = {db, "INSERT INTO clock_jump (stream_id, recording_id, anchored_wall_ns, reported_wall_ns, "
                         "jump_ns) VALUES ((SELECT stream_id FROM recording WHERE id = ?1), ?1, ?2, ?3, ?4)"};
    q_mark_deleting = {db, "UPDATE segment SET state = 'deleting' WHERE id = ?1"};
    q_mark_deleting_if_unlocked = {db, "UPDATE segment SET state = 'deleting' WHERE id = ?1 AND "
                                       "state IN ('complete', 'recovered') AND recording_id NOT IN "
                                       "(SELECT id FROM recording WHERE locked = 1)"};
    q_delete_segment = {db, "DELETE FROM segment WHERE id = ?1"};
    q_delete_recording_if_empty = {db, "DELETE FROM recording WHERE id = ?1 AND state <> 'recording' AND NOT "
                                       "EXISTS (SELECT 1 FROM segment WHERE recording_id = ?1)"};
    q_counts = {db, "SELECT (SELECT count(*) FROM segment), (SELECT count(*) FROM recording), "
                    "(SELECT count(*) FROM event)"};
    q_event = {db, std::string("SELECT ") + kEventColumns + "WHERE e.id = ?1"};
    q_open_events = {db, std::string("SELECT ") + kEventColumns + "WHERE e.state = 'open' ORDER BY e.id"};
    q_events = {db, std::string("SELECT ") + kEventColumns + kEventRangeWhere + "ORDER BY e.start_wall_ns, e.id"};
    q_events_page = {db, std::string("SELECT ") + kEventColumns + kEventRangeWhere +
                             "ORDER BY e.start_wall_ns, e.id LIMIT ?5 OFFSET ?6"};
    q_events_count = {db, std::string("SELECT count(*) FROM event e ") + kEventRangeWhere};
    q_recordings_page = {db, std::string("SELECT ") + kRecordingColumns + kRecordingRangeWhere +
                                 "ORDER BY coalesce(r.start_wall_ns, r.trigger_wall_ns), r.id LIMIT ?5 OFFSET ?6"};
    q_recordings_count = {db, std::string("SELECT count(*) FROM recording r ") + kRecordingRangeWhere};
    q_insert_event = {db, "INSERT INTO event (stream_id, label, score, metadata_json, trigger_wall_ns, "
                          "start_wall_ns, preroll_ns, postroll_ns, max_length_ns, recording_id) VALUES ((SELECT id "
                          "FROM stream WHERE name = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"};
    q_json_valid = {db, "SELECT json_valid(?1)"};
    q_set_event_recording = {db, "UPDATE event SET recording_id = ?2 WHERE id = ?1"};
    q_end_event = {db, "UPDATE event SET state = 'ended', end_wall_ns = ?2, end_reason = ?3 "
                       "WHERE id = ?1 AND state = 'open'"};
    // retention.h's protection rule, in the statement that marks: ?2 now, ?3 event_max_age_ns, ?4 the index
    // bound kMaxEventPrerollNs.
    q_mark_deleting_if_unprotected = {
        db, "UPDATE segment SET state = 'deleting' WHERE id = ?1 AND state IN ('complete', 'recovered') AND "
            "recording_id NOT IN (SELECT id FROM recording WHERE locked = 1) AND NOT EXISTS (SELECT 1 FROM event e "
            "WHERE e.stream_id = segment.stream_id AND e.start_wall_ns < segment.end_wall_ns + ?4 AND "
            "e.start_wall_ns - e.preroll_ns < segment.end_wall_ns AND (e.end_wall_ns IS NULL OR "
            "e.end_wall_ns + e.postroll_ns >= segment.start_wall_ns) AND ?2 < coalesce(e.end_wall_ns, ?2) + ?3)"};
    prepare_copies();
  }

  // Object storage (docs/object-storage.md): the WHERE clauses are segment_upload_pending's, so both walk it.
  void prepare_copies() {
    auto* db = conn.get();
    q_to_upload = {db, std::string("SELECT ") + kSegmentColumns +
                           "WHERE s.location = 'local' AND s.state IN ('complete', 'recovered') ORDER BY s.id LIMIT ?1"};
    q_upload_backlog = {db, "SELECT count(*) FROM segment s WHERE s.location = 'local' AND s.state IN "
                            "('complete', 'recovered')"};
    q_set_uploaded = {db, "UPDATE segment SET location = 'both', s3_key = ?2, s3_uploaded_wall_ns = ?3 WHERE id = ?1 "
                          "AND location = 'local' AND state IN ('complete', 'recovered')"};
    q_set_local_removed = {db, "UPDATE segment SET location = 's3' WHERE id = ?1 AND location = 'both'"};
  }

  // Creates the schema on an empty file or checks the version of an existing one.
  int64_t user_version() {
    sqlite::Statement v(conn.get(), "PRAGMA user_version");
    v.step();
    return v.int64(0);
  }

  void refuse_newer(int64_t version) const {
    if (version > kSchemaVersion) {
      throw CatalogError(CatalogErrc::catalog_too_new,
                          "catalog " + (dir / "catalog.db").string() + " has schema version " +
                              std::to_string(version) + "; this zcrec knows up to " +
                              std::to_string(kSchemaVersion));
    }
  }

  void migrate() {
    sqlite::Transaction tx(conn);
    int64_t version = user_version();
    refuse_newer(version);
    if (version == 0) {
      conn.exec(std::string(schema::kCatalogSql));
    } else {
      // One step per version, in order, in this transaction: a crash leaves the old version whole.
      for (const auto& step : schema::kUpgradeSteps) {
        if (step.from == version) {
          conn.exec(std::string(step.sql));
          ++version;
        }
      }
    }
    tx.commit();
  }

  void insert_keyframes(int64_t segment_id, const std::vector<KeyframeEntry>& kfs) {
    for (const auto& k : kfs) {
      q_insert_keyframe.bind(1, segment_id)
          .bind(2, k.sample_number)
          .bind(3, k.media_offset_90k)
          .bind(4, k.wall_ns)
          .bind(5, k.byte_offset)
          .run();
    }
  }

  void progress(int64_t segment_id, const SegmentProgress& p) {
    q_progress.bind(1, segment_id)
        .bind(2, p.end_wall_ns)
        .bind(3, p.duration_90k)
        .bind(4, p.frames)
        .bind(5, p.keyframes)
        .bind(6, p.size_bytes)
        .bind(7, p.audio_frames)
        .run();
    insert_keyframes(segment_id, p.new_keyframes);
  }
};

Catalog Catalog::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw_io_error("cannot create storage directory " + dir.string(), ec.value());
  auto impl = std::make_unique<Impl>(dir, sqlite::OpenMode::create);
  // WAL lets readers (list, play) run while recorders write; NORMAL sync is durable at checkpoints and never
  // corrupts; foreign keys make a dangling reference an error instead of a silent orphan.
  impl->conn.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
  impl->migrate();
  impl->prepare();
  return Catalog(std::move(impl));
}

Catalog Catalog::open_existing(const std::filesystem::path& dir, Access access) {
  std::error_code ec;
  const auto db = dir / "catalog.db";
  if (!std::filesystem::is_directory(dir, ec)) {
    throw CatalogError(CatalogErrc::no_catalog, "no catalog in " + dir.string() +
                                                      ": the directory does not exist (only recording creates a storage "
                                                      "directory)");
  }
  if (!std::filesystem::exists(db, ec)) {
    throw CatalogError(CatalogErrc::no_catalog, "no catalog in " + dir.string() + ": " + db.filename().string() +
                                                      " is missing");
  }
  const bool read_only = access == Access::read_only;
  auto impl = std::make_unique<Impl>(dir, read_only ? sqlite::OpenMode::read_only : sqlite::OpenMode::existing);
  if (read_only) {
    impl->conn.exec("PRAGMA foreign_keys = ON;");
    const int64_t version = impl->user_version();
    impl->refuse_newer(version);
    if (version == 0) throw CatalogError(CatalogErrc::catalog, db.string() + " is empty or not a zcrec catalog");
    if (version < kSchemaVersion) {
      throw CatalogError(CatalogErrc::catalog, "catalog " + db.string() + " has schema version " +
                                                     std::to_string(version) + " and needs an upgrade; run "
                                                     "`zcrec check` on it first");
    }
  } else {
    impl->conn.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
    impl->migrate();
  }
  impl->prepare();
  return Catalog(std::move(impl));
}

Catalog::Catalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

const std::filesystem::path& Catalog::dir() const noexcept { return impl_->dir; }

std::filesystem::path Catalog::absolute_path(const SegmentRow& segment) const { return impl_->dir / segment.path; }

int Catalog::schema_version() const {
  sqlite::Statement v(impl_->conn.get(), "PRAGMA user_version");
  v.step();
  return static_cast<int>(v.int64(0));
}

std::vector<StreamRow> Catalog::streams() const {
  return collect<StreamRow>(impl_->q_streams,
                            [](const sqlite::Statement& q) { return StreamRow{q.int64(0), q.text(1), q.int64(2)}; });
}

std::optional<StreamRow> Catalog::find_stream(const std::string& name) const {
  impl_->q_find_stream.bind(1, name);
  auto rows = collect<StreamRow>(impl_->q_find_stream, [](const sqlite::Statement& q) {
    return StreamRow{q.int64(0), q.text(1), q.int64(2)};
  });
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<RecordingRow> Catalog::recordings(const std::optional<std::string>& stream_name,
                                              const TimeRange& range) const {
  auto& q = impl_->q_recordings;
  if (stream_name) q.bind(1, *stream_name);
  else q.bind_null(1);
  q.bind(2, range.from_wall_ns.value_or(kMinTime)).bind(3, range.to_wall_ns.value_or(kMaxTime)).bind(4, kMaxTime);
  return collect<RecordingRow>(q, read_recording);
}

std::optional<RecordingRow> Catalog::recording(int64_t recording_id) const {
  impl_->q_recording.bind(1, recording_id);
  auto rows = collect<RecordingRow>(impl_->q_recording, read_recording);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<SegmentRow> Catalog::segments(const std::string& stream_name, const TimeRange& range) const {
  auto& q = impl_->q_segments;
  q.bind(1, stream_name).bind(2, range.from_wall_ns.value_or(kMinTime)).bind(3, range.to_wall_ns.value_or(kMaxTime));
  return collect<SegmentRow>(q, read_segment);
}

std::vector<SegmentRow> Catalog::segments_of_recording(int64_t recording_id) const {
  impl_->q_segments_of_recording.bind(1, recording_id);
  return collect<SegmentRow>(impl_->q_segments_of_recording, read_segment);
}

std::vector<SegmentRow> Catalog::all_segments() const { return collect<SegmentRow>(impl_->q_all_segments, read_segment); }

std::vector<SegmentRow> Catalog::unfinished_segments() const {
  return collect<SegmentRow>(impl_->q_unfinished_segments, read_segment);
}

std::vector<RecordingRow> Catalog::unfinished_recordings() const {
  return collect<RecordingRow>(impl_->q_unfinished_recordings, read_recording);
}

std::optional<SegmentRow> Catalog::segment(int64_t segment_id) const {
  impl_->q_segment.bind(1, segment_id);
  auto rows = collect<SegmentRow>(impl_->q_segment, read_segment);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

namespace {
KeyframeEntry read_keyframe(const sqlite::Statement& q) {
  return KeyframeEntry{q.int64(0), q.int64(1), q.int64(2), q.int64(3)};
}
}  // namespace

std::vector<KeyframeEntry> Catalog::keyframes(int64_t segment_id) const {
  impl_->q_keyframes.bind(1, segment_id);
  return collect<KeyframeEntry>(impl_->q_keyframes, read_keyframe);
}

std::optional<KeyframeEntry> Catalog::keyframe_at_or_before(int64_t segment_id, int64_t media_offset_90k) const {
  impl_->q_keyframe_at.bind(1, segment_id).bind(2, media_offset_90k);
  auto rows = collect<KeyframeEntry>(impl_->q_keyframe_at, read_keyframe);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<GapRow> Catalog::gaps(const std::string& stream_name, const TimeRange& range) const {
  auto& q = impl_->q_gaps;
  q.bind(1, stream_name).bind(2, range.from_wall_ns.value_or(kMinTime)).bind(3, range.to_wall_ns.value_or(kMaxTime));
  return collect<GapRow>(q, [](const sqlite::Statement& r) {
    return GapRow{r.int64(0), r.int64(1), r.int64(2), r.int64(3), r.int64(4), r.int64(5), r.text(6)};
  });
}

std::vector<ClockJumpRow> Catalog::clock_jumps(const std::string& stream_name) const {
  impl_->q_clock_jumps.bind(1, stream_name);
  return collect<ClockJumpRow>(impl_->q_clock_jumps, [](const sqlite::Statement& r) {
    return ClockJumpRow{r.int64(0), r.int64(1), r.int64(2), r.int64(3), r.int64(4), r.int64(5)};
  });
}

std::optional<int64_t> Catalog::stream_end_wall_ns(const std::string& stream_name) const {
  impl_->q_stream_end.bind(1, stream_name);
  auto rows = collect<std::optional<int64_t>>(impl_->q_stream_end,
                                              [](const sqlite::Statement& q) { return q.optional_int64(0); });
  return rows.empty() ? std::nullopt : rows.front();
}

int64_t Catalog::stream_bytes(const std::string& stream_name) const {
  impl_->q_stream_bytes.bind(1, stream_name);
  auto rows = collect<int64_t>(impl_->q_stream_bytes, [](const sqlite::Statement& q) { return q.int64(0); });
  return rows.empty() ? 0 : rows.front();
}

StreamFootage Catalog::footage(const std::string& stream_name) const {
  impl_->q_stream_footage.bind(1, stream_name);
  auto rows = collect<StreamFootage>(impl_->q_stream_footage, [](const sqlite::Statement& q) {
    StreamFootage f{q.int64(0), q.int64(1), std::nullopt, std::nullopt};
    if (f.segments > 0) {
      f.oldest_start_wall_ns = q.int64(2);
      f.newest_end_wall_ns = q.int64(3);
    }
    return f;
  });
  return rows.empty() ? StreamFootage{} : rows.front();
}

CatalogCounts Catalog::counts() const {
  auto rows = collect<CatalogCounts>(impl_->q_counts, [](const sqlite::Statement& q) {
    return CatalogCounts{q.int64(0), q.int64(1), q.int64(2)};
  });
  return rows.empty() ? CatalogCounts{} : rows.front();
}

std::optional<EventRow> Catalog::event(int64_t id) const {
  impl_->q_event.bind(1, id);
  auto rows = collect<EventRow>(impl_->q_event, read_event);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<EventRow> Catalog::open_events() const { return collect<EventRow>(impl_->q_open_events, read_event); }

namespace {
// Binds the four parameters of kEventRangeWhere / kRecordingRangeWhere.
void bind_range(sqlite::Statement& q, const std::optional<std::string>& stream, const TimeRange& range,
                int64_t fourth) {
  if (stream) q.bind(1, *stream);
  else q.bind_null(1);
  q.bind(2, range.from_wall_ns.value_or(kMinTime)).bind(3, range.to_wall_ns.value_or(kMaxTime)).bind(4, fourth);
}

int64_t event_start_bound(const TimeRange& range) {
  return saturating_add(range.to_wall_ns.value_or(kMaxTime), kMaxEventPrerollNs);
}

template <class Row, class Read>
Page<Row> read_page(sqlite::Connection& conn, sqlite::Statement& count, sqlite::Statement& page,
                    const PageRequest& request, const std::function<void(sqlite::Statement&)>& bind, Read read) {
  check_page(request);
  Page<Row> out;
  out.page = request.page;
  out.per_page = request.per_page;
  sqlite::ReadTransaction snapshot(conn);
  bind(count);
  auto totals = collect<int64_t>(count, [](const sqlite::Statement& q) { return q.int64(0); });
  out.total = totals.empty() ? 0 : totals.front();
  out.pages = (out.total + request.per_page - 1) / request.per_page;
  // page * per_page stays far from overflow: per_page <= 1000, and a page past `pages` reads nothing.
  if (request.page > out.pages) return out;
  bind(page);
  page.bind(5, request.per_page).bind(6, (request.page - 1) * request.per_page);
  out.items = collect<Row>(page, read);
  return out;
}
}  // namespace

std::vector<EventRow> Catalog::events(const std::optional<std::string>& stream_name, const TimeRange& range) const {
  bind_range(impl_->q_events, stream_name, range, event_start_bound(range));
  return collect<EventRow>(impl_->q_events, read_event);
}

Page<EventRow> Catalog::events_page(const std::optional<std::string>& stream, const TimeRange& range,
                                   const PageRequest& request) const {
  return read_page<EventRow>(
      impl_->conn, impl_->q_events_count, impl_->q_events_page, request,
      [&](sqlite::Statement& q) { bind_range(q, stream, range, event_start_bound(range)); }, read_event);
}

Page<RecordingRow> Catalog::recordings_page(const std::optional<std::string>& stream, const TimeRange& range,
                                           const PageRequest& request) const {
  return read_page<RecordingRow>(
      impl_->conn, impl_->q_recordings_count, impl_->q_recordings_page, request,
      [&](sqlite::Statement& q) { bind_range(q, stream, range, kMaxTime); }, read_recording);
}

int64_t Catalog::add_event(const NewEvent& e) {
  if (!valid_stream_name(e.stream_name)) invalid_event("stream name must be 1..64 bytes: '" + e.stream_name + "'");
  if (utf8_chars(e.label) > kMaxEventLabelChars) {
    invalid_event("label has " + std::to_string(utf8_chars(e.label)) + " characters; at most " +
                  std::to_string(kMaxEventLabelChars));
  }
  if (e.metadata_json.size() > kMaxEventMetadataBytes) {
    invalid_event("metadata is " + std::to_string(e.metadata_json.size()) + " bytes; at most " +
                  std::to_string(kMaxEventMetadataBytes));
  }
  if (e.preroll_ns < 0 || e.preroll_ns > kMaxEventPrerollNs) {
    invalid_event("pre-roll " + std::to_string(e.preroll_ns) + " ns is outside 0..1 h (start the event earlier "
                  "instead)");
  }
  if (e.postroll_ns < 0) invalid_event("post-roll must not be negative");
  if (e.max_length_ns && *e.max_length_ns <= 0) invalid_event("max length must be positive");
  sqlite::Transaction tx(impl_->conn);
  if (!e.metadata_json.empty()) {
    impl_->q_json_valid.bind(1, e.metadata_json);
    auto ok = collect<int64_t>(impl_->q_json_valid, [](const sqlite::Statement& q) { return q.int64(0); });
    if (ok.empty() || ok.front() != 1) invalid_event("metadata is not valid JSON");
  }
  if (e.recording_id && !recording(*e.recording_id)) {
    invalid_event("names recording " + std::to_string(*e.recording_id) + ", which does not exist");
  }
  impl_->q_insert_stream.bind(1, e.stream_name).bind(2, e.trigger_wall_ns).run();
  auto& q = impl_->q_insert_event;
  q.bind(1, e.stream_name).bind(2, e.label).bind_real(3, e.score);
  impl_->bind_optional_text(q, 4, e.metadata_json);
  q.bind(5, e.trigger_wall_ns)
      .bind(6, e.start_wall_ns)
      .bind(7, e.preroll_ns)
      .bind(8, e.postroll_ns)
      .bind(9, e.max_length_ns)
      .bind(10, e.recording_id)
      .run();
  const int64_t id = impl_->conn.last_insert_rowid();
  impl_->commit(tx);
  return id;
}

void Catalog::set_event_recording(int64_t event_id, int64_t recording_id) {
  sqlite::Transaction tx(impl_->conn);
  if (!event(event_id)) throw CatalogError(CatalogErrc::not_found, "catalog: no event " + std::to_string(event_id));
  if (!recording(recording_id)) {
    throw CatalogError(CatalogErrc::not_found, "catalog: no recording " + std::to_string(recording_id));
  }
  impl_->q_set_event_recording.bind(1, event_id).bind(2, recording_id).run();
  impl_->commit(tx);
}

void Catalog::end_event(int64_t event_id, int64_t end_wall_ns, const std::string& reason) {
  static constexpr const char* kReasons[] = {"ended", "duration", "max_length", "shutdown", "crashed"};
  if (std::find(std::begin(kReasons), std::end(kReasons), reason) == std::end(kReasons)) {
    invalid_event("end reason '" + reason + "' is not one of ended, duration, max_length, shutdown, crashed");
  }
  sqlite::Transaction tx(impl_->conn);
  const auto e = event(event_id);
  if (!e) throw CatalogError(CatalogErrc::not_found, "catalog: no event " + std::to_string(event_id));
  if (e->state != "open") {
    throw CatalogError(CatalogErrc::not_open, "catalog: event " + std::to_string(event_id) + " has already ended (" +
                                                  e->end_reason + ")");
  }
  if (end_wall_ns < e->start_wall_ns) {
    invalid_event(std::to_string(event_id) + " cannot end at " + std::to_string(end_wall_ns) +
                  " ns, before its start " + std::to_string(e->start_wall_ns) + " ns");
  }
  impl_->q_end_event.bind(1, event_id).bind(2, end_wall_ns).bind(3, reason).run();
  impl_->commit(tx);
}

void Catalog::keep_space_reserve() {
  impl_->conn.exec("PRAGMA wal_autocheckpoint = " + std::to_string(kCheckpointPages));
  sqlite::Statement q(impl_->conn.get(), "PRAGMA page_size");
  if (q.step()) impl_->page_bytes = q.int64(0);
  q.reset();
  impl_->reserve = true;
  impl_->top_up_reserve();
}

int64_t Catalog::ensure_stream(const std::string& name, int64_t now_wall_ns) {
  if (auto s = find_stream(name)) return s->id;
  sqlite::Transaction tx(impl_->conn);
  impl_->q_insert_stream.bind(1, name).bind(2, now_wall_ns).run();
  impl_->commit(tx);
  auto s = find_stream(name);
  if (!s) throw CatalogError(CatalogErrc::catalog, "catalog: stream " + name + " vanished after insert");
  return s->id;
}

int64_t Catalog::begin_recording(const NewRecording& r, const std::function<void(int64_t)>& before_commit) {
  if (!find_stream(r.stream_name)) {
    throw CatalogError(CatalogErrc::invalid_argument, "catalog: unknown stream " + r.stream_name);
  }
  sqlite::Transaction tx(impl_->conn);
  impl_->q_insert_recording.bind(1, r.stream_name)
      .bind(2, r.trigger_wall_ns)
      .bind(3, r.trigger_mono_ns)
      .bind(4, r.preroll_requested_ns)
      .bind(5, r.postroll_ns)
      .bind(6, r.max_length_ns)
      .bind(7, r.recorder_pid)
      .bind(8, r.kind)
      .bind(9, r.lease_epoch)
      .run();
  const int64_t id = impl_->conn.last_insert_rowid();
  if (before_commit) before_commit(id);
  impl_->commit(tx);
  return id;
}

void Catalog::set_recording_start(int64_t recording_id, int64_t start_wall_ns, int64_t preroll_achieved_ns) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_set_recording_start.bind(1, recording_id).bind(2, start_wall_ns).bind(3, preroll_achieved_ns).run();
  impl_->commit(tx);
}

void Catalog::add_frames_lost(int64_t recording_id, int64_t frames) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_add_lost.bind(1, recording_id).bind(2, frames).run();
  impl_->commit(tx);
}

void Catalog::finish_recording(int64_t recording_id, const std::string& state, const std::string& end_reason,
                               std::optional<int64_t> end_wall_ns) {
  sqlite::Transaction tx(impl_->conn);
  auto& q = impl_->q_finish_recording;
  q.bind(1, recording_id).bind(2, state);
  impl_->bind_optional_text(q, 3, end_reason);
  q.bind(4, end_wall_ns).run();
  impl_->commit(tx);
}

void Catalog::set_locked(int64_t recording_id, bool locked) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_set_locked.bind(1, recording_id).bind(2, int64_t{locked ? 1 : 0}).run();
  impl_->commit(tx);
}

std::vector<int64_t> Catalog::set_locked(const std::vector<int64_t>& recording_ids, bool locked) {
  sqlite::Transaction tx(impl_->conn);
  std::vector<int64_t> missing;
  for (const int64_t id : recording_ids) {
    impl_->q_set_locked.bind(1, id).bind(2, int64_t{locked ? 1 : 0}).run();
    if (impl_->conn.changes() == 0) missing.push_back(id);
  }
  if (missing.empty()) impl_->commit(tx);  // otherwise the transaction rolls back: all or nothing
  return missing;
}

int64_t Catalog::begin_segment(const NewSegment& s) {
  sqlite::Transaction tx(impl_->conn);
  auto& q = impl_->q_insert_segment;
  q.bind(1, s.recording_id)
      .bind(2, s.ordinal)
      .bind(3, s.path)
      .bind(4, s.start_wall_ns)
      .bind(5, s.start_pts_90k)
      .bind(6, s.video_codec)
      .bind(7, s.width)
      .bind(8, s.height)
      .bind(9, std::span<const uint8_t>(s.video_config));
  if (s.audio_codec.empty()) {
    q.bind_null(10).bind_null(11).bind_null(12);
  } else {
    q.bind(10, s.audio_codec).bind(11, s.audio_sample_rate).bind(12, s.audio_channels);
  }
  q.run();
  const int64_t id = impl_->conn.last_insert_rowid();
  impl_->commit(tx);
  return id;
}

void Catalog::record_progress(int64_t segment_id, const SegmentProgress& p) {
  sqlite::Transaction tx(impl_->conn);
  impl_->progress(segment_id, p);
  impl_->commit(tx);
}

void Catalog::finish_segment(int64_t segment_id, const std::string& state, const std::string& end_reason,
                             const SegmentProgress& final_totals) {
  sqlite::Transaction tx(impl_->conn);
  impl_->progress(segment_id, final_totals);
  auto& q = impl_->q_finish_segment;
  q.bind(1, segment_id).bind(2, state);
  impl_->bind_optional_text(q, 3, end_reason);
  q.run();
  impl_->commit(tx);
}

void Catalog::reindex_segment(int64_t segment_id, const SegmentProgress& totals, const std::string& state,
                              const std::string& end_reason) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_delete_keyframes.bind(1, segment_id).run();
  impl_->progress(segment_id, totals);
  auto& q = impl_->q_finish_segment;
  q.bind(1, segment_id).bind(2, state);
  impl_->bind_optional_text(q, 3, end_reason);
  q.run();
  impl_->commit(tx);
}

int64_t Catalog::add_gap(const GapRow& gap) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_insert_gap.bind(1, gap.recording_id)
      .bind(2, gap.start_wall_ns)
      .bind(3, gap.end_wall_ns)
      .bind(4, gap.frames_lost)
      .bind(5, gap.reason)
      .run();
  const int64_t id = impl_->conn.last_insert_rowid();
  impl_->commit(tx);
  return id;
}

int64_t Catalog::add_clock_jump(const ClockJumpRow& jump) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_insert_jump.bind(1, jump.recording_id)
      .bind(2, jump.anchored_wall_ns)
      .bind(3, jump.reported_wall_ns)
      .bind(4, jump.jump_ns)
      .run();
  const int64_t id = impl_->conn.last_insert_rowid();
  impl_->commit(tx);
  return id;
}

void Catalog::mark_segment_deleting(int64_t segment_id) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_mark_deleting.bind(1, segment_id).run();
  impl_->commit(tx);
}

bool Catalog::mark_segment_deleting_if_unlocked(int64_t segment_id) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_mark_deleting_if_unlocked.bind(1, segment_id).run();
  const bool marked = impl_->conn.changes() == 1;
  impl_->commit(tx);
  return marked;
}

int64_t Catalog::mark_recording_deleting_if_unlocked(int64_t recording_id) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_mark_recording_deleting.bind(1, recording_id).run();
  const int64_t marked = impl_->conn.changes();
  impl_->commit(tx);
  return marked;
}

bool Catalog::mark_segment_deleting_if_unprotected(int64_t segment_id, int64_t now_wall_ns,
                                                   int64_t event_max_age_ns) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_mark_deleting_if_unprotected.bind(1, segment_id)
      .bind(2, now_wall_ns)
      .bind(3, event_max_age_ns)
      .bind(4, kMaxEventPrerollNs)
      .run();
  const bool marked = impl_->conn.changes() == 1;
  impl_->commit(tx);
  return marked;
}

void Catalog::delete_segment_row(int64_t segment_id) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_delete_keyframes.bind(1, segment_id).run();
  impl_->q_delete_segment.bind(1, segment_id).run();
  impl_->commit(tx);
}

void Catalog::delete_recording_if_empty(int64_t recording_id) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_delete_recording_if_empty.bind(1, recording_id).run();
  impl_->commit(tx);
}

std::vector<SegmentRow> Catalog::segments_to_upload(int64_t limit) const {
  impl_->q_to_upload.bind(1, limit);
  return collect<SegmentRow>(impl_->q_to_upload, read_segment);
}

int64_t Catalog::upload_backlog() const {
  auto rows = collect<int64_t>(impl_->q_upload_backlog, [](const sqlite::Statement& q) { return q.int64(0); });
  return rows.empty() ? 0 : rows.front();
}

bool Catalog::set_segment_uploaded(int64_t segment_id, const std::string& s3_key, int64_t uploaded_wall_ns) {
  if (s3_key.empty()) throw CatalogError(CatalogErrc::invalid_argument, "an S3 copy needs its key");
  sqlite::Transaction tx(impl_->conn);
  impl_->q_set_uploaded.bind(1, segment_id).bind(2, s3_key).bind(3, uploaded_wall_ns).run();
  const bool changed = impl_->conn.changes() == 1;
  impl_->commit(tx);
  return changed;
}

bool Catalog::set_segment_local_removed(int64_t segment_id) {
  sqlite::Transaction tx(impl_->conn);
  impl_->q_set_local_removed.bind(1, segment_id).run();
  const bool changed = impl_->conn.changes() == 1;
  impl_->commit(tx);
  return changed;
}

}  // namespace zc::catalog
