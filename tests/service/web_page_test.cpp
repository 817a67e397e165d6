// The web page (issue 12) in a real browser: headless Chromium (Debian's package) driven over the DevTools
// protocol by web_browser_driver.py, against the real zcrecd with a testsrc camera whose catalog holds a
// 10-minute recording (made here through the real recorder from a ring backlog, so the test does not wait ten
// minutes) and an event recorded by the daemon.
#include "media_fixtures.h"
#include "zcrecd_process.h"

#include <zc/bench/ring_feeder.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/recorder/clock.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kLongNs = 600'000'000'000;  // the 10-minute recording
// 600 kbit/s: the 10-minute clip (~45 MB) is much larger than what Chromium reads ahead plus what the loopback
// socket buffers hold, so a seek to its middle needs a new range request rather than bytes already fetched.
constexpr const char* kBitrate = "600k";
constexpr uint64_t kRingBytes = 64ull << 20;

// Ten minutes of a 20-second clip looped into `ring` at once (capture times of the last ten minutes), recorded
// by the real recorder into `storage` as the camera's footage.
catalog::RecordingRow record_ten_minutes(const std::string& ring, const std::filesystem::path& storage,
                                          const std::filesystem::path& clip) {
  bench::FeedOptions feed;
  feed.inputs = {clip.string()};
  feed.loop = true;
  feed.backlog_ns = kLongNs;
  feed.total_ns = kLongNs;
  bench::RingFeeder feeder(feed);
  fifo::RingOptions ro;
  ro.data_bytes = kRingBytes;
  auto writer = fifo::RingWriter::open(ring, ro);
  feeder.write_backlog(writer);

  recorder::SystemClock clock;
  recorder::RecorderOptions options;
  options.stream = ring;
  options.dir = storage;
  options.timing.preroll_ns = kLongNs;
  options.timing.postroll_ns = 0;
  options.segment_ns = 60'000'000'000;
  auto rec = recorder::Recorder::start(options, clock);
  rec.stop();
  const auto summary = rec.run();
  EXPECT_GE(summary.end_wall_ns - summary.start_wall_ns, kLongNs - 5'000'000'000);
  return *catalog::Catalog::open_existing(storage, catalog::Catalog::Access::read_only).recording(summary.recording_id);
}

TEST(WebPage, ChromiumPlaysRecordingsSeeksWithRangesAndShowsLiveView) {
  TempDir dir;
  const std::string yaml =
      "  lobby:\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n"
      "    ring_size: 64M\n    record: {continuous: false, events: {preroll: 2s, postroll: 1s}}\n";
  ZcrecdProcess d(dir.path(), yaml);
  const auto log = dir / "zcrecd.log";
  d.log_to(log);

  const auto enc = run({"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=640x360:rate=25", "-t", "20", "-c:v", "libx264", "-preset", "ultrafast", "-b:v",
                        kBitrate, "-maxrate", kBitrate, "-bufsize", "1M", "-g", "50", "-bf", "0", "-sc_threshold", "0",
                        (dir / "source.mp4").string()});
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  std::filesystem::create_directories(d.storage_dir());
  const auto long_rec = record_ten_minutes(d.ring("lobby"), d.storage_dir(), dir / "source.mp4");
  ASSERT_TRUE(long_rec.start_wall_ns && long_rec.end_wall_ns);

  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto c = d.camera("lobby");
    return c.is_object() && c["ingest_state"] == "streaming" && c["ring_history_s"].get<double>() >= 3;
  }, 30s)) << d.camera("lobby").dump();
  const auto ev = d.post("/api/v1/cameras/lobby/events", {{"label", "door"}, {"duration", "2s"}});
  ASSERT_EQ(ev.status, 201) << ev.body.dump();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto rs = d.catalog().recordings(d.ring("lobby"));
    return rs.size() == 2 && rs[1].state == "complete";
  }, 30s));
  const size_t recordings = d.catalog().recordings(d.ring("lobby")).size();

  const std::filesystem::path artifacts = ZC_TEST_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  const auto shot = artifacts / "web_page.png";
  std::filesystem::remove(shot);
  const auto ms = [](int64_t ns) { return std::to_string(ns / 1'000'000); };
  const auto r = run({"/usr/bin/python3", ZC_WEB_DRIVER, "--url", "http://127.0.0.1:" + std::to_string(d.port()) + "/",
                      "--log", log.string(), "--screenshot", shot.string(), "--recordings", std::to_string(recordings),
                      "--long-from", ms(*long_rec.start_wall_ns), "--long-to", ms(*long_rec.end_wall_ns)});
  std::filesystem::copy_file(log, artifacts / "web_page_zcrecd.log", std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out;
  EXPECT_TRUE(std::filesystem::exists(shot)) << "no screenshot at " << shot;
}

// The same daemon behind a token: the page asks for it, the login's cookie is HttpOnly and SameSite=Strict,
// and the live view (a <video> element, which cannot send a header) plays on the cookie alone.
TEST(WebPage, LoginInChromiumSetsAStrictHttpOnlyCookieTheLiveViewPlaysOn) {
  TempDir dir;
  const std::string token = "web-test-token-0123456789";
  ZcrecdProcess d(dir.path(),
                  "  hall:\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n"
                  "    ring_size: 8M\n    record: {continuous: false}\n",
                  "", token);
  const auto log = dir / "zcrecd.log";
  d.log_to(log);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    try {
      return fifo::RingReader::inspect(d.ring("hall")).frames_written > 50;
    } catch (const std::exception&) {
      return false;
    }
  }, 30s));

  const std::filesystem::path artifacts = ZC_TEST_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  const auto shot = artifacts / "web_page_login.png";
  std::filesystem::remove(shot);
  const auto r = run({"/usr/bin/python3", ZC_WEB_DRIVER, "--url", "http://127.0.0.1:" + std::to_string(d.port()) + "/",
                      "--log", log.string(), "--screenshot", shot.string(), "--token", token});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out;

  // The same rules from a plain client: the page is public, the media and API routes take the bearer header or
  // the cookie, nothing else; a wrong token sets no cookie; the token never reaches the log.
  httplib::Client c("127.0.0.1", d.port());
  const auto status = [&](const char* path, const httplib::Headers& h) {
    auto res = c.Get(path, h);
    return res ? res->status : 0;
  };
  const std::string cookie = "zcrecd_token=" + token;
  EXPECT_EQ(status("/", {}), 200);
  EXPECT_EQ(status("/app.js", {}), 200);
  EXPECT_EQ(status("/api/v1/cameras", {}), 401);
  EXPECT_EQ(status("/api/v1/cameras/hall/stream", {{"Cookie", "a=b; zcrecd_token=wrong-token-0123456789"}}), 401);
  EXPECT_EQ(status("/api/v1/cameras/hall/stream", {{"Cookie", "a=b; " + cookie}}), 200);
  EXPECT_EQ(status("/api/v1/cameras/hall/stream", {{"Authorization", "Bearer " + token}}), 200);
  auto bad = c.Post("/api/v1/login", R"({"token": "wrong-token-0123456789"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_FALSE(bad->has_header("Set-Cookie"));
  auto good = c.Post("/api/v1/login", nlohmann::json{{"token", token}}.dump(), "application/json");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 204);
  EXPECT_EQ(good->get_header_value("Set-Cookie"), cookie + "; Path=/; HttpOnly; SameSite=Strict");
  std::ifstream in(log);
  const std::string log_text(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(log_text.find(token), std::string::npos) << "the token is in zcrecd's log";
}

// Nine cameras (issue 21): the page lands on the grid, every tile's picture changes, a phone gets one column
// without sideways scrolling, an event posted from the page shows in the review with its thumbnail, is locked
// from there and plays when clicked, and the health view lists every camera. Screenshots of each view are kept.
TEST(WebPage, NineCamerasLandOnAGridAndANewEventShowsInTheReviewWithItsThumbnail) {
  TempDir dir;
  std::string yaml;
  for (int i = 1; i <= 9; ++i) {
    yaml += "  cam" + std::to_string(i) +
            ":\n    source: testsrc\n    testsrc: {size: 320x180, fps: 10, gop: 1s, bitrate: 150K}\n"
            "    ring_size: 4M\n";
    yaml += i == 1 ? "    record: {continuous: false, events: {preroll: 1s, postroll: 1s}}\n"
                   : "    record: {continuous: false}\n";
  }
  ZcrecdProcess d(dir.path(), yaml);
  const auto log = dir / "zcrecd.log";
  d.log_to(log);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto r = d.get("/api/v1/cameras");
    if (r.status != 200) return false;
    for (const auto& c : r.body["items"])
      if (c["ingest_state"] != "streaming" || c["ring_history_s"].get<double>() < 2) return false;
    return r.body["items"].size() == 9;
  }, 60s)) << d.get("/api/v1/cameras").body.dump();

  const std::filesystem::path artifacts = ZC_TEST_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  const auto shot = artifacts / "web_page_overview.png";
  const auto r = run({"/usr/bin/python3", ZC_WEB_DRIVER, "--url", "http://127.0.0.1:" + std::to_string(d.port()) + "/",
                      "--log", log.string(), "--screenshot", shot.string(), "--grid", "9", "--event-camera", "cam1",
                      "--thumb-width", "320"});
  std::filesystem::copy_file(log, artifacts / "web_page_overview_zcrecd.log",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out;
  for (const char* view : {"-grid.png", "-phone.png", "-review.png", "-health.png"})
    EXPECT_TRUE(std::filesystem::exists(artifacts / (std::string("web_page_overview") + view))) << view;
}

}  // namespace
}  // namespace zc::test
