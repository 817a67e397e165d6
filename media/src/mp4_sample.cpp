#include <zc/media/mp4_sample.h>

#include <zc/media/annexb_scan.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>
#include <zc/media/mp4_track.h>

extern "C" {
#include <libavutil/mem.h>
}

#include <cstdint>
#include <cstring>
#include <string_view>

namespace zc::media::mp4_sample {
namespace {

void append_be32(std::vector<uint8_t>& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

uint32_t read_be32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

// The payload of the first box of type `type` whose size fits in `file` and whose first byte is
// configurationVersion 1, or an empty span.
std::span<const uint8_t> find_record_box(std::span<const uint8_t> file, std::string_view type) {
  for (size_t i = 4; i + 4 < file.size(); ++i) {
    if (std::memcmp(file.data() + i, type.data(), 4) != 0) continue;
    const size_t box = read_be32(file.data() + i - 4);
    if (box < 9 || i - 4 + box > file.size()) continue;
    const auto payload = file.subspan(i + 4, box - 8);
    if (payload[0] == 1) return payload;
  }
  return {};
}

}  // namespace

void from_annexb(std::span<const std::byte> annexb, std::vector<uint8_t>& out) {
  out.clear();
  append_from_annexb(annexb, out);
}

void append_from_annexb(std::span<const std::byte> annexb, std::vector<uint8_t>& out) {
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(annexb.data()), annexb.size());
  annexb::for_each_nal(bytes, [&](std::span<const uint8_t> nal) {
    append_be32(out, nal.size());
    out.insert(out.end(), nal.begin(), nal.end());
  });
}

std::optional<std::vector<uint8_t>> decoder_config_record(const fifo::TrackInfo& video) {
  const bool h264 = video.codec == fifo::Codec::h264;
  if (!h264 && video.codec != fifo::Codec::h265) return std::nullopt;
  // A configuration already in avcC/hvcC form (a C API writer may publish one) means length-prefixed frames,
  // which this conversion would mangle: leave those to libavformat as before.
  if (!annexb::starts_with_start_code(video.config)) return std::nullopt;

  AVFormatContext* raw = nullptr;
  if (avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr) < 0 || raw == nullptr) return std::nullopt;
  OutputFormatPtr fmt(raw);
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (avio_open_dyn_buf(&raw->pb) < 0) return std::nullopt;
  // The dynamic buffer must be closed through avio_close_dyn_buf(), never by the context's deleter.
  auto take_bytes = [&] {
    uint8_t* bytes = nullptr;
    const int size = avio_close_dyn_buf(raw->pb, &bytes);
    raw->pb = nullptr;
    return std::pair{AvBytesPtr(bytes), size};
  };
  // The sample entry the segment writer's muxer will write, from the same setup (the record depends on it:
  // H.265 is tagged hvc1).
  try {
    add_mp4_track(*raw, video, {.time_base = {video.time_base.num, video.time_base.den}});
  } catch (const MediaError&) {
    take_bytes();
    return std::nullopt;
  }

  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
  const int rc = avformat_write_header(raw, &opts);
  av_dict_free(&opts);
  const auto [bytes, size] = take_bytes();
  if (rc < 0 || bytes == nullptr || size <= 0) return std::nullopt;
  const auto record = find_record_box({bytes.get(), static_cast<size_t>(size)}, h264 ? "avcC" : "hvcC");
  if (record.empty()) return std::nullopt;
  return std::vector<uint8_t>(record.begin(), record.end());
}

}  // namespace zc::media::mp4_sample
