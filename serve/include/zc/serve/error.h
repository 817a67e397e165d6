// Errors of the serving domain: listening, building a client's pipeline, GStreamer's plugins.
#pragma once

#include <stdexcept>
#include <string>

namespace zc::serve {

enum class ServeErrc {
  invalid_argument,  // a bad option value (address, port, a stream name, credentials half given)
  address_in_use,    // another process listens on the address and port
  listen_failed,     // the socket could not be bound for another reason (no such address, permission)
  missing_plugin,    // a GStreamer element the server needs is not installed (appsrc, a payloader)
  gstreamer,         // GStreamer could not be initialised or failed otherwise
};

const char* to_string(ServeErrc code) noexcept;

class ServeError : public std::runtime_error {
 public:
  ServeError(ServeErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ServeErrc code() const noexcept { return code_; }

 private:
  ServeErrc code_;
};

}  // namespace zc::serve
