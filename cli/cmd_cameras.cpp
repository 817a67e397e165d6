// `zcrec cameras`: the cameras of a running zcrecd and how each is doing (GET /api/v1/cameras).
#include "commands.h"
#include "service_client.h"

#include <cstdio>
#include <iostream>
#include <memory>

namespace zc::cli {

namespace {

struct CamerasOptions {
  ServerOptions server;
  bool json = false;
};

std::string text_of(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string("-"); }

void print_table(const nlohmann::json& items) {
  std::printf("%-20s %-13s %6s %9s %8s %10s %-17s %s\n", "CAMERA", "INGEST", "FPS", "KBIT/S", "HISTORY",
              "RECONNECTS", "RECORDING", "LAST ERROR");
  for (const auto& c : items) {
    std::printf("%-20s %-13s %6.1f %9.0f %7.1fs %10lld %-17s %s\n", text_of(c.value("name", nlohmann::json())).c_str(),
                text_of(c.value("ingest_state", nlohmann::json())).c_str(), c.value("fps", 0.0),
                c.value("bitrate_bps", 0.0) / 1000, c.value("ring_history_s", 0.0),
                static_cast<long long>(c.value("reconnects", int64_t{0})),
                text_of(c.value("recording_state", nlohmann::json())).c_str(),
                text_of(c.value("last_error", nlohmann::json())).c_str());
  }
}

}  // namespace

void add_cameras_command(CLI::App& app) {
  auto o = std::make_shared<CamerasOptions>();
  auto* cmd = app.add_subcommand("cameras", "The cameras of a running zcrecd: ingest, history, recording, errors");
  cmd->add_flag("--json", o->json, "Print zcrecd's JSON answer ({\"items\": [...]})");
  add_server_options(cmd, o->server);
  cmd->callback([o] {
    const auto answer = call_service(o->server, "GET", "/api/v1/cameras");
    if (o->json) {
      std::cout << answer.dump() << '\n';
    } else {
      print_table(answer.value("items", nlohmann::json::array()));
    }
  });
}

}  // namespace zc::cli
