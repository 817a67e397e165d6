// Bearer-token authentication of the HTTP API (docs/service.md, "Security").
#pragma once

#include <string_view>

namespace zc::service::http {

// True when `authorization` (the request's Authorization header) is "Bearer TOKEN" for exactly `token`. The time
// taken depends only on the lengths, never on where the first differing byte is, so a remote client cannot guess
// the token byte by byte from response times.
bool bearer_matches(std::string_view authorization, std::string_view token) noexcept;

}  // namespace zc::service::http
