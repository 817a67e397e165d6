#include "http_request.h"

#include "http_errors.h"

#include <zc/units/units.h>

#include <nlohmann/json.hpp>

#include <charconv>
#include <regex>
#include <set>

namespace zc::service::http {

namespace {

[[noreturn]] void bad(const std::string& message) { throw HttpError(400, message); }

std::size_t utf8_chars(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // continuation bytes do not count
  return n;
}

nlohmann::json parse_json_bounded(std::string_view text) {
  // The depth check runs inside the parser, so a body of 90,000 '[' is refused before it is built (nlohmann's
  // dump() and comparisons recurse; an unbounded depth would be a stack overflow away).
  const nlohmann::json::parser_callback_t depth_limit = [](int depth, nlohmann::json::parse_event_t,
                                                           nlohmann::json&) {
    if (depth > kMaxJsonDepth) bad("the body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), depth_limit);
  } catch (const nlohmann::json::parse_error& e) {
    bad(std::string("the body is not valid JSON: ") + e.what());
  }
}

std::optional<int64_t> duration_field(const nlohmann::json& v, const std::string& key) {
  if (v.is_null()) return std::nullopt;
  try {
    if (v.is_number()) return units::seconds_to_duration_ns(v.get<double>());
    if (v.is_string()) return units::parse_duration_ns(v.get<std::string>());
  } catch (const units::UnitsError& e) {
    bad(key + ": " + e.what());
  }
  bad(key + " must be a duration string (\"5s\") or a number of seconds");
}

int64_t integer_param(const std::string& key, const std::string& value, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size())
    bad(key + " must be an integer, got \"" + value + "\"");
  if (v < lo || v > hi) bad(key + " must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + value);
  return v;
}

}  // namespace

bool valid_camera_name(std::string_view name) {
  static const std::regex re(kCameraNamePattern);
  return std::regex_match(name.begin(), name.end(), re);
}

EventRequest parse_event_body(std::string_view body, int64_t now_wall_ns) {
  const nlohmann::json j = body.empty() ? nlohmann::json::object() : parse_json_bounded(body);
  if (!j.is_object()) bad("the body must be a JSON object");
  EventRequest r;
  for (const auto& [key, v] : j.items()) {
    if (key == "label") {
      if (v.is_null()) continue;
      if (!v.is_string()) bad("label must be a string");
      r.label = v.get<std::string>();
      if (utf8_chars(r.label) > kMaxLabelChars) bad("label is longer than " + std::to_string(kMaxLabelChars) + " characters");
    } else if (key == "score") {
      if (v.is_null()) continue;
      if (!v.is_number()) bad("score must be a number");
      r.score = v.get<double>();
    } else if (key == "metadata") {
      if (v.is_null()) continue;
      std::string text = v.dump();
      if (text.size() > kMaxMetadataBytes) bad("metadata is larger than " + std::to_string(kMaxMetadataBytes) + " bytes");
      r.metadata_json = std::move(text);
    } else if (key == "preroll") {
      r.preroll_ns = duration_field(v, key);
      if (r.preroll_ns && *r.preroll_ns > kMaxPrerollNs)
        bad("preroll is longer than 1 h (an event that began earlier says so with start)");
    } else if (key == "postroll") {
      r.postroll_ns = duration_field(v, key);
    } else if (key == "duration") {
      r.duration_ns = duration_field(v, key);
      if (r.duration_ns && *r.duration_ns <= 0) bad("duration must be more than 0 (leave it out: until ended)");
    } else if (key == "start") {
      if (v.is_null()) continue;
      if (!v.is_string()) bad("start must be an RFC 3339 time or a relative one (\"-15s\")");
      try {
        r.start_wall_ns = units::parse_time_ns(v.get<std::string>(), now_wall_ns);
      } catch (const units::UnitsError& e) {
        bad(std::string("start: ") + e.what());
      }
    } else {
      bad("unknown field \"" + key + "\" (known: label, score, metadata, preroll, postroll, duration, start)");
    }
  }
  return r;
}

ListQuery parse_list_query(const Params& params, int64_t now_wall_ns) {
  ListQuery q;
  std::set<std::string> seen;
  for (const auto& [key, value] : params) {
    if (!seen.insert(key).second) bad("parameter " + key + " is given more than once");
    if (value.size() > kMaxQueryValueBytes)
      bad("parameter " + key + " is longer than " + std::to_string(kMaxQueryValueBytes) + " bytes");
    if (key == "camera") {
      if (!valid_camera_name(value)) bad("camera must match " + std::string(kCameraNamePattern));
      q.camera = value;
    } else if (key == "from" || key == "to") {
      int64_t t = 0;
      try {
        t = units::parse_time_ns(value, now_wall_ns);
      } catch (const units::UnitsError& e) {
        bad(key + ": " + e.what());
      }
      (key == "from" ? q.from_wall_ns : q.to_wall_ns) = t;
    } else if (key == "page") {
      q.page = integer_param(key, value, 1, kMaxPage);
    } else if (key == "per_page") {
      q.per_page = integer_param(key, value, 1, kMaxPerPage);
    } else {
      bad("unknown parameter \"" + key + "\" (known: camera, from, to, page, per_page)");
    }
  }
  if (q.from_wall_ns && q.to_wall_ns && *q.from_wall_ns >= *q.to_wall_ns) bad("from must be before to");
  return q;
}

void refuse_unknown(const Params& params, std::initializer_list<const char*> known) {
  for (const auto& [k, v] : params) {
    bool ok = false;
    for (const char* n : known) ok = ok || k == n;
    if (!ok) bad("unknown query parameter " + k);
    if (params.count(k) > 1) bad("repeated query parameter " + k);
    if (v.size() > kMaxQueryValueBytes) bad(k + " is too long");
  }
}

void refuse_query(const Params& params) {
  if (!params.empty()) bad("unknown parameter \"" + params.begin()->first + "\" (this route takes none)");
}

int64_t parse_row_id(const std::string& text, const char* what) {
  static const std::regex id_re("[1-9][0-9]{0,17}");
  if (!std::regex_match(text, id_re))
    bad(std::string("a") + (what[0] == 'e' ? "n " : " ") + what + " id is a positive integer of at most 18 digits, got \"" +
        text + "\"");
  return std::stoll(text);
}

int64_t parse_event_id(const std::string& text) { return parse_row_id(text, "event"); }

}  // namespace zc::service::http
