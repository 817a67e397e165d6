// The recorder's modes: the transition table in docs/recording.md ("The transition table") is the one in
// step(), pair for pair, so the documentation cannot drift from the code.
#include <gtest/gtest.h>

#include "recording_mode.h"

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace zc::recorder;

namespace {

constexpr int kModes = static_cast<int>(Mode::ended) + 1;
constexpr int kEvents = static_cast<int>(ModeEvent::end) + 1;

template <typename E, int N>
std::optional<E> parse(const std::string& name) {
  for (int i = 0; i < N; ++i) {
    if (name == to_string(static_cast<E>(i))) return static_cast<E>(i);
  }
  return std::nullopt;
}

std::optional<ModeAction> parse_action(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(ModeAction::finish); ++i) {
    if (name == to_string(static_cast<ModeAction>(i))) return static_cast<ModeAction>(i);
  }
  return std::nullopt;
}

std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::stringstream in(row.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) {
    std::string t;
    for (char c : cell) {
      if (c != '`') t += c;
    }
    const auto b = t.find_first_not_of(' '), e = t.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? "" : t.substr(b, e - b + 1));
  }
  return out;
}

// The table's rows as (mode, event) -> step; "any live mode" stands for every mode but `ended`.
std::map<std::pair<Mode, ModeEvent>, ModeStep> documented_table() {
  std::ifstream doc(std::string(ZC_SOURCE_DIR) + "/docs/recording.md");
  EXPECT_TRUE(doc) << "docs/recording.md";
  std::map<std::pair<Mode, ModeEvent>, ModeStep> table;
  std::string line;
  bool in_section = false;
  while (std::getline(doc, line)) {
    if (line.rfind("### The transition table", 0) == 0) in_section = true;
    else if (in_section && line.rfind("#", 0) == 0) break;
    if (!in_section || line.rfind("| ", 0) != 0) continue;
    const auto c = cells(line);
    if (c.size() < 5 || c[0] == "mode" || c[0].rfind("---", 0) == 0) continue;
    const auto event = parse<ModeEvent, kEvents>(c[1]);
    const auto next = parse<Mode, kModes>(c[2]);
    const auto action = parse_action(c[3]);
    EXPECT_TRUE(event && next && action) << line;
    if (!event || !next || !action) continue;
    std::vector<Mode> modes;
    if (c[0] == "any live mode") {
      for (int m = 0; m < kModes; ++m) {
        if (static_cast<Mode>(m) != Mode::ended) modes.push_back(static_cast<Mode>(m));
      }
    } else if (const auto m = parse<Mode, kModes>(c[0])) {
      modes.push_back(*m);
    } else {
      ADD_FAILURE() << "unknown mode in: " << line;
    }
    for (Mode m : modes) {
      EXPECT_TRUE(table.emplace(std::pair(m, *event), ModeStep{*next, *action}).second) << "listed twice: " << line;
    }
  }
  return table;
}

}  // namespace

TEST(RecordingMode, DocumentedTableIsTheCodesTableForEveryPair) {
  const auto table = documented_table();
  ASSERT_GE(table.size(), 10u) << "the table in docs/recording.md was not found";
  for (int m = 0; m < kModes; ++m) {
    for (int e = 0; e < kEvents; ++e) {
      const auto mode = static_cast<Mode>(m);
      const auto event = static_cast<ModeEvent>(e);
      const auto it = table.find({mode, event});
      const ModeStep want = it != table.end() ? it->second : ModeStep{mode, ModeAction::none};
      const ModeStep got = step(mode, event);
      EXPECT_EQ(to_string(got.next), std::string(to_string(want.next))) << to_string(mode) << " x " << to_string(event);
      EXPECT_EQ(to_string(got.action), std::string(to_string(want.action)))
          << to_string(mode) << " x " << to_string(event);
    }
  }
}

// Whatever happens, a recording that has ended stays ended, and every live mode can end.
TEST(RecordingMode, EveryLiveModeEndsAndEndedIsFinal) {
  for (int m = 0; m < kModes; ++m) {
    const auto mode = static_cast<Mode>(m);
    for (int e = 0; e < kEvents; ++e) {
      if (mode == Mode::ended) {
        EXPECT_EQ(step(mode, static_cast<ModeEvent>(e)).next, Mode::ended);
      }
    }
    if (mode != Mode::ended) {
      EXPECT_EQ(step(mode, ModeEvent::end).next, Mode::ended);
      EXPECT_EQ(step(mode, ModeEvent::end).action, ModeAction::finish);
    }
  }
}
