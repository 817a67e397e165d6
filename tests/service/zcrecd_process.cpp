#include "zcrecd_process.h"

#include "rtsp_camera.h"
#include "support/test_support.h"

#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <regex>
#include <thread>

namespace zc::test {

std::string rfc3339(int64_t wall_ns) {
  const std::time_t t = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(wall_ns % 1'000'000'000));
  return buf;
}

ZcrecdProcess::ZcrecdProcess(const std::filesystem::path& dir, const std::string& cameras_yaml,
                             const std::string& extra_top_yaml, const std::string& api_token)
    : dir_(dir), config_(dir / "zcrecd.yaml"), storage_(dir / "data"), prefix_(unique_stream_name("zd") + "_"),
      token_(api_token) {
  port_ = free_local_port();
  rewrite_config(cameras_yaml, extra_top_yaml);
}

ZcrecdProcess::~ZcrecdProcess() {
  if (process_ && process_->running()) {
    process_->kill(SIGTERM);
    if (!process_->wait(std::chrono::seconds(15))) {
      ADD_FAILURE() << "zcrecd did not stop within 15 s of SIGTERM";
      process_->kill(SIGKILL);
      process_->wait(std::chrono::seconds(5));
    }
  }
  kill_ingest();
}

std::vector<std::pair<pid_t, std::string>> ZcrecdProcess::ingest_processes() const {
  std::vector<std::pair<pid_t, std::string>> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::vector<std::string> args;
    for (std::string a; std::getline(in, a, '\0');) args.push_back(a);
    if (args.size() < 4 || args[1] != "feed") continue;
    for (size_t i = 2; i + 1 < args.size(); ++i) {
      if (args[i] == "--stream" && args[i + 1].rfind(prefix_, 0) == 0) {
        // A zombie (exited, not yet reaped) has an empty cmdline and is not listed.
        out.emplace_back(static_cast<pid_t>(std::stol(name)), args[i + 1]);
        break;
      }
    }
  }
  return out;
}

std::vector<pid_t> ZcrecdProcess::ingest_pids(const std::string& camera) const {
  std::vector<pid_t> out;
  for (const auto& [pid, r] : ingest_processes())
    if (r == prefix_ + camera) out.push_back(pid);
  return out;
}

void ZcrecdProcess::kill_ingest() const {
  // Also those that never made a ring (still connecting when their daemon was killed).
  for (const auto& [pid, r] : ingest_processes()) ::kill(pid, SIGKILL);
  for (const auto& c : cameras_) {
    try {
      const auto st = fifo::RingReader::inspect(prefix_ + c);
      if (st.writer_alive && st.writer_pid > 0) ::kill(static_cast<pid_t>(st.writer_pid), SIGKILL);
    } catch (...) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      fifo::RingWriter::remove(prefix_ + c);
    } catch (...) {
    }
  }
}

std::string ZcrecdProcess::compose(const std::string& cameras_yaml, const std::string& extra_top_yaml) const {
  return "storage: {dir: " + storage_.string() + ", segment: 4s" +
         (storage_options_.empty() ? std::string() : ", " + storage_options_) + "}\n" + "api: {listen: 127.0.0.1:" +
         std::to_string(port_) + (token_.empty() ? "" : ", token: " + token_) + "}\n" + "ring_prefix: " + prefix_ + "\n" + extra_top_yaml + "cameras:\n" +
         cameras_yaml;
}

void ZcrecdProcess::rewrite_config(const std::string& cameras_yaml, const std::string& extra_top_yaml) {
  std::ofstream(config_) << compose(cameras_yaml, extra_top_yaml);
  static const std::regex name(R"(^  ([A-Za-z0-9_][A-Za-z0-9_.-]*):)", std::regex::multiline);
  for (auto it = std::sregex_iterator(cameras_yaml.begin(), cameras_yaml.end(), name); it != std::sregex_iterator(); ++it)
    cameras_.push_back((*it)[1].str());
}

void ZcrecdProcess::start(std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{kZcrecd, "--config", config_.string()};
  if (!log_file_.empty())
    argv = {"/bin/sh", "-c", "exec \"$0\" --config \"$1\" 2>>\"$2\"", kZcrecd, config_.string(), log_file_.string()};
  process_ = std::make_unique<ChildProcess>(ChildProcess::spawn(argv));
  const auto line = process_->read_line(timeout);
  ASSERT_TRUE(line && line->find("listening on") != std::string::npos)
      << "zcrecd did not report listening; got: " << line.value_or("(nothing)");
}

void ZcrecdProcess::kill(int signal) { process_->kill(signal); }

std::optional<int> ZcrecdProcess::wait(std::chrono::milliseconds timeout) { return process_->wait(timeout); }

HttpReply ZcrecdProcess::get(const std::string& path) {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(2);
  c.set_read_timeout(10);
  auto r = c.Get(path.c_str());
  if (!r) return {};
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

HttpReply ZcrecdProcess::post(const std::string& path, const nlohmann::json& body) {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(2);
  c.set_read_timeout(10);
  auto r = c.Post(path.c_str(), body.dump(), "application/json");
  if (!r) return {};
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

nlohmann::json ZcrecdProcess::camera(const std::string& name) {
  const auto r = get("/api/v1/cameras");
  if (r.status != 200) return nullptr;
  for (const auto& c : r.body["items"])
    if (c["name"] == name) return c;
  return nullptr;
}

bool ZcrecdProcess::eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

}  // namespace zc::test
