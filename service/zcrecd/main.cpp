// zcrecd --config FILE: the recording and pre-record service (docs/service.md). Runs every configured camera,
// serves the HTTP API, re-reads the configuration on SIGHUP, stops cleanly on SIGTERM/SIGINT, and speaks
// systemd's notify protocol (READY, STATUS, WATCHDOG, STOPPING) when NOTIFY_SOCKET is set.
#include <zc/fifo/clock.h>
#include <zc/service/config.h>
#include <zc/service/http_api.h>
#include <zc/service/ingest_control.h>
#include <zc/service/service.h>

#include <CLI/CLI.hpp>
#include <systemd/sd-daemon.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>

namespace {

// zcrec is installed next to zcrecd (and built next to it in the build tree: cli/ and service/).
std::filesystem::path default_zcrec() {
  const auto self = std::filesystem::read_symlink("/proc/self/exe");
  for (const auto& candidate : {self.parent_path() / "zcrec", self.parent_path().parent_path() / "cli" / "zcrec"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return self.parent_path() / "zcrec";
}

void say(const std::string& line) { std::fprintf(stderr, "zcrecd: %s\n", line.c_str()); }

// `zcrecd --stop-ingest`: systemd runs it after every end of the daemon (ExecStopPost), a crash included.
// After a crash that Restart=on-failure follows with a new daemon ($SERVICE_RESULT exit-code, signal,
// core-dump, watchdog) the ingest processes stay for it to adopt: capture never stops. After a stop
// (success: the daemon ended them itself; timeout: it hung and was SIGKILLed) or when run by hand, they end.
int stop_left_ingest(const std::string& config_file) {
  const char* result = std::getenv("SERVICE_RESULT");
  const std::string why = result != nullptr ? result : "";
  if (why == "exit-code" || why == "signal" || why == "core-dump" || why == "watchdog") {
    say("keeping the ingest processes for the restarted daemon (SERVICE_RESULT=" + why + ")");
    return 0;
  }
  try {
    const auto cfg = zc::service::load_config(config_file);
    const auto stopped = zc::service::stop_ingest_processes(cfg);
    for (const auto& s : stopped) say("stopped ingest pid " + std::to_string(s.pid) + " of " + s.ring);
    say(std::to_string(stopped.size()) + " ingest processes stopped");
    return 0;
  } catch (const std::exception& e) {
    say(std::string("--stop-ingest: ") + e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zcrecd: records many cameras continuously and on events, with pre-roll from shared-memory rings, "
               "behind an HTTP API (docs/service.md)"};
  std::string config_file, check_file, zcrec;
  app.add_option("--config,-c", config_file, "the YAML configuration (see examples/zcrecd.yaml)")
      ->check(CLI::ExistingFile);
  app.add_option("--check-config", check_file, "validate a configuration file and exit (0 = valid)");
  app.add_option("--zcrec", zcrec, "the zcrec binary the ingest processes run (default: next to zcrecd)")
      ->check(CLI::ExistingFile);
  bool stop_ingest = false;
  app.add_flag("--stop-ingest", stop_ingest,
               "stop the ingest processes a stopped zcrecd left (systemd's ExecStopPost; kept when $SERVICE_RESULT "
               "says the daemon crashed and systemd restarts it)");
  CLI11_PARSE(app, argc, argv);

  if (!check_file.empty()) {
    try {
      const auto cfg = zc::service::load_config(check_file);
      std::string extra;
      if (cfg.rtsp) {
        const auto& r = *cfg.rtsp;
        extra += ", RTSP on " + (r.address.find(':') != std::string::npos ? "[" + r.address + "]" : r.address) + ":" +
                 std::to_string(r.port);
      }
      if (cfg.mqtt) extra += ", MQTT to " + cfg.mqtt->host;
      if (cfg.cluster) extra += ", cluster host " + cfg.cluster->host;
      std::printf("%s: valid (%zu cameras, storage %s, API on %s%s)\n", check_file.c_str(), cfg.cameras.size(),
                  cfg.storage_dir.c_str(), cfg.listen.c_str(), extra.c_str());
      return 0;
    } catch (const zc::service::ConfigError& e) {
      std::fprintf(stderr, "%s: %s\n", check_file.c_str(), e.what());
      return 1;
    }
  }
  if (config_file.empty()) {
    std::fprintf(stderr, "zcrecd: --config FILE is required (or --check-config FILE); see --help\n");
    return 2;
  }
  if (stop_ingest) return stop_left_ingest(config_file);

  // Signals are taken synchronously by this thread only: every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the daemon

  zc::service::ServiceConfig cfg;
  try {
    cfg = zc::service::load_config(config_file);
  } catch (const zc::service::ConfigError& e) {
    std::fprintf(stderr, "zcrecd: %s: %s\n", config_file.c_str(), e.what());
    return 1;
  }
  std::unique_ptr<zc::service::Service> service;
  std::unique_ptr<zc::service::HttpApi> api;
  try {
    // The daemon's one clock (zc/fifo/clock.h): every part of the service reads the time from it.
    service = zc::service::Service::start(cfg, zcrec.empty() ? default_zcrec() : std::filesystem::path(zcrec),
                                          std::make_shared<const zc::fifo::SystemClock>());
    api = std::make_unique<zc::service::HttpApi>(*service, cfg, [](const std::string& l) { say(l); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zcrecd: cannot start: %s\n", e.what());
    if (service) service->stop();
    return 1;
  }
  // The one line on stdout: where the API is (with port 0 in the config, the only way to learn the port).
  std::printf("zcrecd: listening on %s:%d, %zu cameras, storage %s\n",
              cfg.listen.substr(0, cfg.listen.rfind(':')).c_str(), api->port(), cfg.cameras.size(),
              cfg.storage_dir.c_str());
  std::fflush(stdout);
  sd_notifyf(0, "READY=1\nSTATUS=recording %zu cameras\nMAINPID=%d", cfg.cameras.size(), static_cast<int>(getpid()));

  uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  // Wake at least twice per watchdog interval; otherwise once a second.
  const long wake_ns = watchdog ? static_cast<long>(std::min<uint64_t>(watchdog_usec / 2, 1'000'000) * 1000) : 1'000'000'000;
  int exit_code = 0;
  for (;;) {
    timespec ts{wake_ns / 1'000'000'000, wake_ns % 1'000'000'000};
    const int sig = sigtimedwait(&signals, nullptr, &ts);
    if (watchdog) sd_notify(0, "WATCHDOG=1");
    if (sig == SIGHUP) {
      sd_notify(0, "RELOADING=1");
      try {
        const auto r = service->reload();
        say("configuration reloaded");
      } catch (const std::exception& e) {
        say(std::string("reload refused, the running configuration stays: ") + e.what());
      }
      sd_notify(0, "READY=1");
    } else if (sig == SIGTERM || sig == SIGINT) {
      say(std::string("stopping (") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ")");
      break;
    }
  }
  sd_notify(0, "STOPPING=1");
  api->stop();
  service->stop();
  say("stopped");
  return exit_code;
}
