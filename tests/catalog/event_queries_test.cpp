// The time filters of the event and recording listings walk the indexes: EXPLAIN QUERY PLAN of the very SQL
// text Catalog runs (catalog/src/event_queries.h), on a real catalog file.
#include <zc/catalog/catalog.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "event_queries.h"
#include "recorder/support/temp_dir.h"

using namespace zc::catalog;
using zc::test::TempDir;

namespace {

std::string plan(const std::filesystem::path& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2((dir / "catalog.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  const std::string explain = "EXPLAIN QUERY PLAN " + sql;
  EXPECT_EQ(sqlite3_prepare_v2(db, explain.c_str(), -1, &q, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  while (sqlite3_step(q) == SQLITE_ROW) out += std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 3))) + "\n";
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST(EventQueries, TimeFiltersUseTheIndexes) {
  TempDir d("queries");
  { Catalog::open(d.path()); }
  using namespace queries;
  const std::string page = std::string("SELECT ") + kEventColumns + kEventRangeWhere + "ORDER BY e.start_wall_ns";
  const std::string count = std::string("SELECT count(*) FROM event e ") + kEventRangeWhere;
  for (const auto& sql : {page, count}) {
    const auto p = plan(d.path(), sql);
    EXPECT_NE(p.find("SEARCH e USING INDEX event_by_stream_time (stream_id=? AND start_wall_ns<?)"),
              std::string::npos)
        << p;
    EXPECT_EQ(p.find("SCAN e"), std::string::npos) << p;
  }
  const auto open = plan(d.path(), std::string("SELECT ") + kEventColumns + "WHERE e.state = 'open' ORDER BY e.id");
  EXPECT_NE(open.find("USING INDEX event_open"), std::string::npos) << open;
  const auto recordings = plan(d.path(), std::string("SELECT count(*) FROM recording r ") + kRecordingRangeWhere);
  EXPECT_NE(recordings.find("SEARCH r USING INDEX recording_by_stream_time (stream_id=?)"), std::string::npos)
      << recordings;
}
