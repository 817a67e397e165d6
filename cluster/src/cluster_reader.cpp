#include <zc/cluster/cluster_reader.h>

namespace zc::cluster {

std::vector<HostStatus> cluster_hosts(PgConnection& pg) {
  const auto r = pg.exec(
      "SELECT name, last_publish_wall_ns, last_publish_db_wall_ns, "
      "(extract(epoch FROM clock_timestamp()) * 1e9)::bigint - last_publish_db_wall_ns, segments, recordings, events "
      "FROM host ORDER BY name");
  std::vector<HostStatus> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.integer(i, 1), r.integer(i, 2), r.integer(i, 3), r.integer(i, 4), r.integer(i, 5),
                   r.integer(i, 6)});
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
  const auto r = pg.exec(
      "SELECT host, local_id, stream, path, start_wall_ns, end_wall_ns, frames, size_bytes, state FROM segment "
      "WHERE stream = $1 AND start_wall_ns < $3 AND end_wall_ns >= $2 AND state <> 'deleting' "
      "ORDER BY start_wall_ns, host, local_id",
      {camera, std::to_string(from_wall_ns), std::to_string(to_wall_ns)});
  std::vector<ClusterSegment> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.integer(i, 1), r.text(i, 2), r.text(i, 3), r.integer(i, 4), r.integer(i, 5),
                   r.integer(i, 6), r.integer(i, 7), r.text(i, 8)});
  return out;
}

}  // namespace zc::cluster
