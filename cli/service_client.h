// The `zcrec` commands that talk to a running zcrecd over its HTTP API (trigger, end, cameras): one set of
// connection options and one way of turning a refusal or an unreachable server into a message.
#pragma once

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace zc::cli {

inline constexpr const char* kDefaultServer = "http://127.0.0.1:8190";

struct ServerOptions {
  std::string server = kDefaultServer;  // http://HOST:PORT (or https://)
  std::string token_file;               // else $ZCRECD_TOKEN, else no token
};

void add_server_options(CLI::App* cmd, ServerOptions& options);

// One path segment, percent-encoded (a camera name the server will refuse still reaches it as one segment).
std::string path_segment(const std::string& text);

// Sends one request and returns the JSON answer of a 2xx. Throws std::runtime_error naming the server URL when
// it cannot be reached, and with zcrecd's own message (and status) when it refuses.
nlohmann::json call_service(const ServerOptions& options, const std::string& method, const std::string& path,
                            const nlohmann::json* body = nullptr);

}  // namespace zc::cli
