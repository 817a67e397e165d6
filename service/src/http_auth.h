// Bearer-token authentication of the HTTP API (docs/service.md, "Security").
#pragma once

#include <string>
#include <string_view>

namespace zc::service::http {

// True when `authorization` (the request's Authorization header) is "Bearer TOKEN" for exactly `token`. The time
// taken depends only on the lengths, never on where the first differing byte is, so a remote client cannot guess
// the token byte by byte from response times.
bool bearer_matches(std::string_view authorization, std::string_view token) noexcept;

// The web page's login (POST /api/v1/login) sets this cookie (HttpOnly, SameSite=Strict): a <video> element
// cannot send an Authorization header, so media routes accept the token from the cookie too.
inline constexpr std::string_view kTokenCookie = "zcrecd_token";
// The cookie's value for `token` (percent-encoded: a token may hold bytes a cookie value cannot).
std::string token_cookie_value(std::string_view token);
// True when the request's Cookie header carries kTokenCookie for exactly `token`; constant time like the above.
bool cookie_matches(std::string_view cookie_header, std::string_view token);

}  // namespace zc::service::http
