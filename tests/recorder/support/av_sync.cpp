#include "recorder/support/av_sync.h"

#include "recorder/support/media_check.h"

#include <zc/media/adts.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace zc::test {

namespace {

// ffprobe's "data" field: lines of "XXXXXXXX: " + 40 columns of hex groups + the ASCII column.
std::string bytes_of_hexdump(const std::string& dump) {
  std::string out;
  std::istringstream in(dump);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() <= 10) continue;
    std::string hex = line.substr(10, 40);
    hex.erase(std::remove(hex.begin(), hex.end(), ' '), hex.end());
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

double seconds_of(const nlohmann::json& packet, const std::string& field, double tb) {
  return static_cast<double>(packet[field].get<int64_t>()) * tb;
}

struct Packets {
  std::vector<double> video_pts;  // sorted: presentation order
  std::vector<std::pair<double, std::string>> audio;  // pts, raw AAC bytes
  double audio_frame_s = 0;
};

Packets packets_of(const std::filesystem::path& file) {
  const auto r = run_command({"ffprobe", "-v", "error", "-show_entries",
                              "stream=index,codec_type,time_base,sample_rate:packet=stream_index,pts,data",
                              "-show_data", "-of", "json", file.string()});
  Packets p;
  if (r.exit_code != 0) return p;
  const auto j = nlohmann::json::parse(r.out);
  int video = -1, audio = -1;
  double vtb = 0, atb = 0;
  for (const auto& s : j["streams"]) {
    const std::string tb = s["time_base"];
    const double t = std::stod(tb.substr(0, tb.find('/'))) / std::stod(tb.substr(tb.find('/') + 1));
    if (s["codec_type"] == "video" && video < 0) video = s["index"], vtb = t;
    if (s["codec_type"] == "audio" && audio < 0) {
      audio = s["index"], atb = t;
      p.audio_frame_s = 1024.0 / std::stod(s["sample_rate"].get<std::string>());
    }
  }
  for (const auto& k : j["packets"]) {
    if (!k.contains("pts")) continue;
    if (k["stream_index"] == video) p.video_pts.push_back(seconds_of(k, "pts", vtb));
    if (k["stream_index"] == audio) {
      std::string bytes = bytes_of_hexdump(k["data"]);
      const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
      if (auto h = media::adts::parse_header({b, bytes.size()})) bytes.erase(0, h->header_bytes);
      p.audio.emplace_back(seconds_of(k, "pts", atb), std::move(bytes));
    }
  }
  std::sort(p.video_pts.begin(), p.video_pts.end());
  return p;
}

}  // namespace

AvSync measure_av_sync(const std::filesystem::path& source, const std::filesystem::path& recording) {
  AvSync s;
  const Packets src = packets_of(source), rec = packets_of(recording);
  s.audio_frames = rec.audio.size();
  s.audio_frame_s = rec.audio_frame_s;
  const auto src_md5 = frame_md5s(source), rec_md5 = frame_md5s(recording);
  if (rec_md5.empty() || rec.video_pts.empty() || src_md5.size() != src.video_pts.size()) {
    s.detail = "cannot pair decoded pictures with packets (" + std::to_string(src_md5.size()) + " pictures, " +
               std::to_string(src.video_pts.size()) + " packets in the source)";
    return s;
  }
  const auto at = std::find(src_md5.begin(), src_md5.end(), rec_md5.front());
  if (at == src_md5.end()) {
    s.detail = "the recording's first picture is not in the source";
    return s;
  }
  s.source_video_index = at - src_md5.begin();
  const double src_origin = src.video_pts[static_cast<size_t>(s.source_video_index)];
  const double rec_origin = rec.video_pts.front();

  std::map<std::string, double> source_audio;
  for (const auto& [pts, bytes] : src.audio) source_audio.emplace(bytes, pts);  // a repeated frame keeps the first
  for (const auto& [pts, bytes] : rec.audio) {
    const auto it = source_audio.find(bytes);
    if (it == source_audio.end()) continue;
    ++s.matched;
    const double error = std::abs((pts - rec_origin) - (it->second - src_origin));
    if (error > s.worst_error_s) {
      s.worst_error_s = error;
      std::ostringstream why;
      why << "worst: recorded audio at " << pts - rec_origin << " s after the first picture, in the source "
          << it->second - src_origin << " s";
      s.detail = why.str();
    }
  }
  return s;
}

}  // namespace zc::test
