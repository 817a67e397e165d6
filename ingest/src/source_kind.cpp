#include <zc/ingest/source_kind.h>

#include <sys/stat.h>

#include <cctype>

namespace zc::ingest {

namespace {

// The scheme of SCHEME://..., lower-cased, or empty when `source` does not start with one.
std::string scheme_of(std::string_view source) {
  const size_t sep = source.find("://");
  if (sep == std::string_view::npos || sep == 0) return {};
  std::string scheme;
  for (size_t i = 0; i < sep; ++i) {
    const auto c = static_cast<unsigned char>(source[i]);
    const bool ok = std::isalpha(c) || (i > 0 && (std::isdigit(c) || c == '+' || c == '-' || c == '.'));
    if (!ok) return {};  // "./dir/a://b" is a path
    scheme += static_cast<char>(std::tolower(c));
  }
  return scheme;
}

}  // namespace

SourceChoice classify_source(std::string_view source) {
  SourceChoice c;
  if (source == "testsrc") {
    c.kind = SourceKind::synthetic_camera;
    return c;
  }
  if (std::string scheme = scheme_of(source); !scheme.empty()) {
    // file://PATH is a file: libavformat's file protocol opens it.
    c.kind = scheme == "file" ? SourceKind::file : SourceKind::network_camera;
    c.scheme = std::move(scheme);
    return c;
  }
  struct stat st {};
  if (source == "-" || (::stat(std::string(source).c_str(), &st) == 0 &&
                        (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode)))) {
    c.kind = SourceKind::live_path;
  }
  return c;
}

std::string_view to_string(SourceKind kind) noexcept {
  switch (kind) {
    case SourceKind::network_camera: return "network_camera";
    case SourceKind::synthetic_camera: return "synthetic_camera";
    case SourceKind::live_path: return "live_path";
    case SourceKind::file: return "file";
  }
  return "file";
}

}  // namespace zc::ingest
