// Source addresses as users give them to `zcrec feed`: how a password in one is kept out of every message, log
// line and stored record (argv is visible in `ps`, so the password may also come from a file or the environment
// and is only put into the URL handed to libavformat). What kind of source an address is: zc::ingest's
// classify_source() (ingest/include/zc/ingest/source_kind.h).
#pragma once

#include <string>

namespace zc::media {

// The URL with the password of its user-info replaced by "***" ("rtsp://admin:***@cam/s"); unchanged when it
// carries none. Use it for everything that is shown or stored.
std::string redact_credentials(const std::string& url);

// The URL with `password` set as the password of its user-info (percent-encoded). The URL must name a user
// ("rtsp://admin@cam/s"). Throws MediaError(invalid_argument) when it has no user-info or already a password.
std::string with_password(const std::string& url, const std::string& password);

}  // namespace zc::media
