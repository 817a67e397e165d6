// Crash recovery and consistency checks (docs/recording.md, "Recovery" and "Bounded startup"). Which rows are
// unfinished and whose recorder is dead comes from zc::catalog (unfinished.h); this file does what needs the
// media files: cutting a segment back to its last complete fragment and re-indexing it.
#include <zc/catalog/files.h>
#include <zc/catalog/retention.h>
#include <zc/catalog/unfinished.h>
#include <zc/media/ffmpeg_ptr.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recovery.h>

#include "mp4_layout.h"

extern "C" {
#include <libavutil/mathematics.h>
}

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <system_error>

namespace zc::recorder {

using catalog::Catalog;
using catalog::fsync_dir;
using catalog::KeyframeEntry;
using catalog::SegmentProgress;
using catalog::SegmentRow;
using catalog::UniqueFd;

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
  p.end_wall_ns = start_wall_ns + catalog::ticks90k_to_ns(p.duration_90k);
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

CheckReport recover_unfinished(Catalog& catalog) {
  CheckReport report;
  catalog::Liveness liveness(catalog.dir());
  const auto work = catalog::find_unfinished(catalog, liveness);
  for (const auto& s : work.deleting) {
    catalog::delete_segment(catalog, s);  // finish a delete a crash interrupted
    report.finished_deletes.push_back(s.path);
  }
  for (const auto& s : work.writing) {
    std::error_code ec;
    if (std::filesystem::exists(catalog.absolute_path(s), ec)) report.recovered.push_back(recover_segment(catalog, s));
    else report.missing_files.push_back(s.path);  // for `zcrec check --repair`
  }
  // A dead recording's files without rows come first: once it is closed, nothing marks them as crashed work.
  for (const auto& r : work.dead_recordings) {
    for (const auto& rel : catalog::uncatalogued_files(catalog, r)) {
      const auto path = catalog.dir() / rel;
      if (holds_no_frames(path)) {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        catalog::fsync_dir(path.parent_path());
        report.removed_empty_files.push_back(rel);
      } else {
        report.orphan_files.push_back(rel);
      }
    }
    catalog.finish_recording(r.id, "interrupted", "crashed", std::nullopt);
    report.interrupted_recordings.push_back(r.id);
  }
  return report;
}

std::vector<std::string> find_overlapping_segments(const std::vector<catalog::SegmentRow>& segments) {
  std::map<std::string, std::vector<const catalog::SegmentRow*>> by_stream;
  for (const auto& s : segments)
    if (s.state != "deleting") by_stream[s.stream_name].push_back(&s);
  std::vector<std::string> out;
  for (auto& [stream, segs] : by_stream) {
    std::sort(segs.begin(), segs.end(), [](const auto* a, const auto* b) {
      return a->start_wall_ns != b->start_wall_ns ? a->start_wall_ns < b->start_wall_ns : a->id < b->id;
    });
    const catalog::SegmentRow* reach = nullptr;  // the segment reaching furthest so far
    for (const auto* s : segs) {
      if (reach != nullptr && reach->end_wall_ns - s->start_wall_ns > kOverlapToleranceNs) {
        const int64_t overlap = std::min(reach->end_wall_ns, s->end_wall_ns) - s->start_wall_ns;
        char secs[32];
        std::snprintf(secs, sizeof secs, "%.3f", static_cast<double>(overlap) / 1e9);
        out.push_back(stream + ": " + reach->path + " and " + s->path + " overlap by " + secs + " s");
      }
      if (reach == nullptr || s->end_wall_ns > reach->end_wall_ns) reach = s;
    }
  }
  return out;
}

CheckReport check_storage(Catalog& catalog, bool repair) {
  CheckReport report = recover_unfinished(catalog);
  // Paths the first pass reported already: each is reported once.
  std::set<std::string> reported(report.missing_files.begin(), report.missing_files.end());
  reported.insert(report.orphan_files.begin(), report.orphan_files.end());
  catalog::Liveness liveness(catalog.dir());

  std::set<std::string> known_paths;
  for (const auto& s : catalog.all_segments()) {
    known_paths.insert(s.path);
    if (s.state == "deleting" || liveness.is_live(s.recording_id)) continue;
    const auto path = catalog.absolute_path(s);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      if (reported.count(s.path) == 0) report.missing_files.push_back(s.path);
      if (repair) {
        catalog.delete_segment_row(s.id);
        catalog.delete_recording_if_empty(s.recording_id);
      }
      continue;
    }
    if (s.state == "writing") continue;  // a live recorder's, or one that died since the first pass
    const Mp4Layout layout = scan_mp4(path);
    if (!layout.has_moov) {
      report.unreadable.push_back(s.path);
      if (repair) catalog::delete_segment(catalog, s);
    }
  }

  // Files nobody refers to. Besides a crash between creating a segment file and inserting its row (the first
  // pass handles those of dead recordings), anything copied or left in the directory.
  for (const auto& st : catalog.streams()) {
    const auto dir = catalog.dir() / st.name;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      const std::string rel = st.name + "/" + name;
      if (known_paths.count(rel) != 0) continue;
      int64_t recording_id = 0, ordinal = 0;
      if (catalog::parse_segment_name(name, recording_id, ordinal)) {
        if (liveness.is_live(recording_id)) continue;
        if (catalog.recording(recording_id) && holds_no_frames(entry.path())) {
          std::filesystem::remove(entry.path(), ec);
          fsync_dir(dir);
          report.removed_empty_files.push_back(rel);
          continue;
        }
      }
      if (reported.count(rel) == 0) report.orphan_files.push_back(rel);
      if (repair) {
        std::filesystem::remove(entry.path(), ec);
        fsync_dir(dir);
      }
    }
  }
  report.overlapping = find_overlapping_segments(catalog.all_segments());
  report.repaired = repair;
  return report;
}

}  // namespace zc::recorder
