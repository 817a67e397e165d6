// The C API is a thin shell over RingWriter/RingReader: exceptions stop here and become codes + messages.
#include <zcrec/fifo.h>

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <cstring>
#include <optional>
#include <string>

using namespace zc::fifo;

struct zc_writer {
  RingWriter writer;
  std::optional<FrameBuilder> building;
  std::string last_error;
};

struct zc_reader {
  RingReader reader;
  Frame pending;  // a frame that did not fit the caller's buffer
  bool has_pending = false;
  std::string last_error;
};

namespace {

int code_of(FifoErrc e) {
  switch (e) {
    case FifoErrc::invalid_name: return ZC_ENAME;
    case FifoErrc::invalid_argument: return ZC_EINVAL;
    case FifoErrc::not_found: return ZC_ENOENT;
    case FifoErrc::writer_busy: return ZC_EBUSY;
    case FifoErrc::foreign_object: return ZC_EFOREIGN;
    case FifoErrc::wrong_owner: return ZC_EOWNER;
    case FifoErrc::corrupt_object: return ZC_ECORRUPT;
    case FifoErrc::wrong_kind: return ZC_EKIND;
    case FifoErrc::too_many_readers: return ZC_EREADERS;
    case FifoErrc::frame_too_large: return ZC_ETOOBIG;
    case FifoErrc::timeout: return ZC_ETIMEOUT;
    case FifoErrc::peer_gone: return ZC_EPEER;
    case FifoErrc::no_space: return ZC_ENOSPC;
    case FifoErrc::system: return ZC_ESYSTEM;
  }
  return ZC_ESYSTEM;
}

template <typename Handle, typename Fn>
int guarded(Handle* h, Fn&& fn) {
  try {
    return fn();
  } catch (const FifoError& e) {
    if (h) h->last_error = e.what();
    return code_of(e.code());
  } catch (const std::exception& e) {
    if (h) h->last_error = e.what();
    return ZC_ESYSTEM;
  }
}

FrameMeta to_meta(const zc_frame_meta& m) {
  FrameMeta out;
  out.track = m.track;
  out.flags = m.flags;
  out.pts = m.pts;
  out.dts = m.dts;
  out.wall_ns = m.wall_ns;
  out.mono_ns = m.mono_ns;
  return out;
}

}  // namespace

extern "C" {

const char* zc_strerror(int code) {
  switch (code) {
    case ZC_OK: return "success";
    case ZC_EINVAL: return to_string(FifoErrc::invalid_argument);
    case ZC_ENAME: return to_string(FifoErrc::invalid_name);
    case ZC_ENOENT: return to_string(FifoErrc::not_found);
    case ZC_EBUSY: return to_string(FifoErrc::writer_busy);
    case ZC_EFOREIGN: return to_string(FifoErrc::foreign_object);
    case ZC_EOWNER: return to_string(FifoErrc::wrong_owner);
    case ZC_ECORRUPT: return to_string(FifoErrc::corrupt_object);
    case ZC_EKIND: return to_string(FifoErrc::wrong_kind);
    case ZC_EREADERS: return to_string(FifoErrc::too_many_readers);
    case ZC_ETOOBIG: return to_string(FifoErrc::frame_too_large);
    case ZC_ETIMEOUT: return to_string(FifoErrc::timeout);
    case ZC_EPEER: return to_string(FifoErrc::peer_gone);
    case ZC_ENOSPC: return to_string(FifoErrc::no_space);
    case ZC_ESYSTEM: return to_string(FifoErrc::system);
    case ZC_ESMALLBUF: return "buffer too small";
  }
  return "unknown error";
}

int zc_writer_open(const char* stream, uint64_t ring_bytes, zc_writer** out) {
  if (stream == nullptr || out == nullptr) return ZC_EINVAL;
  *out = nullptr;
  return guarded<zc_writer>(nullptr, [&] {
    RingOptions opts;
    if (ring_bytes != 0) opts.data_bytes = ring_bytes;
    *out = new zc_writer{RingWriter::open(stream, opts), std::nullopt, {}};
    return ZC_OK;
  });
}

int zc_writer_set_tracks(zc_writer* w, const zc_track_info* tracks, uint32_t count) {
  if (w == nullptr || (tracks == nullptr && count != 0)) return ZC_EINVAL;
  return guarded(w, [&] {
    StreamInfo info;
    for (uint32_t i = 0; i < count; ++i) {
      const auto& t = tracks[i];
      TrackInfo ti;
      ti.track_id = t.track_id;
      ti.codec = static_cast<Codec>(t.codec);
      ti.kind = media_kind_of(ti.codec);
      ti.time_base = {t.time_base_num, t.time_base_den};
      ti.width = t.width;
      ti.height = t.height;
      ti.sample_rate = t.sample_rate;
      ti.channels = t.channels;
      if (t.config != nullptr) ti.config.assign(t.config, t.config + t.config_bytes);
      info.tracks.push_back(std::move(ti));
    }
    w->writer.set_stream_info(info);
    return ZC_OK;
  });
}

int zc_writer_begin_frame(zc_writer* w, const zc_frame_meta* meta, size_t total_bytes) {
  if (w == nullptr || meta == nullptr) return ZC_EINVAL;
  return guarded(w, [&] {
    w->building.reset();
    w->building.emplace(w->writer.begin_frame(to_meta(*meta), total_bytes));
    return ZC_OK;
  });
}

int zc_writer_append(zc_writer* w, const void* data, size_t bytes) {
  if (w == nullptr || (data == nullptr && bytes != 0)) return ZC_EINVAL;
  return guarded(w, [&] {
    if (!w->building) throw FifoError(FifoErrc::invalid_argument, "zc_writer_append without zc_writer_begin_frame");
    w->building->append(data, bytes);
    return ZC_OK;
  });
}

int zc_writer_commit(zc_writer* w) {
  if (w == nullptr) return ZC_EINVAL;
  return guarded(w, [&] {
    if (!w->building) throw FifoError(FifoErrc::invalid_argument, "zc_writer_commit without zc_writer_begin_frame");
    auto done = [&] { w->building.reset(); };
    try {
      w->building->commit();
    } catch (...) {
      done();
      throw;
    }
    done();
    return ZC_OK;
  });
}

int zc_writer_write(zc_writer* w, const zc_frame_meta* meta, const void* data, size_t bytes) {
  if (w == nullptr || meta == nullptr || (data == nullptr && bytes != 0)) return ZC_EINVAL;
  return guarded(w, [&] {
    w->writer.write(to_meta(*meta), data, bytes);
    return ZC_OK;
  });
}

int zc_writer_end_stream(zc_writer* w) {
  if (w == nullptr) return ZC_EINVAL;
  return guarded(w, [&] {
    w->writer.end_stream();
    return ZC_OK;
  });
}

int zc_writer_drop_frame(zc_writer* w, size_t bytes) {
  if (w == nullptr) return ZC_EINVAL;
  w->writer.drop_frame(bytes);
  return ZC_OK;
}

const char* zc_writer_last_error(const zc_writer* w) { return w ? w->last_error.c_str() : ""; }
void zc_writer_close(zc_writer* w) { delete w; }

int zc_reader_open(const char* stream, int start, int wait_ms, zc_reader** out) {
  if (stream == nullptr || out == nullptr || start < 0 || start > ZC_START_NEXT_FRAME) return ZC_EINVAL;
  *out = nullptr;
  return guarded<zc_reader>(nullptr, [&] {
    ReaderOptions opts;
    opts.start = static_cast<StartAt>(start);
    opts.wait_for_stream = std::chrono::milliseconds(wait_ms > 0 ? wait_ms : 0);
    *out = new zc_reader{RingReader::open(stream, opts), {}, false, {}};
    return ZC_OK;
  });
}

int zc_reader_read(zc_reader* r, zc_frame_header* header, void* buf, size_t cap, int timeout_ms) {
  if (r == nullptr || header == nullptr || (buf == nullptr && cap != 0)) return ZC_EINVAL;
  return guarded(r, [&] {
    if (!r->has_pending) {
      auto st = r->reader.read(r->pending, std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : 0));
      if (st == WaitStatus::timeout) return ZC_ETIMEOUT;
      if (st == WaitStatus::writer_gone) return ZC_EPEER;
      r->has_pending = true;
    }
    const auto& f = r->pending;
    header->meta.track = f.header.track;
    header->meta.flags = f.header.flags;
    header->meta.pts = f.header.pts;
    header->meta.dts = f.header.dts;
    header->meta.wall_ns = f.header.wall_ns;
    header->meta.mono_ns = f.header.mono_ns;
    header->seq = f.header.seq;
    header->size = f.header.size;
    header->lost_before = f.header.lost_before;
    if (f.payload.size() > cap) return ZC_ESMALLBUF;  // kept: the next call with a larger buffer gets it
    if (!f.payload.empty()) std::memcpy(buf, f.payload.data(), f.payload.size());
    r->has_pending = false;
    return ZC_OK;
  });
}

int zc_reader_wake_fd(const zc_reader* r) { return r ? r->reader.wake_fd() : -1; }
int zc_reader_arm(zc_reader* r) {
  if (r == nullptr) return ZC_EINVAL;
  return guarded(r, [&] { return r->has_pending || !r->reader.arm() ? 1 : 0; });
}
uint64_t zc_reader_frames_lost(const zc_reader* r) { return r ? r->reader.frames_lost() : 0; }
const char* zc_reader_last_error(const zc_reader* r) { return r ? r->last_error.c_str() : ""; }
void zc_reader_close(zc_reader* r) { delete r; }

}  // extern "C"
