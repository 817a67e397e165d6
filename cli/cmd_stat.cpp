// `zcrec stat NAME [--json]`: what a ring holds and how it is being written, read without attaching as a
// reader (RingReader::inspect). The write rate is measured over a short interval between two inspections.
#include "cli_units.h"
#include "commands.h"
#include "record_cli.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/ring_reader.h>

#include <nlohmann/json.hpp>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

namespace zc::cli {

namespace {

struct StatOptions {
  std::string stream;
  bool json = false;
  double interval_s = 0.5;
};


std::string hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) s += {kDigits[b >> 4], kDigits[b & 15]};
  return s;
}

nlohmann::json track_json(const fifo::TrackInfo& t) {
  nlohmann::json j{{"id", t.track_id},
                   {"kind", std::string(fifo::to_string(t.kind))},
                   {"codec", std::string(fifo::to_string(t.codec))},
                   {"time_base", std::to_string(t.time_base.num) + "/" + std::to_string(t.time_base.den)},
                   {"config_bytes", t.config.size()},
                   {"config_hex", hex(t.config)}};
  if (t.kind == fifo::MediaKind::video) {
    j["width"] = t.width;
    j["height"] = t.height;
    j["bit_depth"] = t.bits_per_sample;
  } else {
    j["sample_rate"] = t.sample_rate;
    j["channels"] = t.channels;
    j["bits_per_sample"] = t.bits_per_sample;
  }
  return j;
}

// What the writer says it is fed from (RingWriter::publish_source); null when it said nothing.
nlohmann::json source_json(const std::optional<fifo::SourceStatus>& src) {
  if (!src) return nullptr;
  return {{"url", src->url},
          {"state", std::string(fifo::to_string(src->state))},
          {"clock", std::string(fifo::to_string(src->clock))},
          {"connections", src->connections},
          {"reconnects", src->reconnects},
          {"packets_lost", src->packets_lost},
          {"frames_dropped", src->frames_dropped},
          {"timestamp_jumps", src->timestamp_jumps},
          {"failed_attempts", src->failed_attempts},
          {"next_attempt_wall_ns", src->next_attempt_wall_ns},
          {"updated_wall_ns", src->updated_wall_ns},
          {"last_error", src->last_error}};
}

nlohmann::json status_json(const fifo::RingStatus& s, const fifo::RingStatus& before, double interval_s,
                           const fifo::Clock& clock) {
  const double held_s = s.newest_mono_ns > s.oldest_mono_ns ? (s.newest_mono_ns - s.oldest_mono_ns) / 1e9 : 0.0;
  double fps = 0, bps = 0;
  if (interval_s > 0) {
    fps = static_cast<double>(s.frames_written - before.frames_written) / interval_s;
    bps = static_cast<double>(s.payload_bytes_written - before.payload_bytes_written) * 8 / interval_s;
  }
  nlohmann::json tracks = nlohmann::json::array();
  for (const auto& t : s.info.tracks) tracks.push_back(track_json(t));
  const double writer_age_s =
      s.writer_alive && s.writer_start_mono_ns > 0 ? (clock.mono_ns() - s.writer_start_mono_ns) / 1e9 : 0.0;
  return {{"name", s.name},
          {"kind", s.kind == 2 ? "playback_fifo" : "live_ring"},
          {"capacity_bytes", s.data_bytes},
          {"object_bytes", s.object_bytes},
          {"bytes_held", s.write_pos - s.tail_pos},
          {"frames_held", s.frames_held},
          {"keyframes_held", s.keyframes_held},
          {"seconds_held", held_s},
          {"oldest_wall_ns", s.oldest_wall_ns},
          {"newest_wall_ns", s.newest_wall_ns},
          {"frames_written", s.frames_written},
          {"payload_bytes_written", s.payload_bytes_written},
          {"frames_dropped", s.frames_dropped},
          {"oversized_frames", s.oversized_frames},
          {"write_rate", {{"frames_per_s", fps}, {"bits_per_s", bps}, {"interval_s", interval_s}}},
          {"readers_attached", s.readers_attached},
          {"reader_slots", s.reader_slots},
          {"writer", {{"alive", s.writer_alive}, {"pid", s.writer_pid}, {"takeover_count", s.takeover_count},
                      {"running_s", writer_age_s}}},
          {"source", source_json(s.source)},
          {"stream_info", {{"generation", s.info.generation}, {"tracks", tracks}}}};
}

void print_text(const nlohmann::json& j, const fifo::Clock& clock) {
  auto mib = [](uint64_t b) { return static_cast<double>(b) / (1 << 20); };
  std::printf("stream         %s (%s)\n", j["name"].get<std::string>().c_str(), j["kind"].get<std::string>().c_str());
  std::printf("capacity       %.1f MiB, holding %.1f MiB\n", mib(j["capacity_bytes"]), mib(j["bytes_held"]));
  std::printf("history        %.2f s in %llu frames, %llu keyframes\n", j["seconds_held"].get<double>(),
              j["frames_held"].get<unsigned long long>(), j["keyframes_held"].get<unsigned long long>());
  std::printf("write rate     %.1f frames/s, %.0f kbit/s (over %.1f s)\n",
              j["write_rate"]["frames_per_s"].get<double>(), j["write_rate"]["bits_per_s"].get<double>() / 1000,
              j["write_rate"]["interval_s"].get<double>());
  std::printf("dropped        %llu frames, %llu of them larger than the ring's per-frame limit\n",
              j["frames_dropped"].get<unsigned long long>(), j["oversized_frames"].get<unsigned long long>());
  const auto& w = j["writer"];
  std::printf("writer         %s, pid %u, takeovers %u\n", w["alive"].get<bool>() ? "alive" : "gone",
              w["pid"].get<unsigned>(), w["takeover_count"].get<unsigned>());
  if (const auto& src = j["source"]; !src.is_null()) {
    // The block is the writer's last word: once the writer is gone, say so rather than show a live state.
    const bool stale = !j["writer"]["alive"].get<bool>() && src["state"] != "ended";
    std::printf("source         %s: %s%s, clock from %s\n", src["url"].get<std::string>().c_str(),
                src["state"].get<std::string>().c_str(), stale ? " (last reported; the writer is gone)" : "",
                src["clock"].get<std::string>().c_str());
    if (src["state"] == "waiting_to_retry") {
      const double in_s = static_cast<double>(src["next_attempt_wall_ns"].get<int64_t>() - clock.wall_ns()) / 1e9;
      std::printf("               next attempt in %.1f s\n", std::max(0.0, in_s));
    }
    std::printf("               %llu reconnects, %llu packets lost, %llu frames dropped, %llu clock jumps\n",
                src["reconnects"].get<unsigned long long>(), src["packets_lost"].get<unsigned long long>(),
                src["frames_dropped"].get<unsigned long long>(), src["timestamp_jumps"].get<unsigned long long>());
    if (!src["last_error"].get<std::string>().empty())
      std::printf("               last error: %s\n", src["last_error"].get<std::string>().c_str());
  }
  std::printf("readers        %u of %u slots\n", j["readers_attached"].get<unsigned>(),
              j["reader_slots"].get<unsigned>());
  std::printf("stream info    generation %llu\n", j["stream_info"]["generation"].get<unsigned long long>());
  for (const auto& t : j["stream_info"]["tracks"]) {
    if (t["kind"] == "video")
      std::printf("  track %u      video %s %ux%u %u-bit, time base %s, config %zu bytes\n", t["id"].get<unsigned>(),
                  t["codec"].get<std::string>().c_str(), t["width"].get<unsigned>(), t["height"].get<unsigned>(),
                  t["bit_depth"].get<unsigned>(), t["time_base"].get<std::string>().c_str(),
                  t["config_bytes"].get<size_t>());
    else
      std::printf("  track %u      %s %s %u Hz %u ch, time base %s, config %zu bytes\n", t["id"].get<unsigned>(),
                  t["kind"].get<std::string>().c_str(), t["codec"].get<std::string>().c_str(),
                  t["sample_rate"].get<unsigned>(), t["channels"].get<unsigned>(),
                  t["time_base"].get<std::string>().c_str(), t["config_bytes"].get<size_t>());
  }
}

void run_stat(const StatOptions& o) {
  const fifo::SystemClock clock;  // the command's one clock: the writer's uptime, a retry's countdown
  const auto before = fifo::RingReader::inspect(o.stream);
  auto after = before;
  if (o.interval_s > 0 && before.writer_alive) {
    std::this_thread::sleep_for(std::chrono::duration<double>(o.interval_s));
    after = fifo::RingReader::inspect(o.stream);
  }
  const auto j = status_json(after, before, after.writer_alive && o.interval_s > 0 ? o.interval_s : 0.0, clock);
  if (o.json)
    std::cout << j.dump(2) << "\n";
  else
    print_text(j, clock);
}

}  // namespace

void add_stat_command(CLI::App& app) {
  auto o = std::make_shared<StatOptions>();
  auto* cmd = app.add_subcommand("stat", "Show what a stream's ring holds and how it is being written");
  cmd->add_option("NAME", o->stream, "stream name")->required();
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->add_option("--interval", o->interval_s, "measure the write rate over this long, e.g. 1s (0: skip)")
      ->transform(seconds_with_unit())
      ->check(in_range(0.0, 60.0))
      ->capture_default_str();
  cmd->callback([o] { run_stat(*o); });
}

}  // namespace zc::cli
