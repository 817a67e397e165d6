// `zcrec lock` / `zcrec unlock`: a locked recording survives `zcrec prune` with a quota that would delete it
// while the unlocked one goes; unknown ids are a runtime error naming them and change nothing; `zcrec list`
// shows the lock in text and JSON. Recordings are made by `zcrec start` from a ring `zcrec feed testsrc` filled.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace zc::test {
namespace {

using nlohmann::json;

// The recording id from `zcrec start --json` output (its "finished" line).
int64_t recording_id_of(const RunResult& r) {
  std::istringstream in(r.out);
  std::string line;
  int64_t id = -1;
  while (std::getline(in, line)) {
    const auto j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == "finished") id = j["recording_id"].get<int64_t>();
  }
  return id;
}

// Recording id -> whether `zcrec list --json` says it is locked.
std::map<int64_t, bool> locks_listed(const std::string& dir) {
  const auto l = zcrec({"list", "--json", "--dir", dir});
  EXPECT_EQ(l.exit_code, 0) << l.err;
  std::map<int64_t, bool> out;
  for (const auto& r : json::parse(l.out)) out[r["id"].get<int64_t>()] = r["locked"].get<bool>();
  return out;
}

// The line of `zcrec list` text output that describes recording `id`.
std::string list_line(const std::string& text, int64_t id) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("#" + std::to_string(id) + " ", 0) == 0) return line;
  }
  return {};
}

TEST(RecordLock, LockedRecordingSurvivesPruneAndUnlockedOneGoes) {
  TempDir tmp;
  ScopedStream stream("lock");
  const std::string dir = (tmp / "store").string();
  // Two seconds of camera in the ring (the feeder is done by then); each recording takes all of it.
  const auto fed = zcrec({"feed", "testsrc", "--stream", stream.name(), "--size", "160x120", "--gop", "1s",
                          "--frames", "60", "--max-rate", "--ring-size", "4M"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;
  std::vector<int64_t> ids;
  for (int i = 0; i < 2; ++i) {
    const auto r = zcrec({"start", stream.name(), "--preroll", "10s", "--duration", "0", "--postroll", "0",
                          "--dir", dir, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ids.push_back(recording_id_of(r));
  }
  const std::string kept = std::to_string(ids[0]), pruned = std::to_string(ids[1]);

  const auto lock = zcrec({"lock", kept, "--dir", dir});
  ASSERT_EQ(lock.exit_code, 0) << lock.err;
  EXPECT_EQ(lock.out, "recording " + kept + " locked\n");
  EXPECT_EQ(locks_listed(dir), (std::map<int64_t, bool>{{ids[0], true}, {ids[1], false}}));
  const auto text = zcrec({"list", "--dir", dir}).out;
  EXPECT_NE(list_line(text, ids[0]).find("  locked"), std::string::npos) << text;
  EXPECT_NE(list_line(text, ids[1]), "") << text;
  EXPECT_EQ(list_line(text, ids[1]).find("locked"), std::string::npos) << text;

  const auto before = json::parse(zcrec({"list", "--json", "--dir", dir}).out);
  ASSERT_EQ(before.size(), 2u);
  const auto prune = zcrec({"prune", "--quota", "1K", "--dir", dir, "--json"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_GT(json::parse(prune.out)["segments_deleted"].get<int64_t>(), 0);
  const auto after = json::parse(zcrec({"list", "--json", "--dir", dir}).out);
  ASSERT_EQ(after.size(), 1u) << "the unlocked recording is deleted, the locked one kept";
  EXPECT_EQ(after[0]["id"], ids[0]);
  EXPECT_EQ(after[0]["segments"], before[0]["segments"]) << "all of it";
  ASSERT_FALSE(after[0]["segments"].empty());
  for (const auto& s : after[0]["segments"]) {
    const auto path = tmp / "store" / s["path"].get<std::string>();
    EXPECT_EQ(probe_stream(path, "codec_name,width"), "codec_name=h264\nwidth=160\n") << path;
  }

  // Unknown ids: exit 1, a message naming them, and nothing changed (all or nothing).
  const auto unknown = zcrec({"unlock", kept, pruned, "--dir", dir});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no recording " + pruned + " "), std::string::npos) << unknown.err;
  EXPECT_EQ(unknown.out, "");
  EXPECT_TRUE(locks_listed(dir).at(ids[0]));
  const auto two_unknown = zcrec({"lock", "998", "999", "--dir", dir});
  EXPECT_EQ(two_unknown.exit_code, 1);
  EXPECT_NE(two_unknown.err.find("no recordings 998, 999 "), std::string::npos) << two_unknown.err;

  const auto unlock = zcrec({"unlock", kept, "--dir", dir});
  ASSERT_EQ(unlock.exit_code, 0) << unlock.err;
  EXPECT_EQ(unlock.out, "recording " + kept + " unlocked\n");
  EXPECT_FALSE(locks_listed(dir).at(ids[0]));
  ASSERT_EQ(zcrec({"prune", "--quota", "1K", "--dir", dir}).exit_code, 0);
  EXPECT_TRUE(json::parse(zcrec({"list", "--json", "--dir", dir}).out).empty()) << "unlocked, it goes too";
}

TEST(RecordLock, UsageErrorsExitTwoAndAMissingCatalogExitsOne) {
  TempDir tmp;
  const std::string dir = (tmp / "store").string();
  for (const char* sub : {"lock", "unlock"}) {
    EXPECT_EQ(zcrec({sub, "--help"}).exit_code, 0) << sub;
    EXPECT_EQ(zcrec({sub, "--dir", dir}).exit_code, 2) << sub << ": an id is required";
    EXPECT_EQ(zcrec({sub, "abc", "--dir", dir}).exit_code, 2) << sub;
    EXPECT_EQ(zcrec({sub, "0", "--dir", dir}).exit_code, 2) << sub;
    EXPECT_EQ(zcrec({sub, "-3", "--dir", dir}).exit_code, 2) << sub;
    const auto r = zcrec({sub, "1", "--dir", dir});
    EXPECT_EQ(r.exit_code, 1) << sub;
    EXPECT_NE(r.err.find("no catalog in " + dir), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace zc::test
