// The camera states have one list (service/include/zc/service/camera_state.h): docs/service.md's tables and the
// metrics' state sets are held to it here; the API's and the page's use is exercised end to end in
// camera_status_test.cpp.
#include <zc/service/camera_state.h>

#include "metrics.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace zc::service {
namespace {

struct Row {
  std::string name, trouble, meaning;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.name << " | " << r.trouble << " | " << r.meaning; }

// The rows of the table under `| <title> |` in docs/service.md's "Camera states".
std::vector<Row> documented(const std::string& title) {
  std::ifstream in(ZC_SERVICE_DOC);
  std::string line;
  bool in_section = false, in_table = false;
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Camera states";
    if (!in_section) continue;
    if (line.rfind("| " + title + " |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.rfind("| ---", 0) == 0) continue;
    if (line.rfind("| `", 0) != 0) break;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(2));
    std::string cell;
    while (std::getline(ss, cell, '|')) {
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      while (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
      cells.push_back(cell);
    }
    if (cells.size() >= 3) rows.push_back({cells[0].substr(1, cells[0].size() - 2), cells[1], cells[2]});
  }
  return rows;
}

template <typename State, std::size_t N>
std::vector<Row> listed(const std::array<StateInfo<State>, N>& all) {
  std::vector<Row> rows;
  for (const auto& s : all) rows.push_back({std::string(s.name), s.trouble ? "yes" : "no", std::string(s.meaning)});
  return rows;
}

TEST(CameraStates, DocumentedTablesAreTheEnumsLists) {
  EXPECT_EQ(documented("ingest state"), listed(kIngestStates));
  EXPECT_EQ(documented("recording state"), listed(kRecordingStates));
}

TEST(CameraStates, NamesAreUniqueAndRoundTrip) {
  for (const auto& s : kIngestStates) EXPECT_EQ(state_named(kIngestStates, s.name), s.state) << s.name;
  for (const auto& s : kRecordingStates) EXPECT_EQ(state_named(kRecordingStates, s.name), s.state) << s.name;
  EXPECT_EQ(state_named(kRecordingStates, "nosuch"), std::nullopt);
}

// Every state of both lists is a series of the camera; exactly the current one is 1.
TEST(CameraStates, MetricsHaveOneSeriesPerListedStateAndTheCurrentOneIsOne) {
  CameraStatus c;
  c.name = "gate";
  c.ingest_state = IngestState::reconnecting;
  c.recording_state = RecordingState::disk_full;
  const std::string text = render_metrics({c}, {});
  for (const auto& s : kIngestStates) {
    const std::string series =
        "zcrec_camera_ingest_state{camera=\"gate\",state=\"" + std::string(s.name) + "\"} " +
        (s.state == IngestState::reconnecting ? "1" : "0");
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
  for (const auto& s : kRecordingStates) {
    const std::string series =
        "zcrec_camera_recording_state{camera=\"gate\",state=\"" + std::string(s.name) + "\"} " +
        (s.state == RecordingState::disk_full ? "1" : "0");
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
}

}  // namespace
}  // namespace zc::service
