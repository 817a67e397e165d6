// `zcrec prune`: apply retention now — per-stream quota, maximum age, free-space floor; oldest first, locked
// recordings kept.
#include "commands.h"
#include "record_cli.h"
#include "record_json.h"

#include <zc/fifo/clock.h>
#include <zc/catalog/catalog.h>
#include <zc/catalog/retention.h>

#include <filesystem>
#include <iostream>
#include <memory>

namespace zc::cli {
namespace {

struct PruneArgs {
  std::string dir, stream;
  std::optional<int64_t> quota, max_age, min_free;
  bool json = false;
};

void run_prune(const PruneArgs& a) {
  catalog::RetentionPolicy p;
  p.quota_bytes = a.quota;
  p.max_age_ns = a.max_age;
  p.min_free_bytes = a.min_free;
  if (!p.any()) throw CLI::ValidationError("prune", "give at least one of --quota, --max-age, --min-free");
  auto catalog = catalog::Catalog::open_existing(a.dir, catalog::Catalog::Access::read_write);
  const auto r = catalog::apply_retention(catalog, p, fifo::SystemClock().wall_ns(),
                                           a.stream.empty() ? std::nullopt : std::optional<std::string>(a.stream));
  if (a.json) {
    std::cout << record::to_json(r).dump(2) << std::endl;
  } else {
    for (const auto& path : r.deleted_paths) std::cout << "deleted " << path << "\n";
    std::cout << r.segments_deleted << " segment(s), " << r.bytes_deleted << " bytes deleted; " << r.free_bytes_after
              << " bytes free\n";
  }
  if (r.floor_unreachable) {
    throw std::runtime_error("free space stays below --min-free: what is left is locked or being recorded");
  }
}

}  // namespace

void add_prune_command(CLI::App& app) {
  auto args = std::make_shared<PruneArgs>();
  auto* cmd = app.add_subcommand("prune", "Delete old recordings: quota, maximum age, free-space floor");
  cmd->add_option("name", args->stream, "Only this stream");
  record::add_size_option(cmd, "--quota", args->quota, "Per-stream byte quota (512M, 10G)");
  record::add_duration_option(cmd, "--max-age", args->max_age, "Delete segments that ended longer ago (7d, 12h)");
  record::add_size_option(cmd, "--min-free", args->min_free, "Free space to keep in the storage filesystem");
  record::add_dir_option(cmd, args->dir);
  cmd->add_flag("--json", args->json, "Report as JSON");
  cmd->callback([args] { run_prune(*args); });
}

}  // namespace zc::cli
