#include <zc/cluster/copy_text.h>
#include <zc/cluster/error.h>
#include <zc/cluster/publisher.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zc::cluster {
namespace {

// One table of the cluster schema as a publish writes it: its columns after (host, local_id), in the order the
// rows below give them.
struct Table {
  const char* name;
  std::vector<const char*> columns;
};

const Table kRecording{"recording", {"stream", "kind", "trigger_wall_ns", "start_wall_ns", "end_wall_ns",
                                     "preroll_requested_ns", "preroll_achieved_ns", "state", "end_reason", "locked",
                                     "frames_lost", "lease_epoch"}};
const Table kSegment{"segment", {"recording_local_id", "stream", "ordinal", "path", "start_wall_ns", "end_wall_ns",
                                 "start_pts_90k", "duration_90k", "frames", "keyframes", "size_bytes", "video_codec",
                                 "width", "height", "audio_codec", "state", "end_reason", "lease_epoch", "location",
                                 "s3_key"}};
const Table kEvent{"event", {"stream", "label", "score", "metadata_json", "trigger_wall_ns", "start_wall_ns",
                             "end_wall_ns", "preroll_ns", "postroll_ns", "recording_local_id", "state", "end_reason",
                             "lease_epoch"}};
const Table kGap{"gap", {"stream", "recording_local_id", "start_wall_ns", "end_wall_ns", "frames_lost", "reason"}};

using Field = std::optional<std::string>;
Field num(int64_t v) { return std::to_string(v); }
Field num(const std::optional<int64_t>& v) { return v ? Field(std::to_string(*v)) : std::nullopt; }
Field real(const std::optional<double>& v) {
  if (!v) return std::nullopt;
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", *v);  // round-trips a double exactly
  return std::string(b);
}

class Rows {
 public:
  explicit Rows(std::string host) : host_(std::move(host)) {}
  void add(int64_t local_id, std::vector<Field> fields) {
    fields.insert(fields.begin(), {host_, std::to_string(local_id)});
    append_copy_row(data_, fields);
    ++count_;
  }
  const std::string& data() const { return data_; }
  int64_t count() const { return count_; }

 private:
  std::string host_;
  std::string data_;
  int64_t count_ = 0;
};

std::string joined(const std::vector<const char*>& columns, const char* prefix, const char* separator = ", ") {
  std::string s;
  for (size_t i = 0; i < columns.size(); ++i) s += (i ? separator : "") + std::string(prefix) + columns[i];
  return s;
}

// The host's rows of `t` become exactly `rows`: COPY into a temporary table, then one upsert that touches only
// rows that differ, and one delete of the rows the host no longer has.
void reconcile(PgConnection& pg, const std::string& host, const Table& t, const Rows& rows, bool remove_missing,
               PublishStats& stats) {
  const std::string in = std::string(t.name) + "_in";
  const std::string all = "host, local_id, " + joined(t.columns, "");
  pg.exec("CREATE TEMP TABLE " + in + " (LIKE " + t.name + ") ON COMMIT DROP");
  pg.copy_in("COPY " + in + " (" + all + ") FROM STDIN", rows.data());
  const auto up = pg.exec("INSERT INTO " + std::string(t.name) + " (" + all + ") SELECT " + all + " FROM " + in +
                          " ON CONFLICT (host, local_id) DO UPDATE SET (" + joined(t.columns, "") + ") = (" +
                          joined(t.columns, "EXCLUDED.") + ") WHERE (" + joined(t.columns, std::string(t.name).append(".").c_str()) +
                          ") IS DISTINCT FROM (" + joined(t.columns, "EXCLUDED.") + ")");
  stats.written += up.affected();
  if (!remove_missing) return;
  const auto del = pg.exec("DELETE FROM " + std::string(t.name) + " t WHERE t.host = $1 AND NOT EXISTS (SELECT 1 FROM " +
                               in + " i WHERE i.local_id = t.local_id)",
                           {host});
  stats.removed += del.affected();
}

}  // namespace

PublishStats publish(PgConnection& pg, const std::string& host, const catalog::Catalog& local, int64_t now_wall_ns,
                     const std::string& ring_prefix, std::optional<int64_t> changed_since_wall_ns,
                     const std::string& api_url) {
  if (host.empty() || host.size() > 64)
    throw ClusterError(ClusterErrc::invalid_argument, "a host name must be 1 to 64 bytes long");
  const auto camera = [&](const std::string& stream) -> Field {
    if (!ring_prefix.empty() && stream.size() > ring_prefix.size() && stream.compare(0, ring_prefix.size(), ring_prefix) == 0)
      return stream.substr(ring_prefix.size());
    return stream;
  };

  // Read everything from the local catalog first: the PostgreSQL transaction stays short.
  const bool full = !changed_since_wall_ns;
  const catalog::TimeRange recent{changed_since_wall_ns, std::nullopt};  // everything when full
  Rows recordings(host), segments(host), events(host), gaps(host);
  std::vector<catalog::SegmentRow> segment_rows;
  if (full) {
    segment_rows = local.all_segments();  // 'deleting' ones too: the cluster shows what the host shows
  } else {
    for (const auto& st : local.streams())
      for (auto& s : local.segments(st.name, recent)) segment_rows.push_back(std::move(s));
  }
  // Segments and events carry their recording's lease epoch; an incremental publish may not have read the
  // recording of an older segment, so those are looked up one by one.
  std::map<int64_t, std::optional<int64_t>> epoch_of;
  const auto epoch = [&](std::optional<int64_t> recording_id) -> Field {
    if (!recording_id) return std::nullopt;
    auto it = epoch_of.find(*recording_id);
    if (it == epoch_of.end()) {
      const auto r = local.recording(*recording_id);
      it = epoch_of.emplace(*recording_id, r ? r->lease_epoch : std::nullopt).first;
    }
    return num(it->second);
  };
  for (const auto& r : local.recordings(std::nullopt, recent)) {
    epoch_of[r.id] = r.lease_epoch;
    recordings.add(r.id, {camera(r.stream_name), r.kind, num(r.trigger_wall_ns), num(r.start_wall_ns),
                          num(r.end_wall_ns), num(r.preroll_requested_ns), num(r.preroll_achieved_ns), r.state,
                          r.end_reason.empty() ? Field() : Field(r.end_reason), r.locked ? "true" : "false",
                          num(r.frames_lost), num(r.lease_epoch)});
  }
  for (const auto& s : segment_rows)
    segments.add(s.id, {num(s.recording_id), camera(s.stream_name), num(s.ordinal), s.path, num(s.start_wall_ns),
                        num(s.end_wall_ns), num(s.start_pts_90k), num(s.duration_90k), num(s.frames), num(s.keyframes),
                        num(s.size_bytes), s.video_codec, num(s.width), num(s.height), s.audio_codec, s.state,
                        s.end_reason, epoch(s.recording_id), s.location,
                        s.s3_key.empty() ? Field() : Field(s.s3_key)});
  for (const auto& e : local.events(std::nullopt, recent))
    events.add(e.id, {camera(e.stream_name), e.label, real(e.score), e.metadata_json, num(e.trigger_wall_ns),
                      num(e.start_wall_ns), num(e.end_wall_ns), num(e.preroll_ns), num(e.postroll_ns),
                      num(e.recording_id), e.state, e.end_reason, epoch(e.recording_id)});
  for (const auto& st : local.streams())
    for (const auto& g : local.gaps(st.name, recent))
      gaps.add(g.id, {camera(st.name), num(g.recording_id), num(g.start_wall_ns), num(g.end_wall_ns),
                      num(g.frames_lost), g.reason});

  const int64_t upload_queue = local.upload_backlog();  // 0 without an S3 store: nothing is ever queued
  PublishStats stats;
  stats.full = full;
  stats.recordings = recordings.count();
  stats.segments = segments.count();
  stats.events = events.count();
  stats.gaps = gaps.count();
  in_transaction(pg, [&] {
    pg.exec("INSERT INTO host (name, first_seen_wall_ns, last_publish_wall_ns, last_publish_db_wall_ns, api_url) "
            "VALUES ($1, $2, $2, (extract(epoch FROM clock_timestamp()) * 1e9)::bigint, $3) "
            "ON CONFLICT (name) DO UPDATE SET last_publish_wall_ns = EXCLUDED.last_publish_wall_ns, "
            "api_url = CASE WHEN EXCLUDED.api_url = '' THEN host.api_url ELSE EXCLUDED.api_url END",
            {host, std::to_string(now_wall_ns), api_url});
    // Recordings before the rows that name them; gaps and segments before recordings would not matter (no
    // foreign keys between a host's rows: a host's catalog is consistent by itself and published whole).
    reconcile(pg, host, kRecording, recordings, full, stats);
    reconcile(pg, host, kSegment, segments, full, stats);
    reconcile(pg, host, kEvent, events, full, stats);
    reconcile(pg, host, kGap, gaps, full, stats);
    if (full)
      pg.exec("UPDATE host SET segments = $2, recordings = $3, events = $4, upload_queue = $5, "
              "last_publish_db_wall_ns = (extract(epoch FROM clock_timestamp()) * 1e9)::bigint WHERE name = $1",
              {host, std::to_string(stats.segments), std::to_string(stats.recordings), std::to_string(stats.events),
               std::to_string(upload_queue)});
    else
      pg.exec("UPDATE host SET upload_queue = $2, "
              "last_publish_db_wall_ns = (extract(epoch FROM clock_timestamp()) * 1e9)::bigint WHERE name = $1",
              {host, std::to_string(upload_queue)});
  });
  return stats;
}

}  // namespace zc::cluster
