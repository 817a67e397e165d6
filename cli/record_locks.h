// `zcrec lock` and `zcrec unlock` share everything but the direction: the ids, --dir, the all-or-nothing update
// and the error that names the unknown ids.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace zc::cli::record {

struct LockArgs {
  std::vector<int64_t> ids;
  std::string dir;
};

// Adds the positional recording ids and --dir.
void add_lock_options(CLI::App* cmd, LockArgs& args);
// Sets the lock of every id or, when one is unknown, of none; throws naming the unknown ids (exit 1).
void set_recording_locks(const LockArgs& args, bool locked);

}  // namespace zc::cli::record
