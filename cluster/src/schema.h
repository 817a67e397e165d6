// The cluster schema's text (cluster/schema/cluster.sql, compiled in by CMake).
#pragma once

#include <string_view>

namespace zc::cluster::schema {

extern const std::string_view kClusterSql;

}  // namespace zc::cluster::schema
