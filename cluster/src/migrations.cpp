#include <zc/cluster/error.h>
#include <zc/cluster/migrations.h>

#include "schema.h"

#include <string>

namespace zc::cluster {
namespace {

// pg_advisory_xact_lock's key: any constant of our own ("zcrc" in ASCII).
constexpr const char* kMigrationLock = "2053464675";

}  // namespace

int migrate(PgConnection& pg) {
  return in_transaction(pg, [&] {
    pg.exec(std::string("SELECT pg_advisory_xact_lock(") + kMigrationLock + ")");
    pg.exec("CREATE TABLE IF NOT EXISTS zc_schema_version (version integer NOT NULL)");
    const auto r = pg.exec("SELECT max(version) FROM zc_schema_version");
    const int found = static_cast<int>(r.integer(0, 0));
    if (found > kClusterSchemaVersion)
      throw ClusterError(ClusterErrc::too_new, "the cluster catalog is at schema version " + std::to_string(found) +
                                                   ", newer than this zcrec's " +
                                                   std::to_string(kClusterSchemaVersion) + ": upgrade zcrec");
    if (found < 1) {
      pg.exec_script(std::string(schema::kClusterSql));
    } else {
      int version = found;  // one step per version, in order, in this transaction
      for (const auto& step : schema::kUpgradeSteps)
        if (step.from == version) {
          pg.exec_script(std::string(step.sql));
          ++version;
        }
    }
    if (found < kClusterSchemaVersion) {
      pg.exec("DELETE FROM zc_schema_version");
      pg.exec("INSERT INTO zc_schema_version VALUES ($1)", {std::to_string(kClusterSchemaVersion)});
    }
    return found;
  });
}

}  // namespace zc::cluster
