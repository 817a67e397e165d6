// zcrecd's processes on a bad day (issue 18, items 4 and 5): a second daemon on the same storage directory, a
// daemon SIGKILLed while its cameras' ingest processes are still connecting, a pid file naming a process that is
// not ours, and the systemd unit's stop and restart logic run by hand (no systemd runs here). Real daemons, real
// `zcrec feed` processes found in /proc by the test's unique ring prefix.
#include "media_fixtures.h"
#include "rtsp_camera.h"
#include "zcrecd_process.h"

#include <zc/fifo/ofd_lock.h>
#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string testsrc_camera(const std::string& name, bool continuous) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n" +
         "    ring_size: 8M\n    record: {continuous: " + (continuous ? "true" : "false") + "}\n";
}

// A camera whose ingest never gets past connecting: nothing listens on the port (it retries by itself).
std::string unreachable_camera(const std::string& name, int port, const std::string& transport = "tcp") {
  return "  " + name + ":\n    source: rtsp://127.0.0.1:" + std::to_string(port) + "/" + name +
         "\n    transport: " + transport + "\n    ring_size: 1M\n";
}

bool streaming(ZcrecdProcess& d, const std::string& cam) {
  const auto c = d.camera(cam);
  return c.is_object() && c["ingest_state"] == "streaming";
}

// The whole stderr of a zcrecd run that is expected to end by itself (bounded: killed after `timeout`).
struct Ended {
  std::optional<int> status;
  std::string output;
};
Ended run_zcrecd(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", kZcrecd};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = ChildProcess::spawn(argv);
  Ended e;
  e.output = p.read_rest(timeout);
  e.status = p.wait(1s);
  return e;
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool alive(pid_t pid) {
  // Not a zombie either: a zombie's cmdline is empty.
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string s;
  return ::kill(pid, 0) == 0 && std::getline(in, s) && !s.empty();
}

TEST(ZcrecdProcesses, ASecondDaemonOnTheSameStorageIsRefusedAndTheFirstNoticesNothing) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), testsrc_camera("a", true));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return streaming(d, "a") && d.catalog().recordings(d.ring("a")).size() == 1; }, 30s));
  auto r = d.post("/api/v1/cameras/a/events", {{"label", "open"}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const int64_t id = r.body["id"];
  std::this_thread::sleep_for(1s);
  const auto before = fifo::RingReader::inspect(d.ring("a"));

  // The same configuration again: refused at once, naming the running daemon's pid, before touching anything.
  const auto second = run_zcrecd({"--config", d.config_file().string()}, 20s);
  ASSERT_TRUE(second.status) << "the second zcrecd is still running: " << second.output;
  EXPECT_TRUE(exited_with(*second.status, 1)) << describe_status(*second.status) << ": " << second.output;
  EXPECT_NE(second.output.find("in use by another zcrecd (pid " + std::to_string(d.pid()) + ","), std::string::npos)
      << second.output;
  EXPECT_EQ(second.output.find("listening"), std::string::npos) << second.output;

  // The first noticed nothing: its event is open, its ingest is the same process, its recording has no hole.
  std::this_thread::sleep_for(2s);
  const auto ev = d.catalog().event(id);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->state, "open") << "the second daemon ended the first one's event (" << ev->end_reason << ")";
  const auto after = fifo::RingReader::inspect(d.ring("a"));
  EXPECT_EQ(after.writer_pid, before.writer_pid);
  EXPECT_EQ(after.takeover_count, before.takeover_count);
  EXPECT_EQ(d.ingest_pids("a").size(), 1u);
  EXPECT_TRUE(streaming(d, "a"));
  d.kill(SIGTERM);
  ASSERT_TRUE(d.wait(15s));
  auto cat = d.catalog();
  EXPECT_EQ(cat.recordings(d.ring("a")).size(), 1u);
  EXPECT_TRUE(cat.gaps(d.ring("a")).empty()) << "a hole in the first daemon's recording";
  EXPECT_EQ(cat.event(id)->end_reason, "shutdown");
  const auto check = run({kZcrec, "check", "--dir", d.storage_dir().string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// Cameras whose ingest is still connecting (never answered) when the daemon is SIGKILLed: the next daemon finds them
// through their pid files (feed creates a network camera's ring before the camera answers, so that its state and
// last error show; the pid file is what names every ingest, with or without a ring). Unchanged cameras are adopted (same process), a camera whose settings changed while no
// daemon ran gets its old ingest stopped and a new one, a camera no longer configured gets its ingest stopped.
TEST(ZcrecdProcesses, IngestStillConnectingWhenTheDaemonDiesIsAdoptedOrStoppedNeverDuplicated) {
  TempDir dir;
  const int port = free_local_port();  // nothing listens here
  ZcrecdProcess d(dir.path(), unreachable_camera("a", port) + unreachable_camera("b", port) +
                                  unreachable_camera("c", port) + unreachable_camera("gone", port));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.ingest_processes().size() == 4; }, 20s))
      << d.ingest_processes().size() << " ingest processes";
  std::map<std::string, pid_t> first;
  for (const std::string cam : {"a", "b", "c", "gone"}) {
    const auto pids = d.ingest_pids(cam);
    ASSERT_EQ(pids.size(), 1u) << cam;
    first[cam] = pids[0];
    EXPECT_NE(d.camera(cam)["ingest_state"], "streaming") << cam << " is streaming: not connecting";
  }
  d.kill(SIGKILL);
  ASSERT_TRUE(d.wait(5s));
  for (const auto& [cam, pid] : first) EXPECT_TRUE(alive(pid)) << cam << "'s ingest died with the daemon";

  // While no daemon ran: c's transport changed, "gone" was removed.
  d.rewrite_config(unreachable_camera("a", port) + unreachable_camera("b", port) + unreachable_camera("c", port, "udp"));
  const auto log = dir / "second.log";
  d.log_to(log);
  d.start();
  // Bounded by what the daemon says it did: each camera's ingest adopted or started.
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto text = read_file(log);
        return count_of(text, "camera a: ingest ") >= 1 && count_of(text, "camera b: ingest ") >= 1 &&
               count_of(text, "camera c: ingest ") >= 1;
      },
      20s))
      << read_file(log);
  const auto text = read_file(log);
  EXPECT_NE(text.find("camera a: ingest adopted (pid " + std::to_string(first["a"]) + ")"), std::string::npos) << text;
  EXPECT_NE(text.find("camera b: ingest adopted (pid " + std::to_string(first["b"]) + ")"), std::string::npos) << text;
  EXPECT_NE(text.find("camera c: ingest started"), std::string::npos) << text;
  std::this_thread::sleep_for(2s);  // anything started twice would show now

  const auto now = d.ingest_processes();
  EXPECT_EQ(now.size(), 3u) << "exactly one ingest process per configured camera";
  EXPECT_EQ(d.ingest_pids("a"), std::vector<pid_t>{first["a"]});
  EXPECT_EQ(d.ingest_pids("b"), std::vector<pid_t>{first["b"]});
  ASSERT_EQ(d.ingest_pids("c").size(), 1u);
  EXPECT_NE(d.ingest_pids("c")[0], first["c"]) << "c's ingest with the old transport was adopted";
  EXPECT_FALSE(alive(first["c"]));
  EXPECT_TRUE(d.ingest_pids("gone").empty());
  EXPECT_FALSE(alive(first["gone"])) << "the removed camera's ingest was left running";

  // A clean stop ends them all.
  d.kill(SIGTERM);
  ASSERT_TRUE(d.wait(20s));
  EXPECT_TRUE(d.ingest_processes().empty()) << d.ingest_processes().size() << " left after SIGTERM";
}

std::vector<std::string> proc_strings(pid_t pid, const char* file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file, std::ios::binary);
  std::vector<std::string> out;
  for (std::string a; std::getline(in, a, '\0');) out.push_back(a);
  return out;
}

bool mentions(const std::vector<std::string>& strings, const std::string& what) {
  return std::any_of(strings.begin(), strings.end(), [&](const std::string& s) { return s.find(what) != std::string::npos; });
}

// A password in a camera's URL never shows in `ps`: zcrecd hands it to the ingest in $ZCREC_SOURCE_PASSWORD
// (ingest::IngestSpec), and the next daemon reads it back from /proc/PID/environ to decide whether the running
// ingest is the one it would start: same password adopted, a changed one restarted.
TEST(ZcrecdProcesses, APasswordIsNeverInTheIngestsArgvAndAChangedOneRestartsIt) {
  TempDir dir;
  const int port = free_local_port();  // nothing listens: the ingests keep connecting
  const auto camera = [&](const std::string& name, const std::string& password) {
    return "  " + name + ":\n    source: rtsp://admin:" + password + "@127.0.0.1:" + std::to_string(port) + "/" + name +
           "\n    ring_size: 1M\n";
  };
  ZcrecdProcess d(dir.path(), camera("a", "s3cret-a") + camera("b", "s3cret-b"));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.ingest_processes().size() == 2; }, 20s));
  const pid_t a = d.ingest_pids("a").at(0), b = d.ingest_pids("b").at(0);
  for (const auto& [pid, secret] : {std::pair{a, std::string("s3cret-a")}, std::pair{b, std::string("s3cret-b")}}) {
    const auto argv = proc_strings(pid, "cmdline");
    EXPECT_FALSE(mentions(argv, secret)) << "the password is in argv";
    EXPECT_TRUE(mentions(argv, "rtsp://admin@127.0.0.1:")) << "the user stays in the URL";
    EXPECT_TRUE(mentions(proc_strings(pid, "environ"), "ZCREC_SOURCE_PASSWORD=" + secret));
  }
  d.kill(SIGKILL);
  ASSERT_TRUE(d.wait(5s));

  d.rewrite_config(camera("a", "s3cret-a") + camera("b", "changed-b"));
  const auto log = dir / "second.log";
  d.log_to(log);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto text = read_file(log);
        return count_of(text, "camera a: ingest ") >= 1 && count_of(text, "camera b: ingest ") >= 1;
      },
      20s))
      << read_file(log);
  const auto text = read_file(log);
  EXPECT_NE(text.find("camera a: ingest adopted (pid " + std::to_string(a) + ")"), std::string::npos) << text;
  EXPECT_NE(text.find("camera b: ingest started"), std::string::npos) << text;
  ASSERT_EQ(d.ingest_pids("b").size(), 1u);
  EXPECT_NE(d.ingest_pids("b")[0], b);
  EXPECT_TRUE(mentions(proc_strings(d.ingest_pids("b")[0], "environ"), "ZCREC_SOURCE_PASSWORD=changed-b"));
  EXPECT_FALSE(text.find("s3cret") != std::string::npos || text.find("changed-b") != std::string::npos) << text;
  d.kill(SIGTERM);
  ASSERT_TRUE(d.wait(20s));
}

// Pid reuse: a pid file whose lock is held by a process that is not a `zcrec feed` of the camera's ring (here a
// `sleep`) is never signalled; the camera reports it and starts its ingest once the lock is free.
TEST(ZcrecdProcesses, APidFileHeldByAForeignProcessIsNeverSignalled) {
  TempDir dir;
  const int port = free_local_port();
  ZcrecdProcess d(dir.path(), unreachable_camera("a", port));
  Background sleeper({"sleep", "120"}, dir / "sleep.log");
  const auto pid_dir = d.storage_dir() / ".ingest";
  std::filesystem::create_directories(pid_dir);
  const auto pid_file = pid_dir / (d.ring("a") + ".pid");
  int fd = ::open(pid_file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fifo::ofd::try_lock(fd, 0, 0), 0);
  const std::string text = std::to_string(sleeper.pid()) + "\n";
  ASSERT_EQ(::pwrite(fd, text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));

  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto c = d.camera("a");
        return c.is_object() && c["last_error"].is_string() &&
               c["last_error"].get<std::string>().find("not a zcrec feed") != std::string::npos;
      },
      20s))
      << d.camera("a").dump();
  std::this_thread::sleep_for(2s);
  EXPECT_TRUE(sleeper.running()) << "zcrecd signalled a process that is not its ingest";
  EXPECT_TRUE(d.ingest_pids("a").empty()) << "an ingest started while another process held the camera's lock";

  ::close(fd);  // the lock is free: the next retry starts the ingest
  EXPECT_TRUE(ZcrecdProcess::eventually([&] { return d.ingest_pids("a").size() == 1; }, 20s));
  EXPECT_TRUE(sleeper.running());
}

// The shipped unit's stop and restart logic, run by hand with the unit's own ExecStopPost arguments and the
// $SERVICE_RESULT systemd would pass. What systemd itself does (signal only the main process with
// KillMode=process, run ExecStopPost, restart) cannot run here: docs/service.md, "systemd".
std::map<std::string, std::vector<std::string>> unit_keys(const std::filesystem::path& file) {
  std::map<std::string, std::vector<std::string>> keys;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) keys[line.substr(0, eq)].push_back(line.substr(eq + 1));
  }
  return keys;
}

TEST(ZcrecdProcesses, TheSystemdUnitKeepsIngestAcrossACrashAndStopsItOnStop) {
  const auto keys = unit_keys(ZCRECD_UNIT);
  ASSERT_EQ(keys.count("KillMode"), 1u);
  EXPECT_EQ(keys.at("KillMode"), std::vector<std::string>{"process"})
      << "control-group and mixed end every ingest process when the daemon dies";
  EXPECT_EQ(keys.at("Restart"), std::vector<std::string>{"on-failure"});
  ASSERT_EQ(keys.count("ExecStopPost"), 1u);
  ASSERT_EQ(keys.count("ExecStart"), 1u);
  // ExecStopPost's arguments with this build's zcrecd and the test's configuration in place of the installed ones.
  std::vector<std::string> stop_post;
  {
    std::istringstream words(keys.at("ExecStopPost")[0]);
    for (std::string w; words >> w;) stop_post.push_back(w);
  }
  ASSERT_GE(stop_post.size(), 2u);
  EXPECT_NE(std::find(stop_post.begin(), stop_post.end(), "--stop-ingest"), stop_post.end());
  EXPECT_NE(keys.at("ExecStart")[0].find(stop_post[0]), std::string::npos) << "ExecStopPost runs another binary";

  TempDir dir;
  // systemd's own parser, offline, when the machine has it (it checks that the executables exist: this build's).
  if (std::filesystem::exists("/usr/bin/systemd-analyze")) {
    std::ifstream in(ZCRECD_UNIT);
    std::string unit((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t at = unit.find(stop_post[0]); at != std::string::npos; at = unit.find(stop_post[0], at + 1))
      unit.replace(at, stop_post[0].size(), kZcrecd);
    const auto copy = dir / "zcrecd.service";
    std::ofstream(copy) << unit;
    const auto verify = run({"/usr/bin/systemd-analyze", "verify", "--man=no", copy.string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    EXPECT_EQ(verify.err, "") << "systemd-analyze verify complains about the unit";
  }
  const int port = free_local_port();
  ZcrecdProcess d(dir.path(), unreachable_camera("a", port) + unreachable_camera("b", port));
  std::vector<std::string> args(stop_post.begin() + 1, stop_post.end());
  for (auto& a : args)
    if (a == "/etc/zcrec/zcrecd.yaml") a = d.config_file().string();
  auto stop_post_with = [&](const std::string& result) {
    std::vector<std::string> argv{"env", "SERVICE_RESULT=" + result, kZcrecd};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  };

  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.ingest_processes().size() == 2; }, 20s));
  const auto a0 = d.ingest_pids("a"), b0 = d.ingest_pids("b");
  // While the daemon runs, ExecStopPost's command refuses (and touches nothing).
  auto r = stop_post_with("success");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("pid " + std::to_string(d.pid())), std::string::npos) << r.err;
  EXPECT_EQ(d.ingest_processes().size(), 2u);

  // A crash: KillMode=process left the ingest running, ExecStopPost (SERVICE_RESULT=signal) keeps it, the
  // restarted daemon adopts it.
  d.kill(SIGKILL);
  ASSERT_TRUE(d.wait(5s));
  r = stop_post_with("signal");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(d.ingest_pids("a"), a0);
  EXPECT_EQ(d.ingest_pids("b"), b0);
  d.start();
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(d.ingest_pids("a"), a0) << "not adopted after the crash";
  EXPECT_EQ(d.ingest_pids("b"), b0);

  // `systemctl stop`: SIGTERM to the daemon only; it ends its ingest itself. ExecStopPost finds nothing left.
  d.kill(SIGTERM);
  const auto status = d.wait(20s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_with(*status, 0)) << describe_status(*status);
  EXPECT_TRUE(d.ingest_processes().empty()) << "ingest left after the daemon's own stop";
  r = stop_post_with("success");
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // A daemon that hangs on stop is SIGKILLed after TimeoutStopSec (SERVICE_RESULT=timeout): ExecStopPost ends
  // its ingest.
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.ingest_processes().size() == 2; }, 20s));
  d.kill(SIGKILL);
  ASSERT_TRUE(d.wait(5s));
  r = stop_post_with("timeout");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(d.ingest_processes().empty()) << "ExecStopPost left ingest running after a stop timeout";
}

}  // namespace
}  // namespace zc::test
