// The SQL of the event and paged listings, in a header of their own so that the tests can EXPLAIN the very text
// Catalog runs (tests/catalog/event_queries_test.cpp: the time filters use the indexes).
#pragma once

namespace zc::catalog::queries {

constexpr const char* kEventColumns =
    "e.id, e.stream_id, st.name, e.label, e.score, coalesce(e.metadata_json, ''), e.trigger_wall_ns, "
    "e.start_wall_ns, e.end_wall_ns, e.preroll_ns, e.postroll_ns, e.max_length_ns, e.recording_id, e.state, "
    "coalesce(e.end_reason, '') FROM event e JOIN stream st ON st.id = e.stream_id ";

// Events overlapping [?2, ?3) of the streams named by ?1 (NULL: all). The stream list is an IN over stream ids
// so that each stream is one walk of event_by_stream_time; ?4 = ?3 + kMaxEventPrerollNs bounds that walk,
// because an event whose start is later cannot reach back into the range through its pre-roll.
constexpr const char* kEventRangeWhere =
    "WHERE e.stream_id IN (SELECT id FROM stream WHERE ?1 IS NULL OR name = ?1) AND e.start_wall_ns < ?4 "
    "AND e.start_wall_ns - e.preroll_ns < ?3 AND (e.end_wall_ns IS NULL OR e.end_wall_ns + e.postroll_ns >= ?2) ";

// Recordings overlapping [?2, ?3) (open ones reach ?4, "now"), per stream through recording_by_stream_time.
constexpr const char* kRecordingRangeWhere =
    "WHERE r.stream_id IN (SELECT id FROM stream WHERE ?1 IS NULL OR name = ?1) "
    "AND coalesce(r.start_wall_ns, r.trigger_wall_ns) < ?3 AND coalesce(r.end_wall_ns, ?4) >= ?2 ";

}  // namespace zc::catalog::queries
