// `zcrec check [--repair]`: recover segments left by crashed recorders and report (or reconcile) rows without
// files and files without rows. Exit status 1 when inconsistencies remain (without --repair).
#include "commands.h"
#include "record_cli.h"
#include "record_json.h"

#include <zc/catalog/catalog.h>
#include <zc/recorder/recovery.h>

#include <filesystem>
#include <iostream>
#include <memory>

namespace zc::cli {
namespace {

struct CheckArgs {
  std::string dir;
  bool repair = false, json = false;
};

void run_check(const CheckArgs& a) {
  auto catalog = catalog::Catalog::open_existing(a.dir, catalog::Catalog::Access::read_write);
  const auto report = recorder::check_storage(catalog, a.repair);
  if (a.json) {
    std::cout << record::to_json(report).dump(2) << std::endl;
  } else {
    for (const auto& r : report.recovered) {
      std::cout << "recovered " << r.path << ": " << r.bytes_before << " -> " << r.bytes_after << " bytes, " << r.frames
                << " frames\n";
    }
    for (auto id : report.interrupted_recordings) std::cout << "closed interrupted recording #" << id << "\n";
    for (const auto& p : report.finished_deletes) std::cout << "finished delete of " << p << "\n";
    for (const auto& p : report.removed_empty_files)
      std::cout << "removed " << p << " (a crashed recorder's segment file that never held a frame)\n";
    const char* verb = a.repair ? "removed" : "found";
    for (const auto& p : report.missing_files) std::cout << verb << " row without file: " << p << "\n";
    for (const auto& p : report.orphan_files) std::cout << verb << " file without row: " << p << "\n";
    for (const auto& p : report.unreadable) std::cout << verb << " unreadable segment: " << p << "\n";
    for (const auto& o : report.overlapping) std::cout << "overlapping segments (recorded twice): " << o << "\n";
    if (report.consistent()) {
      std::cout << "catalog consistent" << (report.overlapping.empty() ? "" : " (footage recorded twice: above)")
                << "\n";
    } else {
      std::cout << "inconsistent: run `zcrec check --repair`\n";
    }
  }
  if (!report.consistent()) throw std::runtime_error("storage in " + a.dir + " is inconsistent");
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto args = std::make_shared<CheckArgs>();
  auto* cmd = app.add_subcommand("check", "Recover crashed recordings and check catalog against files");
  cmd->add_flag("--repair", args->repair, "Delete rows without files and files without rows");
  record::add_dir_option(cmd, args->dir);
  cmd->add_flag("--json", args->json, "Report as JSON");
  cmd->callback([args] { run_check(*args); });
}

}  // namespace zc::cli
