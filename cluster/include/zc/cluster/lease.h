// Camera leases in the cluster catalog (docs/cluster.md, "Leases and epochs"): each camera that names hosts is
// recorded by one host at a time, the holder of its lease. Leases are timed by the database's clock only; a host
// keeps its lease by renewing it (every third of the lease) and another host may take it once it has lapsed.
// Every takeover by another host raises the camera's epoch by one; the new holder's rows carry it, and footage of
// an older epoch from the new epoch's from_wall_ns on is never shown as current (cluster_reader.h).
#pragma once

#include <zc/cluster/pg_connection.h>

#include <cstdint>
#include <string>
#include <vector>

namespace zc::cluster {

struct LeaseAnswer {
  bool held = false;          // `host` holds the lease now, until the database's clock passes now + lease_ns
  std::string holder;         // who holds it now ('' when nobody does: never held, or lapsed)
  int64_t epoch = 0;          // the camera's current epoch (0: never held)
  int64_t from_wall_ns = 0;   // with held: where this epoch's recording begins (camera_epoch.from_wall_ns)
  bool taken_over = false;    // this call began a new epoch for `host`
};

// Renews `host`'s lease of `camera`, or takes it when nobody holds it and `may_take` (the caller's priority and
// capacity rules, docs/cluster.md). A host renewing a lease of its own that lapsed while nobody took it keeps its
// epoch: no one else recorded meanwhile. A takeover's from_wall_ns is the end of the camera's newest footage in
// the cluster catalog (so the new holder records from its first keyframe after it: nothing twice), or the
// database's time now when there is none. One transaction; throws ClusterError like PgConnection::exec.
// may_take_from_another: whether a lease another host held (and let lapse) may be taken, not only one never held;
// a host that has just (re)connected passes false for a lease's length, so that after a database outage the
// holders renew before anyone takes their cameras (docs/cluster.md, "When the database is down").
// min_lapsed_ns: a lease another host held is taken only once it has been lapsed this long by the database's
// clock (the hosts of a camera's list wait by their place in it, so the next one in the list wins a takeover).
LeaseAnswer claim_lease(PgConnection& pg, const std::string& camera, const std::string& host, int64_t lease_ns,
                        bool may_take, bool may_take_from_another = true, int64_t min_lapsed_ns = 0);

// Ends `host`'s lease of `camera` now (a clean stop: another host may take it at once). Nothing when another
// host holds it. Throws like PgConnection::exec.
void release_lease(PgConnection& pg, const std::string& camera, const std::string& host);

// Records where `host`'s HTTP API answers other hosts (events routed to a camera's holder). Throws like exec.
void announce_host(PgConnection& pg, const std::string& host, const std::string& api_url, int64_t now_wall_ns);

struct LeaseRow {
  std::string camera;
  std::string holder;        // the newest holder ('' never held); it holds the lease only while expires_in_ns > 0
  int64_t epoch = 0;
  int64_t expires_in_ns = 0;  // by the database's clock; <= 0: lapsed
  std::string holder_api_url;
};

// Every camera's lease, by camera name. Throws like PgConnection::exec.
std::vector<LeaseRow> cluster_leases(PgConnection& pg);

}  // namespace zc::cluster
