// Crash recovery and consistency checks (docs/recording.md, "Recovery"). Liveness of a recording is the OFD
// lock its recorder holds on byte <recording id> of DIR/recorders.lock: the kernel drops it when the process
// dies, so a recording whose byte is unlocked while its row says 'recording' belongs to a dead recorder.
#include <zc/media/ffmpeg_ptr.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recovery.h>
#include <zc/recorder/retention.h>

#include "file_util.h"
#include "mp4_layout.h"

extern "C" {
#include <libavutil/mathematics.h>
}

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <regex>
#include <set>

namespace zc::recorder {

SegmentProgress index_segment_file(const std::filesystem::path& path, int64_t start_wall_ns) {
  const Mp4Layout layout = scan_mp4(path);
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (rc < 0) throw RecorderError(RecorderErrc::media, media::av_error_text("cannot open " + path.string(), rc));
  media::InputFormatPtr in(raw);
  // No avformat_find_stream_info(): the moov describes the tracks, and nothing here decodes.
  const int video = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  SegmentProgress p;
  p.size_bytes = layout.valid_end;
  if (video < 0) return p;
  const AVRational tb = raw->streams[video]->time_base;
  auto pkt = media::make_packet();
  std::optional<int64_t> first_pts, first_dts;
  int64_t last_dts = 0, last_duration = 0;
  while (av_read_frame(raw, pkt.get()) >= 0) {
    if (pkt->stream_index != video) {
      if (raw->streams[pkt->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) ++p.audio_frames;
      av_packet_unref(pkt.get());
      continue;
    }
    if (!first_pts) {
      first_pts = pkt->pts;
      first_dts = pkt->dts;
    }
    if ((pkt->flags & AV_PKT_FLAG_KEY) != 0) {
      KeyframeEntry k;
      k.sample_number = p.frames;
      k.media_offset_90k = av_rescale_q(pkt->pts - *first_pts, tb, AVRational{1, 90000});
      k.wall_ns = start_wall_ns + av_rescale_q(pkt->pts - *first_pts, tb, AVRational{1, 1'000'000'000});
      const Mp4Fragment* f = layout.fragment_holding(pkt->pos);
      k.byte_offset = f != nullptr ? f->moof_offset : std::max<int64_t>(0, pkt->pos);
      p.new_keyframes.push_back(k);
      ++p.keyframes;
    }
    last_dts = pkt->dts;
    last_duration = pkt->duration;
    ++p.frames;
    av_packet_unref(pkt.get());
  }
  if (first_dts) p.duration_90k = av_rescale_q(last_dts - *first_dts + last_duration, tb, AVRational{1, 90000});
  p.end_wall_ns = start_wall_ns + ticks90k_to_ns(p.duration_90k);
  return p;
}

namespace {

// Cuts a segment file back to its last complete fragment and rewrites its row from the file's content.
RecoveredSegment recover_segment(Catalog& catalog, const SegmentRow& s) {
  const auto path = catalog.absolute_path(s);
  RecoveredSegment r;
  r.segment_id = s.id;
  r.path = s.path;
  const Mp4Layout layout = scan_mp4(path);
  r.bytes_before = layout.file_bytes;
  if (layout.valid_end < layout.file_bytes) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0 || ::ftruncate(fd.get(), layout.valid_end) != 0 || ::fsync(fd.get()) != 0) {
      throw_io_error("cannot truncate " + path.string(), errno);
    }
  }
  r.bytes_after = layout.valid_end;
  SegmentProgress p;
  if (layout.has_moov) p = index_segment_file(path, s.start_wall_ns);
  p.size_bytes = layout.valid_end;
  if (p.end_wall_ns < s.start_wall_ns) p.end_wall_ns = s.start_wall_ns;
  r.frames = p.frames;
  catalog.reindex_segment(s.id, p, "recovered", "recovered");
  return r;
}

// True for a file that is empty or is the start of one of our MP4 segments without a single complete fragment:
// what a recorder leaves when it dies after creating a segment file and before its first fragment. Anything
// else (other content, or frames) is for a human to look at, through `zcrec check` and `--repair`.
bool holds_no_frames(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return false;
  if (size == 0) return true;
  try {
    const Mp4Layout layout = scan_mp4(path);
    return layout.has_ftyp && layout.fragments.empty();
  } catch (const RecorderError&) {
    return false;
  }
}

}  // namespace

CheckReport check_storage(Catalog& catalog, bool repair) {
  CheckReport report;
  const auto lock_path = catalog.dir() / "recorders.lock";
  UniqueFd lock_fd = open_lock_file(lock_path);
  std::map<int64_t, bool> live;
  auto is_live = [&](int64_t recording_id) {
    auto it = live.find(recording_id);
    if (it != live.end()) return it->second;
    const bool l = is_byte_locked(lock_fd.get(), recording_id);
    live.emplace(recording_id, l);
    return l;
  };

  std::set<std::string> known_paths;
  for (const auto& s : catalog.all_segments()) {
    known_paths.insert(s.path);
    const auto path = catalog.absolute_path(s);
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (s.state == "deleting") {
      delete_segment(catalog, s);  // finish a delete a crash interrupted
      report.finished_deletes.push_back(s.path);
      continue;
    }
    if (is_live(s.recording_id)) continue;
    if (!exists) {
      report.missing_files.push_back(s.path);
      if (repair) {
        catalog.delete_segment_row(s.id);
        catalog.delete_recording_if_empty(s.recording_id);
      }
      continue;
    }
    if (s.state == "writing") {
      report.recovered.push_back(recover_segment(catalog, s));
      continue;
    }
    const Mp4Layout layout = scan_mp4(path);
    if (!layout.has_moov) {
      report.unreadable.push_back(s.path);
      if (repair) delete_segment(catalog, s);
    }
  }

  for (const auto& r : catalog.recordings()) {
    if (r.state != "recording" || is_live(r.id)) continue;
    catalog.finish_recording(r.id, "interrupted", "crashed", std::nullopt);
    report.interrupted_recordings.push_back(r.id);
  }

  // Files nobody refers to: a crash between creating a segment file and inserting its row leaves one.
  static const std::regex segment_name(R"((\d+)-(\d+)\.mp4)");
  for (const auto& st : catalog.streams()) {
    const auto dir = catalog.dir() / st.name;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      const std::string rel = st.name + "/" + name;
      if (known_paths.count(rel) != 0) continue;
      std::smatch m;
      if (std::regex_match(name, m, segment_name)) {
        const int64_t recording_id = std::stoll(m[1].str());
        if (is_live(recording_id)) continue;
        if (catalog.recording(recording_id) && holds_no_frames(entry.path())) {
          std::filesystem::remove(entry.path(), ec);
          fsync_dir(dir);
          report.removed_empty_files.push_back(rel);
          continue;
        }
      }
      report.orphan_files.push_back(rel);
      if (repair) {
        std::filesystem::remove(entry.path(), ec);
        fsync_dir(dir);
      }
    }
  }
  report.repaired = repair;
  return report;
}

}  // namespace zc::recorder
