// Upgrades on catalogs written by earlier code: fixtures/catalog_v2.sql is a dump of what zcrec wrote before
// schema version 3 (see its header); version 1 is that catalog without the version-2 indexes, which is all that
// step added. An upgraded catalog must have the very columns and indexes of a new one.
#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "recorder/support/temp_dir.h"

using namespace zc::catalog;
using zc::test::TempDir;

namespace {

constexpr int64_t kSec = 1'000'000'000;

// Runs SQL on the catalog file of `dir` with a plain connection (not zc::catalog's).
void exec_sql(const std::filesystem::path& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "catalog.db").c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

// One line per column and index of every table: what a fresh and an upgraded catalog must agree on.
std::string shape(const std::filesystem::path& dir) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2((dir / "catalog.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::ostringstream out;
  auto rows = [&](const std::string& sql) {
    sqlite3_stmt* q = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(q) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(q); ++i) {
        const auto* t = sqlite3_column_text(q, i);
        out << (t != nullptr ? reinterpret_cast<const char*>(t) : "NULL") << '|';
      }
      out << '\n';
    }
    sqlite3_finalize(q);
  };
  rows("SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM sqlite_master m, "
       "pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid");
  rows("SELECT m.name, i.name, i.\"unique\", i.partial FROM sqlite_master m, pragma_index_list(m.name) i "
       "WHERE m.type = 'table' ORDER BY m.name, i.name");
  rows("SELECT m.tbl_name, m.name, x.seqno, x.name FROM sqlite_master m, pragma_index_info(m.name) x "
       "WHERE m.type = 'index' ORDER BY m.name, x.seqno");
  rows("SELECT m.name, f.\"table\", f.\"from\", f.\"to\", f.on_delete FROM sqlite_master m, "
       "pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.\"from\"");
  rows("PRAGMA user_version");
  sqlite3_close(db);
  return out.str();
}

void load_v2_fixture(const std::filesystem::path& dir) {
  std::ifstream in(std::string(ZC_CATALOG_FIXTURES) + "/catalog_v2.sql");
  ASSERT_TRUE(in) << "fixture missing";
  std::stringstream sql;
  sql << in.rdbuf();
  exec_sql(dir, sql.str());
}

void expect_read_only_refuses(const std::filesystem::path& dir) {
  try {
    Catalog::open_existing(dir, Catalog::Access::read_only);
    FAIL() << "a read-only open upgraded or used an old catalog";
  } catch (const CatalogError& e) {
    EXPECT_EQ(e.code(), CatalogErrc::catalog);
    EXPECT_NE(std::string(e.what()).find("upgrade"), std::string::npos) << e.what();
  }
}

// What the fixture holds: one recording of stream evfixcam with one segment; after the upgrade it is an event
// recording, and the new event table takes rows over it.
void expect_fixture_rows_and_events_work(const std::filesystem::path& dir) {
  auto c = Catalog::open_existing(dir, Catalog::Access::read_write);
  EXPECT_EQ(c.schema_version(), Catalog::kSchemaVersion);
  const auto recs = c.recordings("evfixcam");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].kind, "event");
  EXPECT_EQ(recs[0].state, "complete");
  const auto segs = c.segments_of_recording(recs[0].id);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].path, "evfixcam/1-0.mp4");
  EXPECT_FALSE(c.keyframes(segs[0].id).empty());
  NewEvent e;
  e.stream_name = "evfixcam";
  e.label = "door";
  e.trigger_wall_ns = *recs[0].start_wall_ns + 5 * kSec;
  e.start_wall_ns = *recs[0].start_wall_ns + 2 * kSec;
  e.preroll_ns = kSec;
  e.recording_id = recs[0].id;
  const int64_t id = c.add_event(e);
  c.end_event(id, *recs[0].end_wall_ns, "ended");
  const auto found = c.events("evfixcam", TimeRange{segs[0].start_wall_ns, segs[0].end_wall_ns});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].recording_id, recs[0].id);
  // Retention deletes a recording with its last segment; its events stay, no longer naming it.
  c.mark_segment_deleting(segs[0].id);
  c.delete_segment_row(segs[0].id);
  c.delete_recording_if_empty(recs[0].id);
  EXPECT_FALSE(c.recording(recs[0].id));
  EXPECT_FALSE(c.event(id)->recording_id);
}

}  // namespace

TEST(Upgrade, Version2CatalogWrittenByZcrecBecomesTheCurrentVersion) {
  TempDir fresh("upgrade"), old("upgrade");
  { Catalog::open(fresh.path()); }
  load_v2_fixture(old.path());
  expect_read_only_refuses(old.path());
  { auto c = Catalog::open_existing(old.path(), Catalog::Access::read_write); }
  EXPECT_EQ(shape(old.path()), shape(fresh.path()));
  expect_fixture_rows_and_events_work(old.path());
  EXPECT_EQ(Catalog::open_existing(old.path(), Catalog::Access::read_only).schema_version(), Catalog::kSchemaVersion);
}

TEST(Upgrade, Version1CatalogTakesEveryStep) {
  TempDir fresh("upgrade"), old("upgrade");
  { Catalog::open(fresh.path()); }
  load_v2_fixture(old.path());
  exec_sql(old.path(), "DROP INDEX segment_unfinished; DROP INDEX recording_unfinished; PRAGMA user_version = 1");
  expect_read_only_refuses(old.path());
  { auto c = Catalog::open_existing(old.path(), Catalog::Access::read_write); }
  EXPECT_EQ(shape(old.path()), shape(fresh.path()));
  expect_fixture_rows_and_events_work(old.path());
}

// A failed step leaves the old version whole: every step runs in the opening transaction.
TEST(Upgrade, AFailedStepLeavesVersion2Untouched) {
  TempDir old("upgrade");
  load_v2_fixture(old.path());
  exec_sql(old.path(), "CREATE TABLE event (x INTEGER)");  // makes 2 -> 3 fail half-way
  EXPECT_THROW(Catalog::open_existing(old.path(), Catalog::Access::read_write), CatalogError);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((old.path() / "catalog.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM "
                                   "pragma_table_info('recording') WHERE name = 'kind')",
                               -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 2);
  EXPECT_EQ(sqlite3_column_int(q, 1), 0) << "the ALTER TABLE of the failed step was rolled back";
  sqlite3_finalize(q);
  sqlite3_close(db);
}

// Version 4 (objects in S3): a version-3 catalog (fixtures/catalog_v3.sql) gets the location columns; its
// segments are local copies and queued for upload, and the rows move local -> both -> s3 as copies are made.
TEST(Upgrade, Version3CatalogGetsObjectStorageColumnsAndQueuesItsSegmentsForUpload) {
  TempDir fresh("upgrade"), old("upgrade");
  { Catalog::open(fresh.path()); }
  {
    std::ifstream in(std::string(ZC_CATALOG_FIXTURES) + "/catalog_v3.sql");
    ASSERT_TRUE(in) << "fixture missing";
    std::stringstream sql;
    sql << in.rdbuf();
    exec_sql(old.path(), sql.str());
  }
  expect_read_only_refuses(old.path());
  auto c = Catalog::open_existing(old.path(), Catalog::Access::read_write);
  EXPECT_EQ(c.schema_version(), Catalog::kSchemaVersion);
  EXPECT_EQ(shape(old.path()), shape(fresh.path()));
  EXPECT_EQ(c.events("evfixcam").size(), 1u) << "version 3's rows stay";
  const auto queued = c.segments_to_upload(10);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].path, "evfixcam/1-0.mp4");
  EXPECT_EQ(queued[0].location, "local");
  EXPECT_EQ(queued[0].s3_key, "");
  EXPECT_EQ(c.upload_backlog(), 1);
  EXPECT_TRUE(c.set_segment_uploaded(queued[0].id, "site/evfixcam/1-0.mp4", 1'800'000'000 * kSec));
  EXPECT_FALSE(c.set_segment_uploaded(queued[0].id, "again", 1)) << "only a local-only segment gets a copy";
  EXPECT_EQ(c.upload_backlog(), 0);
  auto row = c.segment(queued[0].id);
  EXPECT_EQ(row->location, "both");
  EXPECT_EQ(row->s3_key, "site/evfixcam/1-0.mp4");
  EXPECT_EQ(row->s3_uploaded_wall_ns, 1'800'000'000 * kSec);
  EXPECT_TRUE(c.set_segment_local_removed(queued[0].id));
  EXPECT_FALSE(c.set_segment_local_removed(queued[0].id));
  EXPECT_EQ(c.segment(queued[0].id)->location, "s3");
  EXPECT_EQ(c.segments("evfixcam").size(), 1u) << "an S3-only segment is still footage";
}

// The schema's CHECKs keep the location and the key in step, whoever writes the row.
TEST(Upgrade, TheLocationColumnsRefuseAnInconsistentRow) {
  TempDir dir("upgrade");
  { Catalog::open(dir.path()); }
  exec_sql(dir.path(), "INSERT INTO stream VALUES (1, 'cam', 1); INSERT INTO recording (id, stream_id, "
                       "trigger_wall_ns, trigger_mono_ns, preroll_requested_ns, postroll_ns, recorder_pid) VALUES "
                       "(1, 1, 1, 1, 0, 0, 1); INSERT INTO segment (id, recording_id, stream_id, ordinal, path, "
                       "start_wall_ns, end_wall_ns, start_pts_90k, video_codec, width, height, video_config, state) "
                       "VALUES (1, 1, 1, 0, 'cam/1-0.mp4', 1, 2, 0, 'h264', 2, 2, x'00', 'complete')");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "catalog.db").c_str(), &db), SQLITE_OK);
  for (const char* bad : {"UPDATE segment SET location = 'both'", "UPDATE segment SET s3_key = 'k'",
                          "UPDATE segment SET location = 'cloud', s3_key = 'k', s3_uploaded_wall_ns = 1",
                          "UPDATE segment SET location = 's3', s3_key = 'k'"}) {
    EXPECT_NE(sqlite3_exec(db, bad, nullptr, nullptr, nullptr), SQLITE_OK) << bad;
  }
  EXPECT_EQ(sqlite3_exec(db, "UPDATE segment SET location = 's3', s3_key = 'k', s3_uploaded_wall_ns = 1", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}
