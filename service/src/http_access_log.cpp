#include "http_access_log.h"

namespace zc::service::http {

std::string access_log_line(const httplib::Request& req) {
  std::string line = "http: " + req.remote_addr + " " + req.method + " " + (req.target.empty() ? req.path : req.target);
  // Only the range: headers carry the token (Authorization, Cookie), which never goes into a log.
  if (req.has_header("Range")) line += " range=" + req.get_header_value("Range");
  return line;
}

}  // namespace zc::service::http
