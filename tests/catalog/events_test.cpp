// Event rows on a real catalog file: the write path the service uses (add, attach a recording, end), the limits
// the API relies on, the overlap rule of time filters, and paginated listings of events and recordings.
#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <set>

#include "recorder/support/temp_dir.h"

using namespace zc::catalog;
using zc::test::TempDir;

namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSec;

NewEvent event_at(const std::string& stream, int64_t start, int64_t preroll = 5 * kSec, int64_t postroll = 5 * kSec) {
  NewEvent e;
  e.stream_name = stream;
  e.label = "door";
  e.trigger_wall_ns = start;
  e.start_wall_ns = start;
  e.preroll_ns = preroll;
  e.postroll_ns = postroll;
  return e;
}

template <class F>
CatalogErrc error_of(F&& f) {
  try {
    f();
  } catch (const CatalogError& e) {
    return e.code();
  }
  ADD_FAILURE() << "no CatalogError";
  return CatalogErrc::catalog;
}

int64_t add_recording(Catalog& c, const std::string& stream, int64_t start, const std::string& kind = "event") {
  c.ensure_stream(stream, start);
  NewRecording r;
  r.stream_name = stream;
  r.trigger_wall_ns = start;
  r.recorder_pid = ::getpid();
  r.kind = kind;
  const int64_t id = c.begin_recording(r);
  c.set_recording_start(id, start, 0);
  c.finish_recording(id, "complete", "stopped", start + 10 * kSec);
  return id;
}

}  // namespace

TEST(Events, AddReadAttachAndEnd) {
  TempDir d("events");
  auto c = Catalog::open(d.path());
  NewEvent n = event_at("front", kT0 + 20 * kSec, 3 * kSec, 4 * kSec);
  n.label = "person";
  n.score = 0.87;
  n.metadata_json = R"({"zone":"gate","boxes":[[1,2,3,4]]})";
  n.trigger_wall_ns = kT0 + 35 * kSec;  // learned of 15 s late: it started in the past
  n.max_length_ns = 600 * kSec;
  const int64_t id = c.add_event(n);

  ASSERT_TRUE(c.find_stream("front")) << "add_event creates the stream row";
  auto e = c.event(id);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stream_name, "front");
  EXPECT_EQ(e->label, "person");
  ASSERT_TRUE(e->score);
  EXPECT_DOUBLE_EQ(*e->score, 0.87);
  EXPECT_EQ(e->metadata_json, n.metadata_json);
  EXPECT_EQ(e->trigger_wall_ns, kT0 + 35 * kSec);
  EXPECT_EQ(e->start_wall_ns, kT0 + 20 * kSec);
  EXPECT_FALSE(e->end_wall_ns);
  EXPECT_EQ(e->preroll_ns, 3 * kSec);
  EXPECT_EQ(e->postroll_ns, 4 * kSec);
  EXPECT_EQ(e->max_length_ns, 600 * kSec);
  EXPECT_FALSE(e->recording_id);
  EXPECT_EQ(e->state, "open");
  EXPECT_EQ(e->end_reason, "");

  const int64_t other = c.add_event(event_at("back", kT0));
  auto open = c.open_events();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, id);
  EXPECT_EQ(open[1].id, other);
  EXPECT_FALSE(open[1].score) << "no score stays NULL, not 0";
  EXPECT_EQ(open[1].metadata_json, "");

  const int64_t rec = add_recording(c, "front", kT0 + 17 * kSec);
  c.set_event_recording(id, rec);
  EXPECT_EQ(c.event(id)->recording_id, rec);
  EXPECT_EQ(error_of([&] { c.set_event_recording(id + 100, rec); }), CatalogErrc::not_found);
  EXPECT_EQ(error_of([&] { c.set_event_recording(id, rec + 100); }), CatalogErrc::not_found);

  EXPECT_EQ(error_of([&] { c.end_event(id, kT0 + 19 * kSec, "ended"); }), CatalogErrc::invalid_argument)
      << "an end before the start";
  EXPECT_EQ(error_of([&] { c.end_event(id, kT0 + 40 * kSec, "bored"); }), CatalogErrc::invalid_argument);
  EXPECT_EQ(error_of([&] { c.end_event(id + 100, kT0 + 40 * kSec, "ended"); }), CatalogErrc::not_found);
  c.end_event(id, kT0 + 40 * kSec, "max_length");
  e = c.event(id);
  EXPECT_EQ(e->state, "ended");
  EXPECT_EQ(e->end_reason, "max_length");
  EXPECT_EQ(e->end_wall_ns, kT0 + 40 * kSec);
  EXPECT_EQ(error_of([&] { c.end_event(id, kT0 + 50 * kSec, "ended"); }), CatalogErrc::not_open);
  EXPECT_EQ(c.event(id)->end_wall_ns, kT0 + 40 * kSec) << "a refused end changes nothing";
  ASSERT_EQ(c.open_events().size(), 1u);
  EXPECT_EQ(c.open_events()[0].id, other);

  const auto counts = c.counts();
  EXPECT_EQ(counts.events, 2);
  EXPECT_EQ(counts.recordings, 1);
  EXPECT_EQ(counts.segments, 0);
}

TEST(Events, LimitsAreEnforced) {
  TempDir d("events");
  auto c = Catalog::open(d.path());
  auto with = [&](auto change) {
    NewEvent e = event_at("cam", kT0);
    change(e);
    return error_of([&] { c.add_event(e); });
  };
  EXPECT_EQ(with([](NewEvent& e) { e.label = std::string(257, 'x'); }), CatalogErrc::invalid_argument);
  EXPECT_EQ(with([](NewEvent& e) { e.metadata_json = "{\"a\":"; }), CatalogErrc::invalid_argument);
  EXPECT_EQ(with([](NewEvent& e) { e.metadata_json = "\"" + std::string(65'535, 'x') + "\""; }),
            CatalogErrc::invalid_argument);
  EXPECT_EQ(with([](NewEvent& e) { e.preroll_ns = -1; }), CatalogErrc::invalid_argument);
  EXPECT_EQ(with([](NewEvent& e) { e.preroll_ns = kMaxEventPrerollNs + 1; }), CatalogErrc::invalid_argument);
  EXPECT_EQ(with([](NewEvent& e) { e.postroll_ns = -1; }), CatalogErrc::invalid_argument);
  EXPECT_EQ(with([](NewEvent& e) { e.max_length_ns = 0; }), CatalogErrc::invalid_argument);
  EXPECT_EQ(with([](NewEvent& e) { e.recording_id = 42; }), CatalogErrc::invalid_argument);
  EXPECT_EQ(with([](NewEvent& e) { e.stream_name = ""; }), CatalogErrc::invalid_argument);
  EXPECT_EQ(c.counts().events, 0) << "no refused event left a row";

  // The limits are characters and bytes exactly at the edge: 256 two-byte characters, 64 KiB of JSON.
  NewEvent e = event_at("cam", kT0);
  std::string label;
  for (int i = 0; i < 256; ++i) label += "\xC3\xA9";  // é
  e.label = label;
  e.metadata_json = "\"" + std::string(65'534, 'x') + "\"";
  e.preroll_ns = kMaxEventPrerollNs;
  const int64_t id = c.add_event(e);
  EXPECT_EQ(c.event(id)->label, label);
  EXPECT_EQ(c.event(id)->metadata_json.size(), 65'536u);
}

// [start - preroll, coalesce(end, now) + postroll] against the half-open range [from, to).
TEST(Events, TimeFilterUsesTheSpanWithPrerollAndPostroll) {
  TempDir d("events");
  auto c = Catalog::open(d.path());
  const int64_t ended = c.add_event(event_at("cam", kT0 + 100 * kSec, 10 * kSec, 5 * kSec));  // [90, 125]
  c.end_event(ended, kT0 + 120 * kSec, "ended");
  const int64_t open = c.add_event(event_at("cam", kT0 + 1000 * kSec, 0, 0));
  auto ids = [&](int64_t from, int64_t to) {
    std::vector<int64_t> out;
    for (const auto& e : c.events("cam", TimeRange{kT0 + from * kSec, kT0 + to * kSec})) out.push_back(e.id);
    return out;
  };
  EXPECT_EQ(ids(80, 90), std::vector<int64_t>{});
  EXPECT_EQ(ids(80, 91), std::vector<int64_t>{ended}) << "the pre-roll reaches back to 90";
  EXPECT_EQ(ids(125, 200), std::vector<int64_t>{ended}) << "the post-roll reaches 125";
  EXPECT_EQ(ids(126, 200), std::vector<int64_t>{});
  EXPECT_EQ(ids(5000, 6000), std::vector<int64_t>{open}) << "an open event reaches every later range";
  EXPECT_EQ(ids(0, 2000), (std::vector<int64_t>{ended, open}));
  EXPECT_TRUE(c.events("other").empty());
  EXPECT_EQ(c.events().size(), 2u);
}

TEST(Events, PagesCountEverythingAndCoverEachRowOnce) {
  TempDir d("events");
  auto c = Catalog::open(d.path());
  for (int i = 0; i < 23; ++i) {  // posted newest first; each lasts an instant
    const int64_t start = kT0 + (23 - i) * 10 * kSec;
    c.end_event(c.add_event(event_at("cam1", start)), start, "ended");
  }
  for (int i = 0; i < 5; ++i) c.add_event(event_at("cam2", kT0 + i * 10 * kSec));

  std::set<int64_t> seen;
  int64_t last_start = INT64_MIN;
  for (int64_t page = 1; page <= 3; ++page) {
    const auto p = c.events_page("cam1", {}, PageRequest{page, 10});
    EXPECT_EQ(p.total, 23);
    EXPECT_EQ(p.pages, 3);
    EXPECT_EQ(p.page, page);
    EXPECT_EQ(p.per_page, 10);
    EXPECT_EQ(p.items.size(), page < 3 ? 10u : 3u);
    for (const auto& e : p.items) {
      EXPECT_EQ(e.stream_name, "cam1");
      EXPECT_GE(e.start_wall_ns, last_start) << "pages follow start time, not insertion order";
      last_start = e.start_wall_ns;
      EXPECT_TRUE(seen.insert(e.id).second) << "event " << e.id << " on two pages";
    }
  }
  EXPECT_EQ(seen.size(), 23u);
  const auto past = c.events_page("cam1", {}, PageRequest{4, 10});
  EXPECT_TRUE(past.items.empty());
  EXPECT_EQ(past.total, 23);

  EXPECT_EQ(c.events_page(std::nullopt, {}, PageRequest{1, 1000}).total, 28);
  EXPECT_EQ(c.events_page(std::nullopt, {}, PageRequest{1, 1000}).items.size(), 28u);
  EXPECT_EQ(c.events_page(std::nullopt, {}, PageRequest{1, 1}).pages, 28);
  const auto filtered = c.events_page("cam1", TimeRange{kT0 + 100 * kSec, kT0 + 150 * kSec}, PageRequest{1, 2});
  // cam1's spans are [start - 5 s, start + 5 s] for starts 10..230 s: [100, 150) meets starts 100..150.
  EXPECT_EQ(filtered.total, 6);
  EXPECT_EQ(filtered.pages, 3);
  const auto none = c.events_page("nobody", {}, PageRequest{});
  EXPECT_EQ(none.total, 0);
  EXPECT_EQ(none.pages, 0);

  EXPECT_EQ(error_of([&] { c.events_page(std::nullopt, {}, PageRequest{1, 0}); }), CatalogErrc::invalid_argument);
  EXPECT_EQ(error_of([&] { c.events_page(std::nullopt, {}, PageRequest{1, 1001}); }), CatalogErrc::invalid_argument);
  EXPECT_EQ(error_of([&] { c.events_page(std::nullopt, {}, PageRequest{0, 10}); }), CatalogErrc::invalid_argument);
}

TEST(Events, RecordingsPageCarriesKind) {
  TempDir d("events");
  auto c = Catalog::open(d.path());
  const int64_t continuous = add_recording(c, "cam", kT0, "continuous");
  for (int i = 1; i < 7; ++i) add_recording(c, "cam", kT0 + i * 100 * kSec);
  add_recording(c, "cam2", kT0);
  const auto p1 = c.recordings_page("cam", {}, PageRequest{1, 3});
  EXPECT_EQ(p1.total, 7);
  EXPECT_EQ(p1.pages, 3);
  ASSERT_EQ(p1.items.size(), 3u);
  EXPECT_EQ(p1.items[0].id, continuous);
  EXPECT_EQ(p1.items[0].kind, "continuous");
  EXPECT_EQ(p1.items[1].kind, "event");
  EXPECT_EQ(c.recordings_page("cam", {}, PageRequest{3, 3}).items.size(), 1u);
  EXPECT_EQ(c.recordings_page(std::nullopt, {}, PageRequest{1, 50}).total, 8);
  // Recording i covers [i*100, i*100 + 10] s: [250, 420) holds 300 and 400.
  EXPECT_EQ(c.recordings_page("cam", TimeRange{kT0 + 250 * kSec, kT0 + 420 * kSec}, PageRequest{}).total, 2);
  EXPECT_EQ(c.recording(continuous)->kind, "continuous");
}

// The schema holds the same limits against writers that bypass zc::catalog (a script, a future bug).
TEST(Events, SchemaRejectsNonsenseRows) {
  TempDir d("events");
  { Catalog::open(d.path()).add_event(event_at("cam", kT0)); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((d.path() / "catalog.db").c_str(), &db), SQLITE_OK);
  const std::string cols = "INSERT INTO event (stream_id, trigger_wall_ns, start_wall_ns, preroll_ns, postroll_ns";
  const char* bad[] = {
      ", state, end_wall_ns) VALUES (1, 1, 1, 0, 0, 'open', 5)",          // open with an end
      ", state, end_wall_ns, end_reason) VALUES (1, 1, 9, 0, 0, 'ended', 5, 'ended')",  // ends before it starts
      ", state, end_wall_ns, end_reason) VALUES (1, 1, 1, 0, 0, 'ended', 5, 'bored')",
      ", state, end_wall_ns) VALUES (1, 1, 1, 0, 0, 'ended', 5)",         // ended without a reason
      ", metadata_json) VALUES (1, 1, 1, 0, 0, '{not json')",
      ", label) VALUES (1, 1, 1, 0, 0, printf('%.257c', 'x'))",
      ") VALUES (1, 1, 1, 3600000000001, 0)",
      ") VALUES (1, 1, 1, 0, -1)",
      ") VALUES (99, 1, 1, 0, 0)",                                        // no such stream
      ", recording_id) VALUES (1, 1, 1, 0, 0, 99)",                       // no such recording
  };
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr), SQLITE_OK);
  for (const char* tail : bad) {
    EXPECT_NE(sqlite3_exec(db, (cols + tail).c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << tail;
  }
  EXPECT_EQ(sqlite3_exec(db, (cols + ", label) VALUES (1, 1, 1, 0, 0, printf('%.256c', 'x'))").c_str(), nullptr,
                         nullptr, nullptr),
            SQLITE_OK)
      << "the control row is refused: the cases above prove nothing";
  sqlite3_close(db);
}
