// The recording catalog: one SQLite file (DIR/catalog.db) that indexes every stream, recording, MP4 segment,
// keyframe and gap below a storage directory, so that listing and seeking never open a media file.
// catalog/schema/catalog.sql is the schema's source of truth; docs/catalog.md explains it.
//
// Several processes may hold a Catalog on the same directory at once (WAL mode; every write is a short
// BEGIN IMMEDIATE transaction retried while another process holds the lock), so "database is locked" never
// reaches a caller. A Catalog is a move-only owner of its connection; use one per thread.
#pragma once

#include <zc/catalog/error.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zc::catalog {

// Conversions between nanoseconds and 90 kHz ticks that cannot overflow for any wall-clock value.
inline constexpr int64_t ns_to_90k(int64_t ns) noexcept { return ns / 100'000 * 9 + ns % 100'000 * 9 / 100'000; }
inline constexpr int64_t ticks90k_to_ns(int64_t t) noexcept { return t / 9 * 100'000 + t % 9 * 100'000 / 9; }

struct StreamRow {
  int64_t id = 0;
  std::string name;
  int64_t created_wall_ns = 0;
};

struct StreamFootage {
  int64_t segments = 0;
  int64_t size_bytes = 0;
  std::optional<int64_t> oldest_start_wall_ns, newest_end_wall_ns;  // unset without segments
};

struct RecordingRow {
  int64_t id = 0;
  int64_t stream_id = 0;
  std::string stream_name;
  int64_t trigger_wall_ns = 0;
  int64_t trigger_mono_ns = 0;
  int64_t preroll_requested_ns = 0;
  std::optional<int64_t> preroll_achieved_ns;  // unset until the first frame is recorded
  int64_t postroll_ns = 0;
  std::optional<int64_t> max_length_ns;
  std::optional<int64_t> start_wall_ns;
  std::optional<int64_t> end_wall_ns;
  std::string state;       // recording | complete | interrupted
  std::string end_reason;  // empty while recording; stopped | duration | max_length | writer_gone | error | crashed
  bool locked = false;
  int64_t recorder_pid = 0;
  int64_t frames_lost = 0;
  std::string kind = "event";  // event (one trigger: zcrec start, an event without continuous) | continuous
  std::optional<int64_t> lease_epoch;  // the cluster lease it was recorded under (docs/cluster.md); none: no lease
};

// Something that happened on a stream, and the footage it wants kept: its span is
// [start_wall_ns - preroll_ns, coalesce(end_wall_ns, now) + postroll_ns]. Times are CLOCK_REALTIME ns.
struct EventRow {
  int64_t id = 0;
  int64_t stream_id = 0;
  std::string stream_name;
  std::string label;  // at most 256 characters; may be empty
  std::optional<double> score;
  std::string metadata_json;  // empty, or one JSON value of at most 64 KiB
  int64_t trigger_wall_ns = 0;  // when it was posted
  int64_t start_wall_ns = 0;    // without pre-roll; before trigger_wall_ns for an event that started in the past
  std::optional<int64_t> end_wall_ns;  // unset while open
  int64_t preroll_ns = 0;
  int64_t postroll_ns = 0;
  std::optional<int64_t> max_length_ns;
  std::optional<int64_t> recording_id;  // its own recording; unset over continuous footage (or once retention
                                        // deleted its recording)
  std::string state;       // open | ended
  std::string end_reason;  // empty while open; ended | duration | max_length | shutdown | crashed
};

struct SegmentRow {
  int64_t id = 0;
  int64_t recording_id = 0;
  int64_t stream_id = 0;
  std::string stream_name;
  int64_t ordinal = 0;
  std::string path;  // relative to the storage directory; Catalog::absolute_path() resolves it
  int64_t start_wall_ns = 0;
  int64_t end_wall_ns = 0;
  int64_t start_pts_90k = 0;
  int64_t duration_90k = 0;
  int64_t frames = 0;
  int64_t keyframes = 0;
  int64_t size_bytes = 0;
  std::string video_codec;  // h264 | h265
  int64_t width = 0, height = 0;
  std::vector<uint8_t> video_config;  // Annex-B parameter sets
  std::string audio_codec;            // empty (no audio) or aac
  int64_t audio_sample_rate = 0, audio_channels = 0, audio_frames = 0;
  std::string state;       // writing | complete | recovered | deleting
  std::string end_reason;  // empty while writing; length | params_changed | discontinuity | stopped | error | recovered
  // Where its copies live (docs/object-storage.md): local (the file only), both (the file and a confirmed S3
  // object), s3 (the object only). s3_key is the object's key in the configured bucket, empty for local.
  std::string location = "local";
  std::string s3_key;
  std::optional<int64_t> s3_uploaded_wall_ns;
};

// A random-access point inside a segment: the fragment starting at byte_offset begins with this keyframe.
struct KeyframeEntry {
  int64_t sample_number = 0;     // video frame index within the segment, decode order
  int64_t media_offset_90k = 0;  // pts - segment start_pts_90k
  int64_t wall_ns = 0;
  int64_t byte_offset = 0;       // file offset of the moof box
};

struct GapRow {
  int64_t id = 0;
  int64_t stream_id = 0;
  int64_t recording_id = 0;
  int64_t start_wall_ns = 0;
  int64_t end_wall_ns = 0;
  int64_t frames_lost = 0;
  std::string reason;  // lapped | discontinuity | disk_full | write_error
};

struct ClockJumpRow {
  int64_t id = 0;
  int64_t stream_id = 0;
  int64_t recording_id = 0;
  int64_t anchored_wall_ns = 0;
  int64_t reported_wall_ns = 0;
  int64_t jump_ns = 0;
};

// Half-open wall-clock interval [from, to); unset ends are unbounded.
struct TimeRange {
  std::optional<int64_t> from_wall_ns;
  std::optional<int64_t> to_wall_ns;
};

// What the recorder knows when it starts a recording.
struct NewRecording {
  std::string stream_name;
  int64_t trigger_wall_ns = 0;
  int64_t trigger_mono_ns = 0;
  int64_t preroll_requested_ns = 0;
  int64_t postroll_ns = 0;
  std::optional<int64_t> max_length_ns;
  int64_t recorder_pid = 0;
  std::string kind = "event";  // event | continuous
  std::optional<int64_t> lease_epoch;  // >= 1: recorded under that cluster lease epoch (docs/cluster.md)
};

// The largest pre-roll an event row may ask for (1 h, more than any ring holds): it bounds the time-range
// queries' walk over the (stream, start) index. An event that began longer ago says so with an earlier start.
inline constexpr int64_t kMaxEventPrerollNs = 3'600'000'000'000;
inline constexpr size_t kMaxEventLabelChars = 256;        // UTF-8 characters
inline constexpr size_t kMaxEventMetadataBytes = 65'536;  // 64 KiB of JSON text

// An event as posted (Catalog::add_event). Times are CLOCK_REALTIME ns; durations ns.
struct NewEvent {
  std::string stream_name;
  std::string label;
  std::optional<double> score;
  std::string metadata_json;  // empty: none; otherwise valid JSON
  int64_t trigger_wall_ns = 0;
  int64_t start_wall_ns = 0;
  int64_t preroll_ns = 0;   // 0 .. kMaxEventPrerollNs
  int64_t postroll_ns = 0;  // >= 0
  std::optional<int64_t> max_length_ns;  // > 0 when set
  std::optional<int64_t> recording_id;   // when it makes its own recording (also set_event_recording)
};

// One page of a listing: `page` is 1-based, `per_page` 1..1000. A page past the end is empty, not an error.
struct PageRequest {
  int64_t page = 1;
  int64_t per_page = 50;
};
inline constexpr int64_t kMaxPerPage = 1000;

template <class T>
struct Page {
  std::vector<T> items;
  int64_t page = 1, per_page = 50;
  int64_t pages = 0;  // ceil(total / per_page); 0 when total is 0
  int64_t total = 0;  // rows matching the filter, all pages
};

// Rows in the catalog (metrics). Segments include ones being written or deleted.
struct CatalogCounts {
  int64_t segments = 0, recordings = 0, events = 0;
};

// What the recorder knows when it opens a segment file (the file already exists on disk).
struct NewSegment {
  int64_t recording_id = 0;
  int64_t ordinal = 0;
  std::string path;  // relative to the storage directory
  int64_t start_wall_ns = 0;
  int64_t start_pts_90k = 0;
  std::string video_codec;
  int64_t width = 0, height = 0;
  std::vector<uint8_t> video_config;
  std::string audio_codec;
  int64_t audio_sample_rate = 0, audio_channels = 0;
};

// Totals of a segment after a fragment became durable, plus the keyframes that fragment added.
struct SegmentProgress {
  int64_t end_wall_ns = 0;
  int64_t duration_90k = 0;
  int64_t frames = 0;
  int64_t keyframes = 0;
  int64_t size_bytes = 0;
  int64_t audio_frames = 0;
  std::vector<KeyframeEntry> new_keyframes;
};

class Catalog {
 public:
  static constexpr int kSchemaVersion = 5;

  // Opens DIR/catalog.db, creating DIR and the schema if needed and applying upgrade steps. For commands that
  // record: only they may create storage. Throws CatalogError: catalog, catalog_too_new, io.
  static Catalog open(const std::filesystem::path& dir);

  enum class Access { read_only, read_write };
  // Opens the catalog of an existing storage directory and never creates anything, so a mistyped --dir is an
  // error instead of a new empty catalog. read_only never writes (list, play, export); read_write may
  // (check --repair, prune, lock). Throws CatalogError: no_catalog (DIR or DIR/catalog.db missing), catalog,
  // catalog_too_new; catalog when read_only finds a file that is no zcrec catalog or needs an upgrade step.
  static Catalog open_existing(const std::filesystem::path& dir, Access access);

  Catalog(Catalog&&) noexcept;
  Catalog& operator=(Catalog&&) noexcept;
  ~Catalog();

  const std::filesystem::path& dir() const noexcept;
  std::filesystem::path absolute_path(const SegmentRow& segment) const;
  int schema_version() const;

  // --- queries (read-only; never open media files) ---
  std::vector<StreamRow> streams() const;
  std::optional<StreamRow> find_stream(const std::string& name) const;
  // Recordings whose [start, end] overlaps the range (an open recording extends to "now"), oldest first.
  std::vector<RecordingRow> recordings(const std::optional<std::string>& stream_name = std::nullopt,
                                       const TimeRange& range = {}) const;
  std::optional<RecordingRow> recording(int64_t recording_id) const;
  // Segments of one stream overlapping the range, in time order (start_wall_ns, id). Excludes 'deleting'.
  std::vector<SegmentRow> segments(const std::string& stream_name, const TimeRange& range = {}) const;
  std::vector<SegmentRow> segments_of_recording(int64_t recording_id) const;
  // Every segment in the catalog, including 'deleting' ones (`zcrec check`'s full scan, retention).
  std::vector<SegmentRow> all_segments() const;
  // What a crash may have left unfinished (unfinished.h): segments in state writing or deleting, and recordings
  // in state recording, oldest first. Never reads the finished history.
  std::vector<SegmentRow> unfinished_segments() const;
  std::vector<RecordingRow> unfinished_recordings() const;
  std::optional<SegmentRow> segment(int64_t segment_id) const;
  std::vector<KeyframeEntry> keyframes(int64_t segment_id) const;
  // Newest keyframe of the segment whose media_offset_90k <= offset (seek), if any.
  std::optional<KeyframeEntry> keyframe_at_or_before(int64_t segment_id, int64_t media_offset_90k) const;
  std::vector<GapRow> gaps(const std::string& stream_name, const TimeRange& range = {}) const;
  std::vector<ClockJumpRow> clock_jumps(const std::string& stream_name) const;
  // End of the newest segment of the stream (the earliest wall time a new segment may start at).
  std::optional<int64_t> stream_end_wall_ns(const std::string& stream_name) const;
  // Bytes of the stream's segments on the local disk (not being deleted, location local or both).
  int64_t stream_bytes(const std::string& stream_name) const;
  // What a stream's footage occupies and spans (segments not being deleted): disk use and days kept.
  StreamFootage footage(const std::string& stream_name) const;
  CatalogCounts counts() const;

  // --- events (docs/catalog.md, Events) ---
  // An event overlaps [from, to) when its span [start - preroll, coalesce(end, now) + postroll] does; an open
  // event reaches into every future range. Listings are in (start_wall_ns, id) order; the time filter walks the
  // event_by_stream_time index of each selected stream up to `to` + kMaxEventPrerollNs.
  std::optional<EventRow> event(int64_t id) const;
  std::vector<EventRow> open_events() const;  // oldest first; reads the event_open index only
  std::vector<EventRow> events(const std::optional<std::string>& stream_name = std::nullopt,
                               const TimeRange& range = {}) const;
  // Throws CatalogError(invalid_argument) when page < 1 or per_page is outside 1..kMaxPerPage. `total` and
  // `items` come from one read snapshot.
  Page<EventRow> events_page(const std::optional<std::string>& stream, const TimeRange& range,
                             const PageRequest& request) const;
  // Same as recordings() (overlap of [start, end], open ones reach "now"), one page of it.
  Page<RecordingRow> recordings_page(const std::optional<std::string>& stream, const TimeRange& range,
                                     const PageRequest& request) const;

  // Inserts an open event, creating the stream row when missing; returns its id. Throws
  // CatalogError(invalid_argument) for a label over kMaxEventLabelChars, metadata that is not JSON or over
  // kMaxEventMetadataBytes, negative or over-long pre-roll, negative post-roll, max_length <= 0, an unknown
  // recording_id or an invalid stream name.
  int64_t add_event(const NewEvent& e);
  // Throws CatalogError(not_found) when either id is unknown.
  void set_event_recording(int64_t event_id, int64_t recording_id);
  // Closes an open event. Throws CatalogError(not_found) for an unknown id, CatalogError(not_open) when it has
  // already ended, CatalogError(invalid_argument) for end_wall_ns < start_wall_ns or a reason outside
  // ended | duration | max_length | shutdown | crashed.
  void end_event(int64_t event_id, int64_t end_wall_ns, const std::string& reason);

  // --- writes (the recorder) ---
  // A recorder keeps disk space for its own catalog writes, so that it can still close its rows when the
  // storage fills up (docs/recording.md, "Disk full"): after every write it allocates, without changing the
  // files' sizes (fallocate KEEP_SIZE), room for the write-ahead log to reach its checkpoint size plus a margin
  // and for the database file to grow by a margin. On a full disk the allocation fails quietly: what is left of
  // the reserve is what the closing writes use. Read-only users (list, play) never call this.
  void keep_space_reserve();
  int64_t ensure_stream(const std::string& name, int64_t now_wall_ns);
  // `before_commit` runs inside the inserting transaction with the new id (the recorder takes its liveness
  // lock there, so no other process ever sees the row without the lock).
  int64_t begin_recording(const NewRecording& r, const std::function<void(int64_t)>& before_commit = {});
  void set_recording_start(int64_t recording_id, int64_t start_wall_ns, int64_t preroll_achieved_ns);
  void add_frames_lost(int64_t recording_id, int64_t frames);
  void finish_recording(int64_t recording_id, const std::string& state, const std::string& end_reason,
                        std::optional<int64_t> end_wall_ns);
  // A locked recording is never deleted by retention (retention.h).
  void set_locked(int64_t recording_id, bool locked);
  // Locks or unlocks all of them in one transaction. When some id has no recording, or a recording being deleted
  // (segments marked 'deleting': a lock would keep what is left of footage already going), nothing changes and
  // those ids are returned (empty: done).
  std::vector<int64_t> set_locked(const std::vector<int64_t>& recording_ids, bool locked);
  int64_t begin_segment(const NewSegment& s);
  void record_progress(int64_t segment_id, const SegmentProgress& p);
  void finish_segment(int64_t segment_id, const std::string& state, const std::string& end_reason,
                      const SegmentProgress& final_totals);
  // Replaces the whole keyframe index and totals (recovery re-indexing).
  void reindex_segment(int64_t segment_id, const SegmentProgress& totals, const std::string& state,
                       const std::string& end_reason);
  int64_t add_gap(const GapRow& gap);
  int64_t add_clock_jump(const ClockJumpRow& jump);

  // --- two-phase delete (retention, repair) ---
  void mark_segment_deleting(int64_t segment_id);
  // Retention's phase 1: marks a finished segment unless its recording is locked, checked in the same
  // statement, so that a lock taken while retention runs always wins. False when nothing was marked.
  bool mark_segment_deleting_if_unlocked(int64_t segment_id);
  // A whole recording's phase 1 (delete_recording): every finished segment of it marked in one statement unless
  // it is locked, so that a lock either comes first (nothing is deleted) or is refused (set_locked). Returns the
  // segments marked.
  int64_t mark_recording_deleting_if_unlocked(int64_t recording_id);
  // The same, and only while no event protects the segment at `now_wall_ns` (retention.h: an event of its
  // stream whose span it overlaps, and that ended less than event_max_age_ns ago or is open), checked in the
  // same statement so that an event posted over old footage while retention runs keeps it.
  bool mark_segment_deleting_if_unprotected(int64_t segment_id, int64_t now_wall_ns, int64_t event_max_age_ns);
  void delete_segment_row(int64_t segment_id);  // also its keyframes; the recording row goes with its last segment
  void delete_recording_if_empty(int64_t recording_id);

  // --- copies in object storage (docs/object-storage.md) ---
  // Closed segments (complete, recovered) that have no S3 copy yet, oldest first, at most `limit`: the
  // uploader's queue, read through the partial index segment_upload_pending (cost: the backlog, not the history).
  std::vector<SegmentRow> segments_to_upload(int64_t limit) const;
  int64_t upload_backlog() const;
  // The segment's S3 copy is confirmed (its size checked): location local -> both. False, and nothing changed,
  // when it is no longer a closed local-only segment (retention marked it 'deleting' or removed it meanwhile:
  // the caller then deletes the object it just wrote).
  bool set_segment_uploaded(int64_t segment_id, const std::string& s3_key, int64_t uploaded_wall_ns);
  // Local retention removed the file of a segment that has an S3 copy: both -> s3. False when it was not 'both'.
  bool set_segment_local_removed(int64_t segment_id);

  struct Impl;

 private:
  explicit Catalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::catalog
