#include "service_client.h"

#include <httplib.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace zc::cli {

namespace {

// Connecting to a local daemon is immediate; a long wait means it is not there (or is wedged), and a CLI that
// hangs tells the user less than one that says so.
constexpr time_t kConnectTimeoutS = 3;
constexpr time_t kReadTimeoutS = 15;

std::string read_token(const ServerOptions& o) {
  if (!o.token_file.empty()) {
    std::ifstream in(o.token_file);
    if (!in) throw std::runtime_error("cannot read the token file " + o.token_file);
    std::string token;
    std::getline(in, token);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    if (token.empty()) throw std::runtime_error("the token file " + o.token_file + " is empty");
    return token;
  }
  const char* env = std::getenv("ZCRECD_TOKEN");
  return env ? env : "";
}

// zcrecd's errors are {"error": {"status", "message"}}; anything else (a proxy's page) is shown as it came.
std::string refusal_message(const httplib::Result& res) {
  const auto j = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("message") &&
      j["error"]["message"].is_string())
    return j["error"]["message"].get<std::string>();
  return res->body.empty() ? "no message" : res->body.substr(0, 200);
}

}  // namespace

std::string path_segment(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += {'%', kHex[u >> 4], kHex[u & 15]};
    }
  }
  return out;
}

void add_server_options(CLI::App* cmd, ServerOptions& o) {
  cmd->add_option("--server", o.server, "zcrecd's API, http://HOST:PORT")->capture_default_str();
  cmd->add_option("--token-file", o.token_file,
                  "A file holding zcrecd's API token (default: the ZCRECD_TOKEN environment variable)");
}

nlohmann::json call_service(const ServerOptions& o, const std::string& method, const std::string& path,
                            const nlohmann::json* body) {
  std::string server = o.server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  static const std::regex url_re(R"(https?://[^/?#\s]+)");
  if (!std::regex_match(server, url_re))
    throw std::runtime_error("--server must be http://HOST:PORT (or https://), got \"" + o.server + "\"");

  httplib::Client client(server);
  client.set_connection_timeout(kConnectTimeoutS, 0);
  client.set_read_timeout(kReadTimeoutS, 0);
  client.set_write_timeout(kReadTimeoutS, 0);
  httplib::Headers headers;
  if (const std::string token = read_token(o); !token.empty()) headers.emplace("Authorization", "Bearer " + token);

  httplib::Result res = method == "GET"
                            ? client.Get(path, headers)
                            : client.Post(path, headers, body ? body->dump() : std::string(), "application/json");
  if (!res)
    throw std::runtime_error("cannot reach zcrecd at " + server + " (httplib: " +
                             httplib::to_string(res.error()) + " failed); is it running there? (--server URL)");
  if (res->status < 200 || res->status >= 300)
    throw std::runtime_error("zcrecd at " + server + " refused " + method + " " + path + ": " +
                             std::to_string(res->status) + " " + refusal_message(res));
  auto answer = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) throw std::runtime_error("zcrecd at " + server + " answered something that is not JSON");
  return answer;
}

}  // namespace zc::cli
