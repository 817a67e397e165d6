// `zcrec trigger CAMERA`: start an event on a camera of a running zcrecd (POST /api/v1/cameras/{name}/events).
// Durations and the start time are sent as written: the daemon parses them (its clock is the one "-15s" is
// relative to), so the CLI and the API accept exactly the same text.
#include "commands.h"
#include "service_client.h"

#include <iostream>
#include <memory>
#include <optional>

namespace zc::cli {

namespace {

struct TriggerOptions {
  ServerOptions server;
  std::string camera;
  std::optional<std::string> label, preroll, postroll, duration, start, metadata;
  std::optional<double> score;
  bool json = false;
};

void run_trigger(const TriggerOptions& o) {
  nlohmann::json body = nlohmann::json::object();
  if (o.label) body["label"] = *o.label;
  if (o.score) body["score"] = *o.score;
  if (o.preroll) body["preroll"] = *o.preroll;
  if (o.postroll) body["postroll"] = *o.postroll;
  if (o.duration) body["duration"] = *o.duration;
  if (o.start) body["start"] = *o.start;
  if (o.metadata) {
    auto meta = nlohmann::json::parse(*o.metadata, nullptr, /*allow_exceptions=*/false);
    if (meta.is_discarded()) throw std::runtime_error("--metadata must be JSON, got " + *o.metadata);
    body["metadata"] = std::move(meta);
  }
  const auto answer = call_service(o.server, "POST", "/api/v1/cameras/" + path_segment(o.camera) + "/events", &body);
  if (o.json) {
    std::cout << answer.dump() << '\n';
  } else {
    std::cout << answer.at("id").get<int64_t>() << '\n';  // the id alone, so that `id=$(zcrec trigger cam)` works
  }
}

}  // namespace

void add_trigger_command(CLI::App& app) {
  auto o = std::make_shared<TriggerOptions>();
  auto* cmd = app.add_subcommand("trigger", "Start an event on a camera of a running zcrecd; prints its id");
  cmd->add_option("camera", o->camera, "Camera name (as in zcrecd's config)")->required();
  cmd->add_option("--label", o->label, "What happened (<= 256 characters)");
  cmd->add_option("--score", o->score, "A detector's score");
  cmd->add_option("--metadata", o->metadata, "Any JSON value stored with the event (<= 64 KiB)");
  cmd->add_option("--preroll", o->preroll, "Footage kept before the start (e.g. 5s; default: the camera's)");
  cmd->add_option("--postroll", o->postroll, "Footage kept after the end (default: the camera's)");
  cmd->add_option("--duration", o->duration, "Ends by itself after this long (default: until `zcrec end ID`)");
  cmd->add_option("--start", o->start, "When it started: RFC 3339 or relative (\"-15s\"); default now");
  cmd->add_flag("--json", o->json, "Print zcrecd's JSON answer");
  add_server_options(cmd, o->server);
  cmd->footer("The token is read from --token-file or $ZCRECD_TOKEN. Exit 1 when zcrecd is unreachable or refuses.");
  cmd->callback([o] { run_trigger(*o); });
}

}  // namespace zc::cli
