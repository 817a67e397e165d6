// Starting fifo_ring_agent processes (tests/fifo/agent) and reading what they report.
#pragma once

#include "support/child_process.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace zc::test {

// Path of the agent executable, compiled into the test binary.
const std::string& ring_agent_path();

// Starts `fifo_ring_agent <role> <stream> <args...>`.
ChildProcess spawn_agent(const std::string& role, const std::string& stream, const std::vector<std::string>& args);

// Waits for the agent's "ready N" line and returns N; throws with the line it got instead.
uint64_t await_ready(ChildProcess& agent, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Fields of a reader's "summary k=v ..." line; empty if the reader printed none before exiting.
using Summary = std::map<std::string, uint64_t>;
Summary await_summary(ChildProcess& reader, std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace zc::test
