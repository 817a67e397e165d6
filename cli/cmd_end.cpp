// `zcrec end ID`: end an event of a running zcrecd (POST /api/v1/events/{id}/end); its post-roll still records.
#include "commands.h"
#include "service_client.h"

#include <iostream>
#include <memory>

namespace zc::cli {

namespace {

struct EndOptions {
  ServerOptions server;
  int64_t id = 0;
  bool json = false;
};

}  // namespace

void add_end_command(CLI::App& app) {
  auto o = std::make_shared<EndOptions>();
  auto* cmd = app.add_subcommand("end", "End an event of a running zcrecd (its post-roll still records)");
  cmd->add_option("id", o->id, "Event id, as `zcrec trigger` printed it")->required()->check(CLI::PositiveNumber);
  cmd->add_flag("--json", o->json, "Print zcrecd's JSON answer");
  add_server_options(cmd, o->server);
  cmd->callback([o] {
    const auto answer = call_service(o->server, "POST", "/api/v1/events/" + std::to_string(o->id) + "/end");
    if (o->json) {
      std::cout << answer.dump() << '\n';
    } else {
      std::cout << "event " << o->id << " ended\n";
    }
  });
}

}  // namespace zc::cli
