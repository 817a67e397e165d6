#include <zc/cluster/cluster_reader.h>

namespace zc::cluster {

std::vector<HostStatus> cluster_hosts(PgConnection& pg) {
  const auto r = pg.exec(
      "SELECT name, last_publish_wall_ns, last_publish_db_wall_ns, "
      "(extract(epoch FROM clock_timestamp()) * 1e9)::bigint - last_publish_db_wall_ns, segments, recordings, events, "
      "upload_queue FROM host ORDER BY name");
  std::vector<HostStatus> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.integer(i, 1), r.integer(i, 2), r.integer(i, 3), r.integer(i, 4), r.integer(i, 5),
                   r.integer(i, 6), r.integer(i, 7)});
  return out;
}

std::vector<ClusterCamera> cluster_cameras(PgConnection& pg) {
  const auto r = pg.exec(
      "WITH RECURSIVE s AS (SELECT min(stream) AS stream FROM segment "
      "UNION ALL SELECT (SELECT min(stream) FROM segment WHERE stream > s.stream) FROM s WHERE s.stream IS NOT NULL) "
      "SELECT s.stream, n.host, n.end_wall_ns FROM s CROSS JOIN LATERAL "
      "(SELECT host, end_wall_ns FROM segment WHERE stream = s.stream ORDER BY start_wall_ns DESC LIMIT 1) n "
      "WHERE s.stream IS NOT NULL ORDER BY s.stream");
  std::vector<ClusterCamera> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.integer(i, 2)});
  return out;
}

std::vector<ClusterSegment> cluster_segments(PgConnection& pg, const std::string& camera, int64_t from_wall_ns,
                                             int64_t to_wall_ns) {
  // The index is (stream, start_wall_ns): a segment that overlaps `from` started at most a segment's length
  // before it, but lengths are not bounded here, so the lower bound is on end_wall_ns.
  // The epoch rule (docs/cluster.md, "Leases and epochs"): a segment recorded under an older epoch than a later
  // one of its camera is current only before the later epoch's from_wall_ns. One that starts after it (a host
  // that recorded on after losing its lease: SIGSTOPped, cut off) is left out; one that runs across it is cut
  // there (`current_end_wall_ns`). Rows without an epoch (cameras without leases) are always current.
  const auto r = pg.exec(
      "SELECT s.host, s.local_id, s.stream, s.path, s.start_wall_ns, s.end_wall_ns, s.frames, s.size_bytes, s.state, "
      "s.lease_epoch, least(s.end_wall_ns, nx.from_wall_ns), s.location, coalesce(s.s3_key, ''), s.video_codec, "
      "s.audio_codec, s.width, s.height, s.keyframes, s.ordinal, h.api_url FROM segment s JOIN host h ON h.name = s.host "
      "LEFT JOIN LATERAL (SELECT min(e.from_wall_ns) AS from_wall_ns FROM camera_epoch e "
      "WHERE e.camera = s.stream AND e.epoch > s.lease_epoch) nx ON true "
      "WHERE s.stream = $1 AND s.start_wall_ns < $3 AND s.end_wall_ns >= $2 AND s.state <> 'deleting' "
      "AND (nx.from_wall_ns IS NULL OR s.start_wall_ns < nx.from_wall_ns) "
      "ORDER BY s.start_wall_ns, s.host, s.local_id",
      {camera, std::to_string(from_wall_ns), std::to_string(to_wall_ns)});
  std::vector<ClusterSegment> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.integer(i, 1), r.text(i, 2), r.text(i, 3), r.integer(i, 4), r.integer(i, 5),
                   r.integer(i, 6), r.integer(i, 7), r.text(i, 8),
                   r.get(i, 9) ? std::optional<int64_t>(r.integer(i, 9)) : std::nullopt, r.integer(i, 10),
                   r.text(i, 11), r.text(i, 12), r.text(i, 13), r.text(i, 14), r.integer(i, 15), r.integer(i, 16),
                   r.integer(i, 17), r.integer(i, 18), r.text(i, 19)});
  return out;
}

}  // namespace zc::cluster
