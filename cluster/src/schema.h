// The cluster schema's text and its upgrade steps (cluster/schema/*.sql, compiled in by CMake).
#pragma once

#include <array>
#include <string_view>

namespace zc::cluster::schema {

// The whole current schema, run on an empty database.
extern const std::string_view kClusterSql;

// upgrade_<from>_to_<from + 1>.sql, in order.
struct UpgradeStep {
  int from;
  std::string_view sql;
};
extern const std::array<UpgradeStep, 1> kUpgradeSteps;

}  // namespace zc::cluster::schema
