#include <zc/cluster/lease.h>

#include <string>

namespace zc::cluster {
namespace {

constexpr const char* kDbNowNs = "(extract(epoch FROM clock_timestamp()) * 1e9)::bigint";

}  // namespace

LeaseAnswer claim_lease(PgConnection& pg, const std::string& camera, const std::string& host, int64_t lease_ns,
                        bool may_take, bool may_take_from_another, int64_t min_lapsed_ns) {
  const std::string lease = std::to_string(lease_ns);
  return in_transaction(pg, [&] {
    // The row exists before it is locked, so two hosts asking for a new camera at once queue on one row lock.
    pg.exec("INSERT INTO camera_lease VALUES ($1, '', 0, 0, 0) ON CONFLICT (camera) DO NOTHING", {camera});
    const auto cur = pg.exec(std::string("SELECT host, epoch, expires_db_wall_ns, ") + kDbNowNs +
                                 " FROM camera_lease WHERE camera = $1 FOR UPDATE",
                             {camera});
    const std::string holder = cur.text(0, 0);
    const int64_t epoch = cur.integer(0, 1), expires = cur.integer(0, 2), now = cur.integer(0, 3);
    LeaseAnswer a;
    a.epoch = epoch;
    const bool lapsed = holder.empty() || expires <= now;
    if (holder == host && epoch > 0) {
      pg.exec("UPDATE camera_lease SET expires_db_wall_ns = $2::bigint + $3::bigint WHERE camera = $1",
              {camera, std::to_string(now), lease});
      const auto from = pg.exec("SELECT from_wall_ns FROM camera_epoch WHERE camera = $1 AND epoch = $2",
                                {camera, std::to_string(epoch)});
      a.held = true;
      a.holder = host;
      a.from_wall_ns = from.integer(0, 0);
      return a;
    }
    const bool anothers = !holder.empty();
    if (!lapsed || !may_take || (anothers && (!may_take_from_another || now - expires < min_lapsed_ns))) {
      a.holder = lapsed ? "" : holder;
      return a;
    }
    // A takeover: the new epoch begins after the newest footage any host published for the camera (the last few
    // segments by start: overlapping ones may end in any order).
    const auto end = pg.exec(
        "SELECT max(end_wall_ns) FROM (SELECT end_wall_ns FROM segment WHERE stream = $1 AND state <> 'deleting' "
        "ORDER BY start_wall_ns DESC LIMIT 8) newest",
        {camera});
    const int64_t from = end.get(0, 0) ? end.integer(0, 0) : now;
    a.epoch = epoch + 1;
    pg.exec("UPDATE camera_lease SET host = $2, epoch = $3, granted_db_wall_ns = $4, "
            "expires_db_wall_ns = $4::bigint + $5::bigint WHERE camera = $1",
            {camera, host, std::to_string(a.epoch), std::to_string(now), lease});
    pg.exec("INSERT INTO camera_epoch VALUES ($1, $2, $3, $4, $5)",
            {camera, std::to_string(a.epoch), host, std::to_string(now), std::to_string(from)});
    a.held = true;
    a.holder = host;
    a.from_wall_ns = from;
    a.taken_over = true;
    return a;
  });
}

void release_lease(PgConnection& pg, const std::string& camera, const std::string& host) {
  pg.exec(std::string("UPDATE camera_lease SET expires_db_wall_ns = ") + kDbNowNs +
              " WHERE camera = $1 AND host = $2 AND expires_db_wall_ns > " + kDbNowNs,
          {camera, host});
}

void announce_host(PgConnection& pg, const std::string& host, const std::string& api_url, int64_t now_wall_ns) {
  pg.exec("INSERT INTO host (name, first_seen_wall_ns, last_publish_wall_ns, last_publish_db_wall_ns, api_url) "
          "VALUES ($1, $2, 0, 0, $3) ON CONFLICT (name) DO UPDATE SET api_url = EXCLUDED.api_url",
          {host, std::to_string(now_wall_ns), api_url});
}

std::vector<LeaseRow> cluster_leases(PgConnection& pg) {
  const auto r = pg.exec(std::string("SELECT l.camera, l.host, l.epoch, l.expires_db_wall_ns - ") + kDbNowNs +
                         ", coalesce(h.api_url, '') FROM camera_lease l LEFT JOIN host h ON h.name = l.host "
                         "ORDER BY l.camera");
  std::vector<LeaseRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), r.text(i, 1), r.integer(i, 2), r.integer(i, 3), r.text(i, 4)});
  }
  return out;
}

}  // namespace zc::cluster
