// Disk-full cycles: a recorder writing into a 4 MiB tmpfs that a filler file has mostly used up. Each cycle it
// must report the full storage, resume once the filler is removed, stop cleanly on SIGINT, and leave a catalog
// that `zcrec check` finds consistent. Mounting needs root; without it the campaign says so and does nothing.
#include "soak.h"

#include <nlohmann/json.hpp>

#include "support/child_process.h"
#include "support/test_support.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>

#include <filesystem>
#include <fstream>
#include <thread>

namespace zc::soak {

using nlohmann::json;
using test::ChildProcess;
using namespace std::chrono_literals;

ChildProcess start_camera(const Paths& p, const std::string& stream, const std::vector<std::string>& extra);

namespace {

// Waits for a `zcrec start --json` warning containing `text`.
bool await_warning(ChildProcess& rec, const std::string& text, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const auto line = rec.read_line(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!line) return false;
    const auto j = json::parse(*line, nullptr, false);
    if (j.is_object() && j.value("message", "").find(text) != std::string::npos) return true;
  }
  return false;
}

bool one_cycle(const Paths& p, const std::string& stream, const std::filesystem::path& mnt, int n) {
  auto fail = [&](const std::string& why) {
    note("disk-full cycle " + std::to_string(n) + ": " + why);
    return false;
  };
  const auto store = mnt / "store";
  const auto filler = mnt / "filler";
  {
    std::ofstream out(filler, std::ios::binary);
    std::vector<char> mb(1 << 20, 'x');
    for (int i = 0; i < 3; ++i) out.write(mb.data(), static_cast<std::streamsize>(mb.size()));
  }
  auto rec = ChildProcess::spawn(
      {p.zcrec, "start", stream, "--preroll", "0", "--segment", "1s", "--dir", store.string(), "--json"});
  if (!await_warning(rec, "storage full", 90s)) return fail("no 'storage full' warning");
  std::filesystem::remove(filler);
  if (!await_warning(rec, "resumed", 60s)) return fail("did not resume after space returned");
  rec.kill(SIGINT);
  const auto st = rec.wait(30s);
  if (!st || !test::exited_with(*st, 0))
    return fail("stop on SIGINT ended with " + (st ? test::describe_status(*st) : std::string("no status")));
  auto chk = ChildProcess::spawn({p.zcrec, "check", "--dir", store.string()});
  chk.read_rest(60s);
  const auto cst = chk.wait(5s);
  if (!cst || !test::exited_with(*cst, 0)) return fail("zcrec check found the catalog inconsistent");
  return true;
}

}  // namespace

void run_disk_full_campaign(const Paths& p, Clock::time_point until, RecorderFigures& f) {
  const std::filesystem::path mnt = std::filesystem::path(p.work_dir) / "small";
  if (::geteuid() != 0) {
    f.disk_full_skipped = "not root: no tmpfs can be mounted, disk-full cycles skipped";
    note(f.disk_full_skipped);
    return;
  }
  test::ScopedStream stream("soak_full");
  // A heavier camera than the kill campaign's, so that 1 MiB of free space fills within seconds.
  auto cam = start_camera(p, stream.name(), {"--size", "640x360", "--bitrate", "2M"});
  int n = 0;
  while (Clock::now() < until) {
    std::filesystem::create_directories(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") != 0) {
      f.disk_full_skipped = std::string("mounting a tmpfs failed: ") + std::strerror(errno);
      note(f.disk_full_skipped);
      break;
    }
    const bool ok = one_cycle(p, stream.name(), mnt, ++n);
    ::umount2(mnt.c_str(), MNT_DETACH);
    ok ? ++f.disk_full_cycles : ++f.disk_full_failures;
  }
  cam.kill(SIGTERM);
  cam.wait(10s);
}

}  // namespace zc::soak
