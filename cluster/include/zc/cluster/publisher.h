// Publishing a host's local catalog into the cluster catalog (docs/cluster.md, "Publishing"). The host's local
// SQLite catalog stays its write path (recording never waits on the network); a publish makes the host's rows in
// PostgreSQL equal to what its local catalog holds now — recordings, segments (those being written included, at
// their durable length), events and gaps — in one transaction: new rows are inserted, changed ones updated,
// rows the host no longer has (retention, deletion) removed. It is idempotent, so a host that was cut off
// catches up by itself with its next publish, and a publish that fails half way changes nothing.
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/cluster/pg_connection.h>

#include <cstdint>
#include <optional>
#include <string>

namespace zc::cluster {

struct PublishStats {
  int64_t recordings = 0, segments = 0, events = 0, gaps = 0;  // the host's rows now
  int64_t written = 0;  // rows inserted or changed by this publish (0 when nothing changed since the last one)
  int64_t removed = 0;  // rows the host no longer has
  bool full = true;     // false: an incremental publish (changed_since_wall_ns)
};

// Throws ClusterError(invalid_argument) for a host name that is empty or longer than 64 bytes, and like
// PgConnection::exec (unreachable: try again later; nothing was changed). Reads `local` through its own read
// transactions only.
// `ring_prefix`: zcrecd's (its streams are <ring_prefix><camera>); the cluster knows cameras by name, so a stream
// that starts with it is published under the camera's name, any other under its whole name.
//
// `changed_since_wall_ns` set: an incremental publish. Only rows whose time span reaches `changed_since` or later
// (open recordings and events, segments being written, everything newer) are read and upserted; nothing is
// removed, and the host's row counts are left as the last full publish set them. It costs what the last
// minutes hold instead of the whole history; rows that change without a new time (an old recording locked,
// retention deleting old footage) reach the cluster with the next full publish (PublishLoop: every 10 min).
// api_url: where this host's API answers the other hosts (docs/cluster.md); '' leaves what the host row has.
PublishStats publish(PgConnection& pg, const std::string& host, const catalog::Catalog& local, int64_t now_wall_ns,
                     const std::string& ring_prefix = "", std::optional<int64_t> changed_since_wall_ns = std::nullopt,
                     const std::string& api_url = "");

}  // namespace zc::cluster
