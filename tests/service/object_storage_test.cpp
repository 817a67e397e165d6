// Segments in object storage (issue 22, docs/object-storage.md): the real zcrecd recording a testsrc camera and
// uploading its closed segments to a real S3 endpoint (s3rver on 127.0.0.1, tests/support/s3rver.h); the copies
// are read back with zc::objectstore's client and compared byte for byte with the local files.
#include "media_fixtures.h"
#include "zcrecd_process.h"

#include <zc/objectstore/error.h>
#include <zc/objectstore/s3_client.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <signal.h>
#include <sstream>

#include "support/s3rver.h"

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string camera_yaml(const std::string& name) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n" +
         "    ring_size: 8M\n    record: {continuous: true, events: off}\n";
}

// storage.s3 with the keys in files (s3rver's account), under `prefix`.
std::string s3_yaml(const std::filesystem::path& dir, const S3rver& s3, const std::string& extra = "") {
  std::ofstream(dir / "s3.access") << S3rver::kAccessKey << "\n";
  std::ofstream(dir / "s3.secret") << S3rver::kSecretKey << "\n";
  return "s3: {endpoint: '" + s3.endpoint() + "', bucket: zcrec, prefix: site-a/, access_key_file: " +
         (dir / "s3.access").string() + ", secret_key_file: " + (dir / "s3.secret").string() + extra + "}";
}

const fifo::SystemClock host_clock;  // stateless: the host's clocks

objectstore::S3Client client_of(const S3rver& s3) {
  objectstore::S3Config c;
  c.endpoint = s3.endpoint();
  c.bucket = "zcrec";
  c.credentials = {S3rver::kAccessKey, S3rver::kSecretKey};
  c.clock = &host_clock;
  return objectstore::S3Client(c);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<catalog::SegmentRow> segments_at(ZcrecdProcess& d, const std::string& cam, const std::string& location) {
  std::vector<catalog::SegmentRow> out;
  for (auto& s : d.catalog().segments(d.ring(cam)))
    if (s.location == location) out.push_back(std::move(s));
  return out;
}

// Each copy the catalog names holds exactly the local file's bytes.
void expect_copies_byte_exact(ZcrecdProcess& d, const S3rver& s3, const std::vector<catalog::SegmentRow>& segs) {
  auto client = client_of(s3);
  for (const auto& s : segs) {
    EXPECT_EQ(s.s3_key, "site-a/" + s.path);
    EXPECT_TRUE(s.s3_uploaded_wall_ns.has_value());
    const auto local = d.storage_dir() / s.path;
    const auto copy = d.storage_dir().parent_path() / "copy.mp4";
    ASSERT_EQ(client.get_to_file(s.s3_key, copy), std::filesystem::file_size(local)) << s.path;
    EXPECT_TRUE(read_file(copy) == read_file(local)) << s.path << " differs from its S3 copy";
  }
}

TEST(ObjectStorage, ClosedSegmentsAreUploadedByteExactAndTheCatalogSaysWhereEachCopyIs) {
  TempDir dir;
  S3rver s3(dir.path() / "s3", {"zcrec"});
  ZcrecdProcess d(dir.path(), camera_yaml("yard"));
  d.set_storage_options(s3_yaml(dir.path(), s3));
  d.rewrite_config(camera_yaml("yard"));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return segments_at(d, "yard", "both").size() >= 2; }, 60s))
      << d.get("/api/v1/health").body.dump();
  const auto both = segments_at(d, "yard", "both");
  for (const auto& s : both) EXPECT_TRUE(s.state == "complete" || s.state == "recovered") << s.state;
  for (const auto& s : d.catalog().segments(d.ring("yard"))) {
    if (s.state == "writing") {
      EXPECT_EQ(s.location, "local") << "an open segment is never uploaded";
    }
  }
  expect_copies_byte_exact(d, s3, both);
  for (const auto& s : both) EXPECT_TRUE(std::filesystem::exists(d.storage_dir() / s.path)) << "the local copy stays";

  const auto health = d.get("/api/v1/health");
  ASSERT_EQ(health.status, 200);
  EXPECT_GE(health.body["s3"]["uploaded"].get<int64_t>(), 2) << health.body.dump();
  EXPECT_EQ(health.body["s3"]["failures"], 0) << health.body.dump();
  httplib::Client http("127.0.0.1", d.port());
  const auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("zcrec_s3_upload_queue "), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("zcrec_s3_uploads_total "), std::string::npos);
  EXPECT_NE(metrics->body.find("zcrec_s3_upload_failures_total 0"), std::string::npos);
}

TEST(ObjectStorage, AStoreThatIsDownIsRetriedWithBackoffAndTheLocalCopiesStayUntilItIsBack) {
  TempDir dir;
  int port = 0;
  {
    S3rver probe(dir.path() / "s3", {"zcrec"});  // a port s3rver can listen on, then nobody
    port = probe.port();
    probe.kill();
  }
  // The configuration names the dead store's address.
  std::ofstream(dir.path() / "s3.access") << S3rver::kAccessKey << "\n";
  std::ofstream(dir.path() / "s3.secret") << S3rver::kSecretKey << "\n";
  const std::string s3 = "s3: {endpoint: 'http://127.0.0.1:" + std::to_string(port) +
                         "', bucket: zcrec, prefix: site-a/, access_key_file: " + (dir.path() / "s3.access").string() +
                         ", secret_key_file: " + (dir.path() / "s3.secret").string() + "}";
  ZcrecdProcess d(dir.path(), camera_yaml("gate"));
  d.set_storage_options(s3);
  d.rewrite_config(camera_yaml("gate"));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto h = d.get("/api/v1/health");
        return h.status == 200 && h.body["s3"]["failures"].get<int64_t>() >= 2 && h.body["s3"]["retrying"] == true;
      },
      60s))
      << d.get("/api/v1/health").body.dump();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return segments_at(d, "gate", "local").size() >= 3; }, 60s));
  EXPECT_TRUE(segments_at(d, "gate", "both").empty());
  for (const auto& s : segments_at(d, "gate", "local"))
    EXPECT_TRUE(std::filesystem::exists(d.storage_dir() / s.path)) << s.path;
  const auto h = d.get("/api/v1/health").body;
  EXPECT_NE(h["s3"]["last_error"].get<std::string>().find("127.0.0.1"), std::string::npos) << h.dump();
  EXPECT_GE(h["s3"]["queued"].get<int64_t>(), 1) << h.dump();

  // The store comes back where it was: the queue drains by itself (within the backoff's 60 s ceiling).
  S3rver back(dir.path() / "s3", {"zcrec"}, port);
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto r = d.get("/api/v1/health");
        return r.status == 200 && r.body["s3"]["uploaded"].get<int64_t>() >= 3 && r.body["s3"]["queued"] == 0;
      },
      90s))
      << d.get("/api/v1/health").body.dump();
  expect_copies_byte_exact(d, back, segments_at(d, "gate", "both"));
}

// Retention per tier: local copies go local_max_age after their segment ended, once in S3 (never one that is only
// local); max_age then deletes the footage from both tiers, the S3 object with its row.
TEST(ObjectStorage, LocalCopiesAgeOutOnceInS3AndMaxAgeDeletesTheS3CopiesToo) {
  TempDir dir;
  S3rver s3(dir.path() / "s3", {"zcrec"});
  ZcrecdProcess d(dir.path(), camera_yaml("dock"));
  d.set_storage_options("retention_interval: 1s, " + s3_yaml(dir.path(), s3, ", local_max_age: 5s"));
  d.rewrite_config(camera_yaml("dock"), "retention: {max_age: 20s}\n");
  d.start();
  auto client = client_of(s3);
  // The first segment while it is in both tiers: its bytes, to compare with the S3-only copy later.
  std::optional<catalog::SegmentRow> first;
  std::string first_bytes;
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto both = segments_at(d, "dock", "both");
        if (both.empty()) return false;
        first = both.front();
        first_bytes = read_file(d.storage_dir() / first->path);
        return true;
      },
      60s));
  ASSERT_FALSE(first_bytes.empty());
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto row = d.catalog().segment(first->id);
        return row && row->location == "s3";
      },
      60s))
      << d.get("/api/v1/health").body.dump();
  EXPECT_FALSE(std::filesystem::exists(d.storage_dir() / first->path)) << "the local copy went";
  const auto copy = dir.path() / "s3only.mp4";
  client.get_to_file(first->s3_key, copy);
  EXPECT_TRUE(read_file(copy) == first_bytes) << "the S3 copy is the segment";
  // Whatever is only local still has its file (local_max_age never removes those).
  for (const auto& s : segments_at(d, "dock", "local"))
    EXPECT_TRUE(std::filesystem::exists(d.storage_dir() / s.path)) << s.path;

  // max_age: the row goes and its S3 object with it.
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return !d.catalog().segment(first->id).has_value(); }, 60s));
  try {
    client.head(first->s3_key);
    ADD_FAILURE() << first->s3_key << " is still in S3";
  } catch (const objectstore::ObjectStoreError& e) {
    EXPECT_EQ(e.code(), objectstore::ObjectStoreErrc::not_found) << e.what();
  }
  const auto h = d.get("/api/v1/health").body;
  EXPECT_GE(h["s3"]["local_removed"].get<int64_t>(), 1) << h.dump();
  EXPECT_GE(h["s3"]["remote_deleted"].get<int64_t>(), 1) << h.dump();
}

// clip.mp4 of footage whose local copies are gone is read from S3, and its frames are those of the same clip
// read from the local files (framemd5 of every decoded video frame); with the store down it is a 503, not a hang.
std::string framemd5(const std::filesystem::path& file) {
  const auto r = run({"ffmpeg", "-v", "error", "-i", file.string(), "-map", "0:v", "-f", "framemd5", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string out;  // the frame lines, without the header comments
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out += line + "\n";
  return out;
}

TEST(ObjectStorage, AClipOfFootageOnlyInS3HasTheFramesOfTheClipFromTheLocalFiles) {
  TempDir dir;
  S3rver s3(dir.path() / "s3", {"zcrec"});
  ZcrecdProcess d(dir.path(), camera_yaml("pier"));
  d.set_storage_options("retention_interval: 1s, " + s3_yaml(dir.path(), s3));
  d.rewrite_config(camera_yaml("pier"));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return segments_at(d, "pier", "both").size() >= 3; }, 60s));
  const auto both = segments_at(d, "pier", "both");
  // From inside the first segment to inside the third: three segments, cut at both ends.
  const int64_t from = both[0].start_wall_ns + 1'500'000'000, to = both[2].start_wall_ns + 2'000'000'000;
  const std::string path = "/api/v1/cameras/pier/clip.mp4?from=" + rfc3339(from) + "&to=" + rfc3339(to);
  httplib::Client http("127.0.0.1", d.port());
  http.set_read_timeout(30);
  const auto local = http.Get(path.c_str());
  ASSERT_TRUE(local);
  ASSERT_EQ(local->status, 200) << local->body;
  std::ofstream(dir.path() / "local.mp4", std::ios::binary) << local->body;

  // The next start removes every local copy that is in S3 (local_max_age: 1s).
  d.kill(SIGTERM);
  ASSERT_TRUE(d.wait(20s));
  d.set_storage_options("retention_interval: 1s, " + s3_yaml(dir.path(), s3, ", local_max_age: 1s"));
  d.rewrite_config(camera_yaml("pier"));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        for (int i = 0; i < 3; ++i) {
          const auto row = d.catalog().segment(both[static_cast<size_t>(i)].id);
          if (!row || row->location != "s3") return false;
        }
        return true;
      },
      60s));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(std::filesystem::exists(d.storage_dir() / both[static_cast<size_t>(i)].path));

  httplib::Client http2("127.0.0.1", d.port());
  http2.set_read_timeout(30);
  const auto remote = http2.Get(path.c_str());
  ASSERT_TRUE(remote);
  ASSERT_EQ(remote->status, 200) << remote->body;
  std::ofstream(dir.path() / "remote.mp4", std::ios::binary) << remote->body;
  const std::string local_frames = framemd5(dir.path() / "local.mp4");
  EXPECT_GT(std::count(local_frames.begin(), local_frames.end(), '\n'), 100) << "about 8.5 s at 25 fps";
  EXPECT_EQ(framemd5(dir.path() / "remote.mp4"), local_frames);
  EXPECT_TRUE(remote->body == local->body) << "the same segments' bytes make the same clip";

  // The store is down: the clip is refused with the reason, quickly (the client's connect timeout).
  s3.kill();
  const auto t0 = std::chrono::steady_clock::now();
  const auto down = http2.Get(path.c_str());
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503) << down->body;
  EXPECT_NE(down->body.find("object storage"), std::string::npos) << down->body;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

}  // namespace
}  // namespace zc::test
