// The catalog schema text and its upgrade steps, embedded at build time from catalog/schema/*.sql (see
// CMakeLists.txt).
#pragma once

#include <array>
#include <string_view>

namespace zc::catalog::schema {

// The whole schema of the current version, run on an empty database.
extern const std::string_view kCatalogSql;

// upgrade_<from>_to_<from + 1>.sql: each step sets the next user_version itself.
struct UpgradeStep {
  int from;
  std::string_view sql;
};
extern const std::array<UpgradeStep, 4> kUpgradeSteps;

}  // namespace zc::catalog::schema
