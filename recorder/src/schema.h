// The catalog schema text, embedded at build time from recorder/schema/catalog.sql (see CMakeLists.txt).
#pragma once

#include <string_view>

namespace zc::recorder::schema {

extern const std::string_view kCatalogSql;

}  // namespace zc::recorder::schema
