// The cluster schema's versions (docs/cluster.md, "Schema"): cluster/schema/cluster.sql is the current one (for an
// empty database), upgrade_<n>_to_<n+1>.sql each step from an older one. Every host runs migrate() when it connects; an advisory lock held for the transaction makes
// hosts that start together take turns, and a database of a newer version than this zcrec knows is refused.
#pragma once

#include <zc/cluster/pg_connection.h>

namespace zc::cluster {

inline constexpr int kClusterSchemaVersion = 2;

// Brings the database to kClusterSchemaVersion; returns the version it found (0: empty). Throws ClusterError:
// too_new, unreachable, query.
int migrate(PgConnection& pg);

}  // namespace zc::cluster
