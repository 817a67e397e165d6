#include <zc/catalog/unfinished.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <system_error>

namespace zc::catalog {

Liveness::Liveness(const std::filesystem::path& dir) : fd_(open_lock_file(dir / "recorders.lock")) {}

bool Liveness::is_live(int64_t recording_id) {
  const auto it = known_.find(recording_id);
  if (it != known_.end()) return it->second;
  const bool live = is_byte_locked(fd_.get(), recording_id);
  known_.emplace(recording_id, live);
  return live;
}

UnfinishedWork find_unfinished(const Catalog& catalog, Liveness& liveness) {
  UnfinishedWork work;
  for (auto& s : catalog.unfinished_segments()) {
    if (s.state == "deleting") work.deleting.push_back(std::move(s));
    else if (!liveness.is_live(s.recording_id)) work.writing.push_back(std::move(s));
  }
  for (auto& r : catalog.unfinished_recordings()) {
    if (!liveness.is_live(r.id)) work.dead_recordings.push_back(std::move(r));
  }
  return work;
}

namespace {
bool parse_number(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}
}  // namespace

bool parse_segment_name(const std::string& file_name, int64_t& recording_id, int64_t& ordinal) {
  const std::string_view name(file_name);
  constexpr std::string_view kExt = ".mp4";
  if (name.size() <= kExt.size() || !name.ends_with(kExt)) return false;
  const auto stem = name.substr(0, name.size() - kExt.size());
  const auto dash = stem.find('-');
  if (dash == std::string_view::npos) return false;
  return parse_number(stem.substr(0, dash), recording_id) && parse_number(stem.substr(dash + 1), ordinal);
}

std::vector<std::string> uncatalogued_files(const Catalog& catalog, const RecordingRow& recording) {
  std::set<std::string> known;
  for (const auto& s : catalog.segments_of_recording(recording.id)) known.insert(s.path);
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(catalog.dir() / recording.stream_name, ec)) {
    const std::string name = entry.path().filename().string();
    int64_t id = 0, ordinal = 0;
    if (!parse_segment_name(name, id, ordinal) || id != recording.id) continue;
    std::string rel = recording.stream_name + "/" + name;
    if (known.count(rel) == 0) found.emplace_back(ordinal, std::move(rel));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& f : found) paths.push_back(std::move(f.second));
  return paths;
}

}  // namespace zc::catalog
