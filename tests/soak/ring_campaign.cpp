// The ring under abuse: one pattern writer at a time (fifo_ring_agent writer), SIGKILLed after a random life or
// killing itself while it holds a reserved frame, each time taken over by a new writer that continues the
// sequence; checking readers that run for a bounded number of frames and report; victim readers SIGKILLed.
#include "soak.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include "support/child_process.h"
#include "support/test_support.h"

#include <signal.h>

#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace zc::soak {

using test::ChildProcess;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kSizes{"--min-size", "16", "--max-size", "2048"};
constexpr uint64_t kReaderSpan = 4'000'000;  // frames a checking reader follows before it reports

ChildProcess agent(const Paths& p, const std::string& role, const std::string& stream,
                   const std::vector<std::string>& args) {
  std::vector<std::string> argv{p.ring_agent, role, stream};
  argv.insert(argv.end(), kSizes.begin(), kSizes.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return ChildProcess::spawn(argv);
}

bool ready(ChildProcess& c) {
  const auto line = c.read_line(10s);
  return line && line->rfind("ready ", 0) == 0;
}

std::map<std::string, uint64_t> parse_summary(const std::string& line) {
  std::map<std::string, uint64_t> s;
  std::istringstream in(line.substr(8));
  std::string kv;
  while (in >> kv)
    if (auto eq = kv.find('='); eq != std::string::npos) s[kv.substr(0, eq)] = std::stoull(kv.substr(eq + 1));
  return s;
}

// A checking reader: a mode, and whether it is slowed until lapped.
const std::vector<std::vector<std::string>> kReaderModes{
    {"--mode", "copy"},
    {"--mode", "epoll"},
    {"--mode", "view"},
    {"--mode", "copy", "--slow-us", "200"},
    {"--mode", "view", "--view-hold-us", "100", "--slow-us", "50"},
};

struct Checker {
  std::vector<std::string> mode;
  std::optional<ChildProcess> proc;
};

uint64_t next_seq(const std::string& stream) {
  try {
    return fifo::RingReader::inspect(stream).next_seq;
  } catch (const fifo::FifoError&) {
    return 0;
  }
}

}  // namespace

void run_ring_campaign(const Paths& p, Clock::time_point until, RingFigures& f) {
  test::ScopedStream stream("soak_ring");
  const std::string& s = stream.name();
  std::mt19937_64 rng(0x5eed);
  const std::vector<std::string> wargs{"--ring-bytes", "1048576", "--slots", "32", "--key-every", "16"};

  std::optional<ChildProcess> writer;
  Clock::time_point writer_dies{};
  auto start_writer = [&] {
    auto args = wargs;
    // One writer in ten kills itself holding a half-filled reserved frame; the others are killed from outside.
    const bool mid_frame = rng() % 10 == 0;
    if (mid_frame) {
      args.insert(args.end(), {"--die-mid-frame-after", std::to_string(1 + rng() % 200000)});
    }
    writer = agent(p, "writer", s, args);
    if (!ready(*writer)) {
      ++f.failures;
      note("ring: a writer did not get ready");
    }
    writer_dies = Clock::now() + std::chrono::milliseconds(200 + rng() % 1300);
    return mid_frame;
  };
  bool writer_mid_frame = start_writer();

  std::vector<Checker> checkers;
  for (const auto& m : kReaderModes) checkers.push_back({m, std::nullopt});
  auto start_checker = [&](Checker& c) {
    auto args = c.mode;
    const uint64_t from = next_seq(s);
    args.insert(args.end(), {"--until-seq", std::to_string(from + kReaderSpan), "--idle-exit-ms", "15000"});
    c.proc = agent(p, "reader", s, args);
    if (!ready(*c.proc)) {
      ++f.failures;
      note("ring: a checking reader did not attach");
    }
  };
  for (auto& c : checkers) start_checker(c);

  std::optional<ChildProcess> victim;
  Clock::time_point victim_dies{};

  while (Clock::now() < until) {
    std::this_thread::sleep_for(20ms);
    const auto now = Clock::now();
    // Writer: killed at the end of its life; a mid-frame writer may already have died by itself.
    if (writer) {
      bool gone = false;
      if (writer_mid_frame) {
        if (auto st = writer->wait(0ms)) {
          gone = true;
          if (test::killed_by(*st, SIGKILL)) {
            ++f.writer_kills;
            ++f.writer_mid_frame_kills;
          } else {
            ++f.failures;
            note("ring: mid-frame writer ended with " + test::describe_status(*st));
          }
        }
      }
      if (!gone && now >= writer_dies) {
        writer->kill(SIGKILL);
        const auto st = writer->wait(5s);
        if (st && test::killed_by(*st, SIGKILL)) {
          ++f.writer_kills;
        } else if (!st || !test::exited_with(*st, 0)) {
          ++f.failures;
          note("ring: writer ended with " + (st ? test::describe_status(*st) : std::string("no status")));
        }
        gone = true;
      }
      if (gone) writer_mid_frame = start_writer();
    }
    // Checking readers: collect the summary of one that finished, start another in its place.
    for (auto& c : checkers) {
      if (!c.proc) continue;
      while (auto line = c.proc->read_line(0ms)) {
        if (line->rfind("summary ", 0) != 0) continue;
        auto sum = parse_summary(*line);
        f.frames_checked += sum["frames"];
        f.content_errors += sum["errors"];
        f.frames_lost += sum["lost"];
        ++f.reader_runs;
        const auto st = c.proc->wait(10s);
        if (!st || !test::exited_with(*st, 0)) {
          ++f.failures;
          note("ring: checking reader ended with " + (st ? test::describe_status(*st) : std::string("no status")) +
               ": " + *line);
        }
        if (sum["last_seq"] < sum["frames"]) note("ring: reader summary looks odd: " + *line);
        start_checker(c);
        break;
      }
      if (auto st = c.proc->wait(0ms)) {  // ended without a summary
        ++f.failures;
        note("ring: checking reader died without a summary: " + test::describe_status(*st));
        start_checker(c);
      }
    }
    // Victim readers: attach, read (and check) for a while, then die by SIGKILL holding their slot.
    if (victim && now >= victim_dies) {
      victim->kill(SIGKILL);
      const auto st = victim->wait(5s);
      if (st && test::killed_by(*st, SIGKILL)) ++f.reader_kills;
      else {
        ++f.failures;
        note("ring: victim reader ended with " + (st ? test::describe_status(*st) : std::string("no status")));
      }
      victim.reset();
    } else if (!victim) {
      const auto& m = kReaderModes[rng() % kReaderModes.size()];
      auto args = m;
      args.insert(args.end(), {"--idle-exit-ms", "60000"});
      victim = agent(p, "reader", s, args);
      if (!ready(*victim)) {
        ++f.failures;
        note("ring: a victim reader did not attach (a dead reader's slot not reclaimed?)");
      }
      victim_dies = Clock::now() + std::chrono::milliseconds(50 + rng() % 400);
    }
  }
  // Let the checking readers finish what they have: stop the writer, they idle out and report.
  if (writer) {
    writer->kill(SIGKILL);
    writer->wait(5s);
  }
  if (victim) {
    victim->kill(SIGKILL);
    victim->wait(5s);
  }
  for (auto& c : checkers) {
    if (!c.proc) continue;
    while (auto line = c.proc->read_line(30s)) {
      if (line->rfind("summary ", 0) != 0) continue;
      auto sum = parse_summary(*line);
      f.frames_checked += sum["frames"];
      f.content_errors += sum["errors"];
      f.frames_lost += sum["lost"];
      ++f.reader_runs;
      break;
    }
    c.proc->wait(10s);
  }
}

}  // namespace zc::soak
