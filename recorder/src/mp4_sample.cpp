#include "mp4_sample.h"

#include <zc/media/ffmpeg_ptr.h>

extern "C" {
#include <libavutil/mem.h>
}

#include <cstdint>
#include <cstring>
#include <string_view>

namespace zc::recorder::mp4_sample {
namespace {

constexpr size_t kNoStartCode = SIZE_MAX;

// Index of the first byte after the next 00 00 01 at or after `from`, or kNoStartCode when there is none (a
// start code that ends the buffer is still one: its index is then `n`). memchr finds the 01 at vector speed;
// compressed data holds a 01 byte about once in 256, so few candidates need a look.
size_t next_start(const uint8_t* b, size_t n, size_t from) noexcept {
  size_t i = from + 2;
  while (i < n) {
    const auto* one = static_cast<const uint8_t*>(std::memchr(b + i, 1, n - i));
    if (one == nullptr) return kNoStartCode;
    i = static_cast<size_t>(one - b);
    if (b[i - 1] == 0 && b[i - 2] == 0) return i + 1;
    ++i;
  }
  return kNoStartCode;
}

bool starts_with_start_code(const std::vector<uint8_t>& b) noexcept {
  if (b.size() >= 3 && b[0] == 0 && b[1] == 0 && b[2] == 1) return true;
  return b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1;
}

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

struct DynBufFree {
  void operator()(uint8_t* p) const noexcept { av_free(p); }
};

}  // namespace

void from_annexb(std::span<const std::byte> annexb, std::vector<uint8_t>& out) {
  out.clear();
  const auto* b = reinterpret_cast<const uint8_t*>(annexb.data());
  const size_t n = annexb.size();
  size_t begin = next_start(b, n, 0);
  while (begin < n) {
    const size_t next = next_start(b, n, begin);
    size_t end = next == kNoStartCode ? n : next - 3;
    while (end > begin && b[end - 1] == 0) --end;
    if (end > begin) {
      append_be32(out, end - begin);
      out.insert(out.end(), b + begin, b + end);
    }
    begin = next;
  }
}

std::optional<std::vector<uint8_t>> decoder_config_record(const fifo::TrackInfo& video) {
  const bool h264 = video.codec == fifo::Codec::h264;
  if (!h264 && video.codec != fifo::Codec::h265) return std::nullopt;
  // A configuration already in avcC/hvcC form (a C API writer may publish one) means length-prefixed frames,
  // which this conversion would mangle: leave those to libavformat as before.
  if (!starts_with_start_code(video.config)) return std::nullopt;

  AVFormatContext* raw = nullptr;
  if (avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr) < 0 || raw == nullptr) return std::nullopt;
  media::OutputFormatPtr fmt(raw);
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (avio_open_dyn_buf(&raw->pb) < 0) return std::nullopt;
  // The dynamic buffer must be closed through avio_close_dyn_buf(), never by the context's deleter.
  auto take_bytes = [&] {
    uint8_t* bytes = nullptr;
    const int size = avio_close_dyn_buf(raw->pb, &bytes);
    raw->pb = nullptr;
    return std::pair{std::unique_ptr<uint8_t, DynBufFree>(bytes), size};
  };

  AVStream* st = avformat_new_stream(raw, nullptr);
  if (st == nullptr) {
    take_bytes();
    return std::nullopt;
  }
  auto* par = st->codecpar;
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->codec_id = h264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC;
  par->width = static_cast<int>(video.width);
  par->height = static_cast<int>(video.height);
  if (!h264) par->codec_tag = MKTAG('h', 'v', 'c', '1');  // as SegmentWriter tags it: the record depends on it
  par->extradata = static_cast<uint8_t*>(av_mallocz(video.config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (par->extradata == nullptr) {
    take_bytes();
    return std::nullopt;
  }
  std::memcpy(par->extradata, video.config.data(), video.config.size());
  par->extradata_size = static_cast<int>(video.config.size());
  st->time_base = {video.time_base.num, video.time_base.den};

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

}  // namespace zc::recorder::mp4_sample
