#include "support/ring_agents.h"

#include <sstream>
#include <stdexcept>

namespace zc::test {

const std::string& ring_agent_path() {
  static const std::string path = ZC_RING_AGENT_PATH;
  return path;
}

ChildProcess spawn_agent(const std::string& role, const std::string& stream, const std::vector<std::string>& args) {
  std::vector<std::string> argv{ring_agent_path(), role, stream};
  argv.insert(argv.end(), args.begin(), args.end());
  return ChildProcess::spawn(argv);
}

uint64_t await_ready(ChildProcess& agent, std::chrono::milliseconds timeout) {
  auto line = agent.read_line(timeout);
  if (!line || line->rfind("ready ", 0) != 0)
    throw std::runtime_error("agent " + std::to_string(agent.pid()) + " did not get ready: '" +
                             line.value_or("<nothing>") + "'");
  return std::stoull(line->substr(6));
}

Summary await_summary(ChildProcess& reader, std::chrono::milliseconds timeout) {
  Summary s;
  while (auto line = reader.read_line(timeout)) {
    if (line->rfind("summary ", 0) != 0) continue;
    std::istringstream in(line->substr(8));
    std::string kv;
    while (in >> kv)
      if (auto eq = kv.find('='); eq != std::string::npos) s[kv.substr(0, eq)] = std::stoull(kv.substr(eq + 1));
    break;
  }
  return s;
}

}  // namespace zc::test
