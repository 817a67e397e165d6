// The shared-memory format of a zcrec ring, byte by byte. This file is the single source of truth for it;
// docs/shm-format.md explains it in prose. Everything here lives in a POSIX shared-memory object
// "/zcrec.NAME" and is read by processes that do not trust each other's liveness or sanity.
//
// Object layout (all offsets from the start of the object, every region 4096-aligned):
//
//   [0, 4096)                    Header: geometry (immutable once published), writer state, playback control
//   [readers_offset, +64*N)      ReaderSlot[N]: one cache line per reader
//   [index_offset, +64*E)        KeyframeSlot[E]: ring of the newest E keyframes, E a power of two
//   [info_offset, +S*kInfoSlots) InfoSlot[kInfoSlots]: stream-info versions, slot = generation % kInfoSlots
//   [data_offset, +D)            data ring, D a power of two: records of 64-byte RecordHeader + payload
//
// Positions (write_pos, tail_pos, record.pos, reader positions) are 64-bit byte counts that only grow; the byte
// at position p lives at data_offset + (p & (D-1)). They never reset, not even across writer takeover.
//
// Concurrency protocol (one writer, many readers, readers take no lock and write nothing the writer reads,
// except their own slot):
//  * A record is published by storing write_pos = end of record (release). Readers load write_pos (acquire).
//  * Before the writer overwrites any byte, it advances tail_pos past every record that the new bytes cover
//    (relaxed store followed by a release fence). A reader copies a record, then issues an acquire fence and
//    reloads tail_pos: if tail_pos > record.pos the copy may be torn and is discarded (seqlock principle; the
//    generation counter is tail_pos itself). Hence a lapped reader never delivers a torn frame, even if the
//    writer overtakes it during the copy.
//  * Keyframe index entries use the same scheme with index_claim (advanced before an entry is written) and
//    index_head (advanced after): an entry i read by a reader is valid iff, after the read, index_claim <= i + E.
//  * Stream-info slots carry gen_begin (stored before the content) and gen_end (stored after): a copy is valid
//    iff gen_end == g before and gen_begin == g after.
//  * Liveness is never inferred from fields: the writer holds an open-file-description (OFD) write lock on byte
//    0 of the object, reader slot i holds one on byte 1 + i. The kernel drops them when the process dies. A
//    writer that gets the lock re-checks that the name still refers to the object it locked (a competing writer
//    may have just unlinked it to recreate it) and only then reads the object's size.
//  * Takeover: the new writer recomputes next_seq and last_frame_pos from the newest record in the chain (both
//    are stored before write_pos publishes a frame) and indexes a published keyframe the index does not have.
//  * Dropped frames: a frame the writer cannot or will not store (larger than a quarter of the data area) is
//    counted in the header (frames_dropped, oversized_frames) and the next frame it commits carries the
//    discontinuity flag, so readers know something is missing and any process can see how much.
//  * Source status: the writer may describe what it is fed from (address, connection state, network losses) in
//    the SourceBlock at offset 1024 of the header page, a seqlock of its own (see SourceBlock below).
//  * Wakeups: each reader owns a FIFO "/dev/shm/zcrec.NAME.wake.<slot>". A reader about to sleep sets
//    waiting = 1 and re-checks write_pos (both behind a seq_cst fence); the writer, after publishing, issues a
//    seq_cst fence, and for every slot whose waiting flag it can exchange from 1 to 0 writes one byte into that
//    reader's FIFO. Each reader drains only its own FIFO, so no reader can steal another's wakeup.
//  * Wakeup policy (version 3): a reader says in its slot's wake_on which frames are worth waking it for. The
//    writer, which reads that slot's `waiting` anyway, also reads wake_on in the same cache line and leaves a
//    keyframe-only sleeper asleep (its waiting flag still set) for any frame but an indexed keyframe or an
//    end-of-stream mark. The reader bounds its own sleep (at most kMaxWakeDelayMs), so a frame is never left
//    unseen longer than that; the writer's work per frame and per slot is unchanged (no loop, no wait).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace zc::fifo::layout {

inline constexpr uint64_t kMagic = 0x314752434552435AULL;  // "ZCRECRG1" little-endian
inline constexpr uint32_t kLayoutVersion = 3;  // 3: ReaderSlot::wake_on; 2: frames_dropped, oversized_frames, SourceBlock
// Version 2 objects are still read and written: version 3 only gave a meaning to a slot field that version 2
// kept zero, and zero is "wake at every frame", what a version 2 writer does for everyone.
inline constexpr uint32_t kOldestCompatibleVersion = 2;
inline constexpr uint64_t kHeaderBytes = 4096;
inline constexpr uint64_t kRegionAlign = 4096;
inline constexpr uint64_t kRecordAlign = 64;
inline constexpr uint32_t kMaxTracks = 8;
inline constexpr uint32_t kMaxConfigBytes = 4032;  // codec configuration bytes per track
inline constexpr uint32_t kInfoSlots = 8;
inline constexpr uint32_t kMaxReaderSlots = 64;
inline constexpr uint64_t kMinDataBytes = 64 * 1024;
inline constexpr uint64_t kMaxDataBytes = 1ULL << 36;  // 64 GiB; positions still never wrap in practice
inline constexpr uint32_t kMinIndexEntries = 64;
inline constexpr uint32_t kMaxIndexEntries = 1U << 20;

enum class Kind : uint32_t { live_ring = 1, playback_fifo = 2 };

// Record flags stored in RecordHeader::flags. The low byte mirrors zc::fifo::FrameFlag.
inline constexpr uint16_t kRecordPadding = 0x8000;  // filler up to the end of the data area; not a frame
inline constexpr uint16_t kRecordIndexed = 0x4000;  // a keyframe the writer entered into the keyframe index
inline constexpr uint16_t kFrameFlagsMask = 0x00FF;

struct RecordHeader {  // at every record start, 64-byte aligned
  uint32_t record_bytes;     // 0: header + payload + padding, multiple of 64
  uint32_t payload_bytes;    // 4
  uint64_t pos;              // 8: this record's own position (lets a reader reject a stale or foreign header)
  uint64_t seq;              // 16: frame sequence number, +1 per frame across all tracks
  int64_t pts;               // 24: in the track's time base
  int64_t dts;               // 32
  int64_t wall_ns;           // 40: CLOCK_REALTIME at capture
  int64_t mono_ns;           // 48: CLOCK_MONOTONIC at capture
  uint16_t track;            // 56
  uint16_t flags;            // 58
  uint32_t info_generation;  // 60: low 32 bits of the stream-info generation in force for this frame
};
static_assert(sizeof(RecordHeader) == 64);

struct KeyframeSlot {  // 64 bytes, all fields written by the writer only
  std::atomic<uint64_t> pos;
  std::atomic<uint64_t> seq;
  std::atomic<int64_t> mono_ns;
  std::atomic<int64_t> wall_ns;
  std::atomic<int64_t> pts;
  std::atomic<uint32_t> track;
  std::atomic<uint32_t> info_generation;
  uint64_t reserved[2];
};
static_assert(sizeof(KeyframeSlot) == 64);

struct TrackRecord {  // one track of a stream-info version
  uint32_t track_id;
  uint32_t media_kind;  // zc::fifo::MediaKind
  uint32_t codec;       // zc::fifo::Codec
  int32_t time_base_num;
  int32_t time_base_den;
  uint32_t width;
  uint32_t height;
  uint32_t sample_rate;
  uint32_t channels;
  uint32_t bits_per_sample;
  uint32_t config_bytes;
  uint32_t reserved[5];
  uint8_t config[kMaxConfigBytes];
};
static_assert(sizeof(TrackRecord) == 4096);

struct InfoSlot {
  std::atomic<uint64_t> gen_begin;  // stored (then release fence) before the content is written
  std::atomic<uint64_t> gen_end;    // stored (release) after the content is written
  uint32_t track_count;
  uint32_t reserved[11];
  TrackRecord tracks[kMaxTracks];
};
static_assert(sizeof(InfoSlot) == 64 + kMaxTracks * 4096);

struct alignas(64) ReaderSlot {
  std::atomic<uint32_t> epoch;    // bumped by each new owner; the writer reopens the wake FIFO when it changes
  std::atomic<uint32_t> waiting;  // 1 while the reader is (about to be) asleep on its wake FIFO
  std::atomic<uint32_t> pid;      // informational only; liveness is the OFD lock on byte 1 + slot
  std::atomic<uint32_t> wake_on;  // WakeOn: which frames ring this reader's doorbell (0: every frame)
  std::atomic<uint64_t> read_pos;       // next position the reader will read
  std::atomic<uint64_t> frames_read;    // delivered frames
  std::atomic<uint64_t> frames_lost;    // frames overwritten before this reader could copy them
  std::atomic<uint64_t> attach_mono_ns;
  uint64_t reserved[2];
};
static_assert(sizeof(ReaderSlot) == 64);
static_assert(offsetof(ReaderSlot, wake_on) == 12);

// ReaderSlot::wake_on. Anything the writer does not know is treated as every_frame (more wakeups, never fewer).
enum class WakeOn : uint32_t {
  every_frame = 0,  // each committed frame (live view; also every version 2 reader)
  keyframe = 1,     // indexed keyframes and end-of-stream marks only; the reader bounds its sleep itself
};
// The longest a keyframe-only reader may sleep with frames waiting: its own bound, documented here because
// it is what the ring promises a keyframe reader's owner (docs/concurrency.md, "Wakeup policy").
inline constexpr uint32_t kMaxWakeDelayMs = 250;

// Playback-fifo control channel (kind == playback_fifo): written by the reader, acknowledged by the writer.
struct alignas(64) ControlBlock {
  std::atomic<uint64_t> request_generation;  // bumped by the reader after writing the request fields
  std::atomic<uint32_t> command;             // playback ControlCommand
  std::atomic<uint32_t> reserved0;
  std::atomic<int64_t> arg_i64;              // seek target (ns) or speed (x1e6)
  std::atomic<uint64_t> ack_generation;      // set by the writer once applied; frames after it carry it
  std::atomic<uint32_t> writer_waiting;      // 1 while the writer sleeps because the fifo is full
  std::atomic<uint32_t> end_of_stream;       // 1 once the writer has written its last frame
  std::atomic<uint64_t> ack_seq;             // seq of the first frame written under ack_generation
  uint64_t reserved;
};
static_assert(sizeof(ControlBlock) == 64);

struct Header {
  // --- geometry: written once before `magic` is published (release); immutable afterwards ---
  std::atomic<uint64_t> magic;      // 0: kMagic, stored last on creation
  uint32_t layout_version;          // 8
  uint32_t kind;                    // 12: Kind
  uint64_t object_bytes;            // 16: must equal the real size of the object
  uint64_t data_offset;             // 24
  uint64_t data_bytes;              // 32: power of two
  uint64_t index_offset;            // 40
  uint32_t index_entries;           // 48: power of two
  uint32_t reader_slots;            // 52: <= kMaxReaderSlots
  uint64_t info_offset;             // 56
  uint64_t readers_offset;          // 64
  int64_t created_wall_ns;          // 72
  uint32_t creator_uid;             // 80
  uint32_t reserved_geometry[11];   // 84 .. 128

  // --- writer state (only the writer stores) ---
  alignas(64) std::atomic<uint64_t> write_pos;  // 128: end of the last committed record
  std::atomic<uint64_t> tail_pos;               // 136: oldest intact record
  std::atomic<uint64_t> next_seq;               // 144
  std::atomic<uint64_t> index_claim;            // 152
  std::atomic<uint64_t> index_head;             // 160
  std::atomic<uint64_t> info_generation;        // 168: current stream-info generation (0 = none yet)
  std::atomic<uint32_t> writer_pid;             // 176: informational; liveness is the OFD lock on byte 0
  std::atomic<uint32_t> takeover_count;         // 180: writers that found the previous one dead
  std::atomic<uint64_t> frames_written;         // 184
  std::atomic<uint64_t> payload_bytes_written;  // 192
  std::atomic<int64_t> writer_start_mono_ns;    // 200
  std::atomic<uint64_t> writer_sessions;        // 208: writers that ever attached
  std::atomic<uint64_t> last_frame_pos;         // 216: position of the newest committed frame record
  std::atomic<uint64_t> frames_dropped;         // 224: frames the writers dropped instead of storing them
  std::atomic<uint64_t> oversized_frames;       // 232: of those, frames larger than the per-frame limit
  uint64_t reserved_writer[2];                  // 240 .. 256

  // --- playback fifo control ---
  ControlBlock control;  // 256 .. 320
};
static_assert(sizeof(Header) <= kHeaderBytes);
static_assert(offsetof(Header, write_pos) == 128);
static_assert(offsetof(Header, frames_dropped) == 224);
static_assert(offsetof(Header, control) == 256);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

// What the ring is fed from (zc/fifo/source_status.h), at kSourceBlockOffset in the header page. Only the writer
// stores, as a seqlock: `sequence` is made odd, the fields are written, then it is made even again (release).
// A reader copies the block and keeps the copy only if `sequence` was even and unchanged around it; text is
// NUL-terminated within its field whatever a writer left there.
struct SourceFields {  // copied in and out whole, so a torn copy is caught by the sequence check
  uint32_t state;  // SourceState
  uint32_t clock;  // ClockSource
  uint64_t connections;
  uint64_t reconnects;
  uint64_t packets_lost;
  uint64_t frames_dropped;
  uint64_t timestamp_jumps;
  int64_t next_attempt_wall_ns;
  int64_t updated_wall_ns;
  uint64_t failed_attempts;  // 0 from writers older than the field
  uint64_t reserved[6];
  char url[256];
  char last_error[256];
};
struct alignas(64) SourceBlock {
  std::atomic<uint64_t> sequence;  // 0: never published
  SourceFields fields;             // at +8
};
static_assert(sizeof(SourceBlock) == 640 && offsetof(SourceBlock, fields) == 8);
inline constexpr uint64_t kSourceBlockOffset = 1024;
static_assert(kSourceBlockOffset >= sizeof(Header) && kSourceBlockOffset + sizeof(SourceBlock) <= kHeaderBytes);

// Byte offsets of the OFD locks that stand for liveness.
inline constexpr off_t kWriterLockByte = 0;
inline constexpr off_t reader_lock_byte(uint32_t slot) { return 1 + static_cast<off_t>(slot); }

inline constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
inline constexpr bool is_pow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

struct Geometry {
  uint64_t readers_offset, index_offset, info_offset, data_offset, object_bytes;
};

inline constexpr Geometry compute_geometry(uint64_t data_bytes, uint32_t index_entries, uint32_t reader_slots) {
  Geometry g{};
  g.readers_offset = kHeaderBytes;
  g.index_offset = align_up(g.readers_offset + uint64_t{reader_slots} * sizeof(ReaderSlot), kRegionAlign);
  g.info_offset = align_up(g.index_offset + uint64_t{index_entries} * sizeof(KeyframeSlot), kRegionAlign);
  g.data_offset = align_up(g.info_offset + uint64_t{kInfoSlots} * sizeof(InfoSlot), kRegionAlign);
  g.object_bytes = g.data_offset + data_bytes;
  return g;
}

}  // namespace zc::fifo::layout
