#include "record_locks.h"

#include "record_cli.h"

#include <zc/catalog/catalog.h>

#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace zc::cli::record {

void add_lock_options(CLI::App* cmd, LockArgs& args) {
  cmd->add_option("id", args.ids, "Recording ids, as `zcrec list` shows them (#ID)")
      ->required()
      ->check(CLI::PositiveNumber);
  add_dir_option(cmd, args.dir);
}

void set_recording_locks(const LockArgs& args, bool locked) {
  auto catalog = catalog::Catalog::open_existing(args.dir, catalog::Catalog::Access::read_write);
  const auto missing = catalog.set_locked(args.ids, locked);
  if (!missing.empty()) {
    std::string names;
    for (const int64_t id : missing) names += (names.empty() ? "" : ", ") + std::to_string(id);
    throw std::runtime_error(std::string(missing.size() == 1 ? "no recording " : "no recordings ") + names +
                             " in the catalog of " + args.dir + "; nothing was " + (locked ? "locked" : "unlocked"));
  }
  for (const int64_t id : args.ids) std::cout << "recording " << id << (locked ? " locked" : " unlocked") << "\n";
}

}  // namespace zc::cli::record
