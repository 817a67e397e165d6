// zcrecd's HTTP API against the real daemon (issue 11): the bearer token on every route, hostile and malformed
// requests answered with the right status and a JSON error, paged listings whose segment files exist, /metrics
// read by Prometheus' own Python parser, and the `zcrec trigger/end/cameras` client.
#include "cli_process.h"
#include "rtsp_camera.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <set>

namespace zc::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kToken = "s3cret-token-of-32-characters-xx";

std::string small_camera(const std::string& name, bool continuous) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 160x120, fps: 10, gop: 1s, bitrate: 100K}\n" +
         "    ring_size: 4M\n    record: {continuous: " + (continuous ? "true" : "false") +
         ", events: {preroll: 1s, postroll: 0s}}\n";
}

struct Reply {
  int status = 0;  // 0: no answer
  std::string body;
  httplib::Headers headers;
  json body_json() const { return json::parse(body, nullptr, /*allow_exceptions=*/false); }
  std::string header(const std::string& key) const {
    const auto it = headers.find(key);
    return it == headers.end() ? "" : it->second;
  }
};

// One request with a real HTTP client; token empty = no Authorization header.
Reply call(int port, const std::string& method, const std::string& path, const std::string& token = "",
           const std::string& body = "", httplib::Headers headers = {}) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2);
  c.set_read_timeout(10);
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result r = method == "GET" ? c.Get(path, headers) : c.Post(path, headers, body, "application/json");
  if (!r) return {};
  return {r->status, r->body, r->headers};
}

// The error shape every refusal has: {"error": {"status": N, "message": "..."}} with N the HTTP status.
::testing::AssertionResult is_json_error(const Reply& r, int status, const std::string& message_part = "") {
  if (r.status != status) return ::testing::AssertionFailure() << "status " << r.status << ", body " << r.body;
  const json j = r.body_json();
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object())
    return ::testing::AssertionFailure() << "no JSON error object: " << r.body;
  if (j["error"].value("status", 0) != status) return ::testing::AssertionFailure() << "status field: " << r.body;
  if (!j["error"]["message"].is_string()) return ::testing::AssertionFailure() << "no message: " << r.body;
  const std::string message = j["error"]["message"];
  if (!message_part.empty() && message.find(message_part) == std::string::npos)
    return ::testing::AssertionFailure() << "message does not say \"" << message_part << "\": " << message;
  if (r.header("Content-Type") != "application/json")
    return ::testing::AssertionFailure() << "Content-Type " << r.header("Content-Type");
  return ::testing::AssertionSuccess();
}

bool camera_streaming(int port, const std::string& token, const std::string& cam, double history_s) {
  const auto r = call(port, "GET", "/api/v1/cameras", token);
  if (r.status != 200) return false;
  const json cameras = r.body_json();  // named: a temporary in a range-for's expression would die first
  for (const auto& c : cameras["items"])
    if (c["name"] == cam) return c["ingest_state"] == "streaming" && c["ring_history_s"].get<double>() >= history_s;
  return false;
}

RunResult zcrec(std::vector<std::string> args) {
  args.insert(args.begin(), ZCREC_BIN);
  return run(args);
}

TEST(HttpApi, EveryRouteNeedsTheTokenWhenOneIsConfiguredAndTheCliSendsIt) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), small_camera("porch", false), "", kToken);
  d.start();
  const int port = d.port();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return camera_streaming(port, kToken, "porch", 1.5); }, 30s));

  // Without the token, with a wrong one of the same length (last byte differs), with another scheme: 401, on
  // every route, the unknown ones and /metrics included; the body is never looked at.
  std::string wrong = kToken;
  wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/v1/cameras"}, {"GET", "/api/v1/health"},      {"GET", "/api/v1/events"},
      {"GET", "/api/v1/recordings"}, {"GET", "/metrics"},        {"POST", "/api/v1/cameras/porch/events"},
      {"POST", "/api/v1/events/1/end"}, {"POST", "/api/v1/reload"}, {"GET", "/no/such/route"}};
  for (const auto& [method, path] : routes) {
    SCOPED_TRACE(method + " " + path);
    EXPECT_TRUE(is_json_error(call(port, method, path, "", "{}"), 401, "Bearer"));
    const auto r = call(port, method, path, wrong, "{}");
    EXPECT_TRUE(is_json_error(r, 401));
    EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"zcrecd\"");
    EXPECT_TRUE(is_json_error(call(port, method, path, "", "{}", {{"Authorization", "Basic " + kToken}}), 401));
    EXPECT_TRUE(is_json_error(call(port, method, path, kToken.substr(0, 16), "{}"), 401));
  }
  // Nothing was created by the refused POSTs.
  EXPECT_EQ(call(port, "GET", "/api/v1/events", kToken).body_json()["total"], 0);

  // With it: answers. The scheme name is case-insensitive (RFC 7235), the token is not.
  EXPECT_EQ(call(port, "GET", "/api/v1/cameras", kToken).status, 200);
  EXPECT_EQ(call(port, "GET", "/api/v1/health", kToken).body_json()["status"], "ok");
  EXPECT_EQ(call(port, "GET", "/metrics", "", "", {{"Authorization", "bearer " + kToken}}).status, 200);
  EXPECT_TRUE(is_json_error(call(port, "GET", "/no/such/route", kToken), 404, "no route"));

  // The CLI: the token from a file, then from $ZCRECD_TOKEN; trigger prints the id alone.
  const auto token_file = dir / "token";
  std::ofstream(token_file) << kToken << "\n";
  const std::string server = "http://127.0.0.1:" + std::to_string(port);
  auto t = zcrec({"trigger", "porch", "--label", "cli", "--preroll", "1s", "--server", server, "--token-file",
                  token_file.string()});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const int64_t id = std::stoll(t.out);
  const auto events = call(port, "GET", "/api/v1/events?camera=porch", kToken).body_json();
  ASSERT_EQ(events["total"], 1) << events.dump();
  EXPECT_EQ(events["items"][0]["id"], id);
  EXPECT_EQ(events["items"][0]["label"], "cli");
  EXPECT_EQ(events["items"][0]["state"], "open");

  ASSERT_EQ(::setenv("ZCRECD_TOKEN", kToken.c_str(), 1), 0);
  auto e = zcrec({"end", std::to_string(id), "--server", server});
  EXPECT_EQ(e.exit_code, 0) << e.err;
  auto cams = zcrec({"cameras", "--json", "--server", server});
  EXPECT_EQ(cams.exit_code, 0) << cams.err;
  EXPECT_EQ(json::parse(cams.out)["items"][0]["name"], "porch") << cams.out;
  auto table = zcrec({"cameras", "--server", server});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("porch"), std::string::npos) << table.out;
  // Ending it again: zcrecd's 409 and its message reach the user, exit 1.
  auto again = zcrec({"end", std::to_string(id), "--server", server});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("409"), std::string::npos) << again.err;

  ASSERT_EQ(::setenv("ZCRECD_TOKEN", wrong.c_str(), 1), 0);
  auto refused = zcrec({"cameras", "--server", server});
  ::unsetenv("ZCRECD_TOKEN");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("401"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find(server), std::string::npos) << refused.err;
  EXPECT_EQ(call(port, "GET", "/api/v1/events?camera=porch", kToken).body_json()["items"][0]["state"], "ended");
}

TEST(HttpApi, TheCliSaysWhichServerItCouldNotReach) {
  const std::string server = "http://127.0.0.1:" + std::to_string(free_local_port());
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"trigger", "front", "--server", server}, {"end", "7", "--server", server}, {"cameras", "--server", server}}) {
    const auto r = zcrec(args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_NE(r.err.find("cannot reach zcrecd at " + server), std::string::npos) << r.err;
  }
  const auto bad_url = zcrec({"cameras", "--server", "127.0.0.1:8190/x"});
  EXPECT_EQ(bad_url.exit_code, 1);
  EXPECT_NE(bad_url.err.find("--server must be"), std::string::npos) << bad_url.err;
}

TEST(HttpApi, HostileAndMalformedRequestsGetTheRightStatusAndAJsonError) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), small_camera("gate", false));
  d.start();
  const int port = d.port();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return camera_streaming(port, "", "gate", 1.5); }, 30s));
  const std::string events = "/api/v1/cameras/gate/events";

  // Bodies: too large (refused from its Content-Length, before it is read), not JSON, not an object, too deep.
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", "{\"label\":\"" + std::string(1 << 20, 'a') + "\"}"), 413,
                            "larger than"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", "{\"label\": "), 400, "not valid JSON"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", "[1, 2]"), 400, "JSON object"));
  EXPECT_TRUE(is_json_error(
      call(port, "POST", events, "", "{\"metadata\": " + std::string(5000, '[') + std::string(5000, ']') + "}"), 400,
      "deeper"));

  // Fields: unknown ones named, wrong types, limits, units.
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"lable": "typo"})"), 400, "\"lable\""));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"label": 5})"), 400, "label"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", json{{"label", std::string(257, 'x')}}.dump()), 400,
                            "label"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", json{{"metadata", std::string(70'000, 'm')}}.dump()), 400,
                            "metadata"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"preroll": "5 parsecs"})"), 400, "preroll"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"preroll": -1})"), 400, "preroll"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"preroll": "2h"})"), 400, "preroll"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"duration": 0})"), 400, "duration"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"start": "yesterday-ish"})"), 400, "start"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"start": "1700-01-01T00:00:00Z"})"), 400, "366 days"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"start": "+1h"})"), 400, "future"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events, "", R"({"score": "high"})"), 400, "score"));
  EXPECT_TRUE(is_json_error(call(port, "POST", events + "?x=1", "", "{}"), 400, "\"x\""));

  // Names and ids in the path: traversal is another path (404), a bad name or id a 400, an unknown one a 404.
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/cameras/..%2F..%2Fetc/events", "", "{}"), 404));
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/cameras/../events", "", "{}"), 400, "camera name"));
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/cameras/..%2e/events", "", "{}"), 400, "camera name"));
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/cameras/" + std::string(65, 'c') + "/events", "", "{}"), 400));
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/cameras/nosuch/events", "", "{}"), 404, "nosuch"));
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/events/abc/end"), 400, "event id"));
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/events/99999999999999999999/end"), 400));
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/events/424242/end"), 404));

  // Listing parameters: bounded, typed, known.
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/events?per_page=100000"), 400, "per_page"));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/events?per_page=0"), 400, "per_page"));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/recordings?page=0"), 400, "page"));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/recordings?page=2x"), 400, "page"));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/events?camera=../../etc"), 400, "camera"));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/events?from=-1m&to=-2m"), 400, "before"));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/events?from=soon"), 400, "from"));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/events?sort=id"), 400, "\"sort\""));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/events?page=1&page=2"), 400, "more than once"));
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v1/events?camera=" + std::string(200, 'c')), 400));

  // Methods: a known path under another method is 405 with Allow; an unknown path 404.
  auto r = call(port, "GET", events);
  EXPECT_TRUE(is_json_error(r, 405, "POST"));
  EXPECT_EQ(r.header("Allow"), "POST");
  r = call(port, "POST", "/api/v1/cameras", "", "{}");
  EXPECT_TRUE(is_json_error(r, 405));
  EXPECT_EQ(r.header("Allow"), "GET");
  EXPECT_TRUE(is_json_error(call(port, "GET", "/api/v2/cameras"), 404, "no route"));

  // Conflicts: an event ended twice.
  r = call(port, "POST", events, "", R"({"label": "ok", "score": 0.5, "metadata": {"zone": [1, 2]}, "preroll": 0.5})");
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t id = r.body_json()["id"];
  EXPECT_EQ(r.header("Location"), "/api/v1/events/" + std::to_string(id));
  EXPECT_EQ(call(port, "POST", "/api/v1/events/" + std::to_string(id) + "/end").status, 200);
  EXPECT_TRUE(is_json_error(call(port, "POST", "/api/v1/events/" + std::to_string(id) + "/end"), 409));

  // After all of that the daemon still serves, and only the one good event exists, with what was posted.
  const auto list = call(port, "GET", "/api/v1/events").body_json();
  ASSERT_EQ(list["total"], 1) << list.dump();
  EXPECT_EQ(list["items"][0]["score"], 0.5);
  EXPECT_EQ(list["items"][0]["metadata"], json({{"zone", {1, 2}}}));
  EXPECT_EQ(list["items"][0]["preroll_s"], 0.5);
}

TEST(HttpApi, EventsAndRecordingsAreListedInPagesAndRecordingsNameTheirSegmentFiles) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), small_camera("lobby", false) + small_camera("yard", true));
  d.start();
  const int port = d.port();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return camera_streaming(port, "", "lobby", 2) && camera_streaming(port, "", "yard", 2); }, 30s));

  // Five short events on lobby, one after the other (events only: each records its own footage, and one that
  // came while another recorded would extend that recording instead), two on yard (over continuous footage).
  const auto lobby_recordings_complete = [&](int64_t n) {
    const auto p = call(port, "GET", "/api/v1/recordings?camera=lobby").body_json();
    if (p["total"] != n) return false;
    for (const auto& r : p["items"])
      if (r["state"] != "complete") return false;
    return true;
  };
  std::vector<int64_t> lobby_ids;
  for (int i = 0; i < 5; ++i) {
    const auto r = call(port, "POST", "/api/v1/cameras/lobby/events", "",
                        json{{"label", "e" + std::to_string(i)}, {"preroll", "1s"}, {"duration", 1.5}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    lobby_ids.push_back(r.body_json()["id"]);
    ASSERT_TRUE(ZcrecdProcess::eventually([&] { return lobby_recordings_complete(i + 1); }, 20s))
        << call(port, "GET", "/api/v1/recordings?camera=lobby").body;
  }
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(call(port, "POST", "/api/v1/cameras/yard/events", "", R"({"duration": "1s"})").status, 201);

  // Pages of events: 7 in all, per_page 3 → 3 pages; the last page holds 1; past the end is empty, not an error.
  std::set<int64_t> seen;
  for (int page = 1; page <= 3; ++page) {
    const auto p = call(port, "GET", "/api/v1/events?per_page=3&page=" + std::to_string(page)).body_json();
    EXPECT_EQ(p["total"], 7);
    EXPECT_EQ(p["pages"], 3);
    EXPECT_EQ(p["page"], page);
    EXPECT_EQ(p["per_page"], 3);
    EXPECT_EQ(p["items"].size(), page < 3 ? 3u : 1u) << p.dump();
    for (const auto& e : p["items"]) seen.insert(e["id"].get<int64_t>());
  }
  EXPECT_EQ(seen.size(), 7u);
  const auto past = call(port, "GET", "/api/v1/events?per_page=3&page=4").body_json();
  EXPECT_EQ(past["items"].size(), 0u);
  EXPECT_EQ(past["total"], 7);
  // Filters: by camera, and by time (a range that ended before the daemon started holds nothing).
  const auto lobby = call(port, "GET", "/api/v1/events?camera=lobby&per_page=1000").body_json();
  EXPECT_EQ(lobby["total"], 5);
  for (const auto& e : lobby["items"]) EXPECT_EQ(e["camera"], "lobby");
  EXPECT_EQ(lobby["items"][0]["id"], lobby_ids[0]);  // oldest first
  EXPECT_EQ(call(port, "GET", "/api/v1/events?camera=yard").body_json()["total"], 2);
  EXPECT_EQ(call(port, "GET", "/api/v1/events?to=-1h").body_json()["total"], 0);
  EXPECT_EQ(call(port, "GET", "/api/v1/events?from=2000-01-01T00:00:00Z&to=%2B1h").body_json()["total"], 7);
  EXPECT_EQ(call(port, "GET", "/api/v1/events?camera=nosuch").body_json()["total"], 0);

  // Recordings: lobby's five, in pages; each names its segment files, relative to the storage directory and
  // present there, and a time span that contains them.
  std::set<int64_t> recording_ids;
  for (int page = 1; page <= 3; ++page) {
    const auto p = call(port, "GET", "/api/v1/recordings?camera=lobby&per_page=2&page=" + std::to_string(page)).body_json();
    EXPECT_EQ(p["total"], 5);
    EXPECT_EQ(p["pages"], 3);
    EXPECT_EQ(p["items"].size(), page < 3 ? 2u : 1u);
    for (const auto& r : p["items"]) {
      SCOPED_TRACE(r.dump());
      recording_ids.insert(r["id"].get<int64_t>());
      EXPECT_EQ(r["camera"], "lobby");
      EXPECT_EQ(r["kind"], "event");
      ASSERT_TRUE(r["start"].is_string() && r["end"].is_string());
      EXPECT_LT(r["start"].get<std::string>(), r["end"].get<std::string>());  // RFC 3339 UTC sorts as text
      ASSERT_GE(r["segments"].size(), 1u);
      for (const auto& s : r["segments"]) {
        const std::filesystem::path rel = s["path"].get<std::string>();
        EXPECT_TRUE(rel.is_relative());
        EXPECT_EQ(rel.string().find(".."), std::string::npos);
        EXPECT_TRUE(std::filesystem::is_regular_file(d.storage_dir() / rel)) << rel;
        EXPECT_EQ(std::filesystem::file_size(d.storage_dir() / rel), s["size_bytes"].get<uint64_t>());
        EXPECT_GE(s["start"].get<std::string>(), r["start"].get<std::string>());
        EXPECT_LE(s["end"].get<std::string>(), r["end"].get<std::string>());
        EXPECT_GT(s["frames"].get<int64_t>(), 0);
      }
    }
  }
  EXPECT_EQ(recording_ids.size(), 5u);
  // yard records continuously: its recording is there, of kind continuous, while it is still being written.
  const auto yard = call(port, "GET", "/api/v1/recordings?camera=yard").body_json();
  ASSERT_GE(yard["total"].get<int64_t>(), 1) << yard.dump();
  EXPECT_EQ(yard["items"][0]["kind"], "continuous");
}

TEST(HttpApi, MetricsAreReadByPrometheusOwnParser) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), small_camera("hall", true) + small_camera("attic", false));
  d.start();
  const int port = d.port();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return camera_streaming(port, "", "hall", 2) && camera_streaming(port, "", "attic", 2); }, 30s));
  ASSERT_EQ(call(port, "POST", "/api/v1/cameras/attic/events", "", "{}").status, 201);
  // One finished segment on hall (4 s segments) so that the catalog has rows and a write latency.
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto r = call(port, "GET", "/api/v1/recordings?camera=hall").body_json();
    return r["total"] == 1 && r["items"][0]["segments"].size() >= 2;
  }, 30s));

  const auto m = call(port, "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u) << m.header("Content-Type");
  const auto file = dir / "metrics.txt";
  std::ofstream(file) << m.body;
  // prometheus_client's parser (the Python client's, from Debian: so Debian's python3, whatever PATH says) turns the text into families and samples; it
  // throws on anything that is not the exposition format. Each sample is printed as one JSON line.
  const auto parsed = run({"/usr/bin/python3", "-c", R"(
import json, sys
from prometheus_client.parser import text_string_to_metric_families
for f in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in f.samples:
        print(json.dumps({"family": f.name, "type": f.type, "name": s.name, "labels": s.labels, "value": s.value}))
)", file.string()});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err << "\n" << m.body;

  std::map<std::string, std::string> types;
  std::map<std::string, double> value;  // "name{k=v,...}" → value
  std::istringstream lines(parsed.out);
  for (std::string line; std::getline(lines, line);) {
    const json s = json::parse(line);
    types[s["family"]] = s["type"];
    std::string key = s["name"].get<std::string>() + "{";
    for (const auto& [k, v] : s["labels"].items()) key += k + "=" + v.get<std::string>() + ",";
    value[key + "}"] = s["value"];
  }
  EXPECT_EQ(types["zcrec_camera_frames_in"], "counter");
  EXPECT_EQ(types["zcrec_camera_ring_history_seconds"], "gauge");
  for (const std::string cam : {"hall", "attic"}) {
    SCOPED_TRACE(cam);
    EXPECT_GT(value["zcrec_camera_frames_in_total{camera=" + cam + ",}"], 10);
    EXPECT_GT(value["zcrec_camera_bytes_in_total{camera=" + cam + ",}"], 1000);
    EXPECT_EQ(value.count("zcrec_camera_frames_lost_total{camera=" + cam + ",}"), 1u);
    EXPECT_EQ(value.count("zcrec_camera_reconnects_total{camera=" + cam + ",}"), 1u);
    EXPECT_GE(value["zcrec_camera_ring_history_seconds{camera=" + cam + ",}"], 2);
    EXPECT_EQ(value["zcrec_camera_ingest_state{camera=" + cam + ",state=streaming,}"], 1);
    EXPECT_EQ(value["zcrec_camera_ingest_state{camera=" + cam + ",state=stopped,}"], 0);
    EXPECT_EQ(value.count("zcrec_camera_segment_write_latency_seconds{camera=" + cam + ",}"), 1u);
    // Exactly one recording state is 1.
    double ones = 0;
    for (const auto& [k, v] : value)
      if (k.rfind("zcrec_camera_recording_state{camera=" + cam + ",", 0) == 0) ones += v;
    EXPECT_EQ(ones, 1);
  }
  EXPECT_EQ(value["zcrec_camera_recording_state{camera=hall,state=continuous,}"] +
                value["zcrec_camera_recording_state{camera=hall,state=continuous+event,}"], 1);
  EXPECT_EQ(value["zcrec_camera_recording_state{camera=attic,state=event,}"], 1);
  EXPECT_GT(value["zcrec_storage_free_bytes{}"], 0);
  EXPECT_GE(value["zcrec_catalog_rows{table=segments,}"], 2);
  EXPECT_GE(value["zcrec_catalog_rows{table=recordings,}"], 2);
  EXPECT_EQ(value["zcrec_catalog_rows{table=events,}"], 1);
}

}  // namespace
}  // namespace zc::test
