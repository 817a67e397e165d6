// `zcrec list [NAME] [--from T] [--to T] [--json]`: recordings and their segments, from the catalog alone.
#include "commands.h"
#include "record_cli.h"
#include "record_json.h"

#include <zc/fifo/clock.h>
#include <zc/catalog/catalog.h>

#include <filesystem>
#include <iostream>
#include <memory>

namespace zc::cli {
namespace {

struct ListArgs {
  std::string stream, dir, from, to;
  bool json = false;
};

void run_list(const ListArgs& a) {
  auto catalog = catalog::Catalog::open_existing(a.dir, catalog::Catalog::Access::read_only);
  const int64_t now = fifo::SystemClock().wall_ns();  // the command's clock: "-1h" counts from it
  catalog::TimeRange range;
  if (!a.from.empty()) range.from_wall_ns = record::parse_time_ns(a.from, now);
  if (!a.to.empty()) range.to_wall_ns = record::parse_time_ns(a.to, now);
  if (!a.stream.empty() && !catalog.find_stream(a.stream)) {
    throw std::runtime_error("no stream '" + a.stream + "' in the catalog of " + a.dir);
  }
  const auto recs = catalog.recordings(a.stream.empty() ? std::nullopt : std::optional<std::string>(a.stream), range);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : recs) {
      auto j = record::to_json(r);
      j["segments"] = nlohmann::json::array();
      for (const auto& s : catalog.segments_of_recording(r.id)) {
        if (s.state != "deleting") j["segments"].push_back(record::to_json(s));
      }
      j["gaps"] = nlohmann::json::array();
      for (const auto& g : catalog.gaps(r.stream_name, range)) {
        if (g.recording_id == r.id) j["gaps"].push_back(record::to_json(g));
      }
      out.push_back(std::move(j));
    }
    std::cout << out.dump(2) << std::endl;
    return;
  }
  if (recs.empty()) {
    std::cout << "no recordings\n";
    return;
  }
  for (const auto& r : recs) {
    std::cout << "#" << r.id << " " << r.stream_name << "  " << record::format_wall(r.start_wall_ns.value_or(r.trigger_wall_ns))
              << " .. " << (r.end_wall_ns ? record::format_wall(*r.end_wall_ns) : std::string("(recording)")) << "  "
              << r.state << (r.end_reason.empty() ? "" : " (" + r.end_reason + ")")
              << "  pre-roll " << record::format_seconds(r.preroll_achieved_ns.value_or(0)) << " of "
              << record::format_seconds(r.preroll_requested_ns) << (r.locked ? "  locked" : "")
              << (r.frames_lost > 0 ? "  lost " + std::to_string(r.frames_lost) + " frames" : "") << "\n";
    for (const auto& s : catalog.segments_of_recording(r.id)) {
      if (s.state == "deleting") continue;
      std::cout << "    " << s.path << "  " << record::format_wall(s.start_wall_ns) << "  "
                << record::format_seconds(catalog::ticks90k_to_ns(s.duration_90k)) << "  " << s.frames << " frames  "
                << s.video_codec << " " << s.width << "x" << s.height << (s.audio_codec.empty() ? "" : " +" + s.audio_codec)
                << "  " << s.size_bytes << " bytes  " << s.state << "\n";
    }
  }
}

}  // namespace

void add_list_command(CLI::App& app) {
  auto args = std::make_shared<ListArgs>();
  auto* cmd = app.add_subcommand("list", "List recordings and their segments from the catalog");
  cmd->add_option("name", args->stream, "Only this stream");
  record::add_time_option(cmd, "--from", args->from, "Only recordings overlapping [from, to): RFC 3339, now, -10m");
  record::add_time_option(cmd, "--to", args->to, "End of the time range");
  record::add_dir_option(cmd, args->dir);
  cmd->add_flag("--json", args->json, "JSON array of recordings with their segments and gaps");
  cmd->callback([args] { run_list(*args); });
}

}  // namespace zc::cli
