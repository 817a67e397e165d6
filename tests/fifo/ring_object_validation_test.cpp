// Whatever sits under a stream's name — garbage, a truncated or stale ring, a smaller object whose header claims a
// bigger size (the original shmfifo SIGSEGV), another user's object — gets a clear FifoError, or is recreated by
// the writer when it is ours and no writer lives. Never a crash: risky opens run in a forked child.
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "layout.h"
#include "support/frame_pattern.h"
#include "support/test_support.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <functional>
#include <random>

using namespace zc::fifo;
using zc::test::ScopedStream;

namespace {

std::string shm_name(const std::string& stream) { return "/zcrec." + stream; }

// Creates the object with exactly `bytes` of content and a size of `size` bytes.
void plant_object(const std::string& stream, const std::vector<std::byte>& bytes, off_t size, uid_t owner = 0) {
  const int fd = ::shm_open(shm_name(stream).c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, size), 0);
  if (!bytes.empty()) {
    ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  if (owner != 0) {
    ASSERT_EQ(::fchown(fd, owner, owner), 0);
  }
  ::close(fd);
}

std::vector<std::byte> read_object(const std::string& stream) {
  const int fd = ::shm_open(shm_name(stream).c_str(), O_RDONLY, 0);
  if (fd < 0) return {};
  struct stat st {};
  ::fstat(fd, &st);
  std::vector<std::byte> out(static_cast<size_t>(st.st_size));
  if (!out.empty()) (void)::pread(fd, out.data(), out.size(), 0);
  ::close(fd);
  return out;
}

// A header that passes every check for a ring of 1 MiB, as a 4096-byte image.
std::vector<std::byte> valid_looking_header(uint64_t data_bytes = 1 << 20) {
  std::vector<std::byte> img(layout::kHeaderBytes);
  auto* h = reinterpret_cast<layout::Header*>(img.data());
  const auto g = layout::compute_geometry(data_bytes, 1024, 32);
  h->layout_version = layout::kLayoutVersion;
  h->kind = static_cast<uint32_t>(layout::Kind::live_ring);
  h->object_bytes = g.object_bytes;
  h->data_offset = g.data_offset;
  h->data_bytes = data_bytes;
  h->index_offset = g.index_offset;
  h->index_entries = 1024;
  h->reader_slots = 32;
  h->info_offset = g.info_offset;
  h->readers_offset = g.readers_offset;
  h->write_pos.store(data_bytes + 4096);
  h->tail_pos.store(data_bytes);
  h->next_seq.store(77);
  h->magic.store(layout::kMagic);
  return img;
}

FifoErrc writer_error(const std::string& stream) {
  try {
    RingWriter::open(stream);
  } catch (const FifoError& e) {
    return e.code();
  }
  ADD_FAILURE() << "writer opened " << stream;
  return FifoErrc::system;
}

FifoErrc reader_error(const std::string& stream) {
  try {
    RingReader::open(stream);
  } catch (const FifoError& e) {
    return e.code();
  }
  ADD_FAILURE() << "reader opened " << stream;
  return FifoErrc::system;
}

// The writer replaced the bad object: it can write, and a reader reads back exactly what was written.
void expect_writer_recreates_and_works(const std::string& stream) {
  RingOptions o;
  o.data_bytes = 256 * 1024;
  auto w = RingWriter::open(stream, o);
  EXPECT_FALSE(w.took_over());
  w.set_stream_info(zc::test::video_stream_info());
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  auto r = RingReader::open(stream, ro);
  std::vector<std::byte> buf;
  for (uint64_t seq = 1; seq <= 500; ++seq) {  // laps the ring several times
    buf.resize(zc::test::pattern_size(seq, 100, 3000));
    zc::test::fill_pattern(seq, buf);
    FrameMeta m;
    m.flags = seq % 10 == 1 ? frame_flag::keyframe : 0;
    w.write(m, buf);
    Frame f;
    ASSERT_EQ(r.try_read(f), ReadStatus::frame);
    ASSERT_EQ(f.header.seq, seq);
    ASSERT_TRUE(zc::test::check_pattern(seq, {reinterpret_cast<const std::byte*>(f.payload.data()),
                                              f.payload.size()}));
  }
  EXPECT_EQ(read_object(stream).size(), layout::compute_geometry(256 * 1024, 16384, 32).object_bytes);
}

// Runs `body` in a forked child and returns its wait status: a crash shows up as a signal, not as a dead test.
int in_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 99;
    try {
      rc = body();
    } catch (...) {
      rc = 98;
    }
    ::_exit(rc);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return st;
}

}  // namespace

TEST(RingObjectValidation, SmallerObjectWhoseHeaderClaimsABiggerRingIsNeverTrusted) {
  ScopedStream s("smaller");
  plant_object(s.name(), valid_looking_header(), 8192);  // header says 1 MiB of data, object has 8 KiB
  EXPECT_EQ(reader_error(s.name()), FifoErrc::corrupt_object);
  expect_writer_recreates_and_works(s.name());
}

TEST(RingObjectValidation, ObjectShorterThanItsHeaderIsCorruptForReadersAndRecreatedByTheWriter) {
  ScopedStream s("short");
  auto img = valid_looking_header();
  img.resize(100);
  plant_object(s.name(), img, 100);
  EXPECT_EQ(reader_error(s.name()), FifoErrc::corrupt_object);
  expect_writer_recreates_and_works(s.name());
}

TEST(RingObjectValidation, RingTruncatedAfterUseIsCorruptForReadersAndRecreatedByTheWriter) {
  ScopedStream s("truncated");
  {
    auto w = RingWriter::open(s.name());
    w.set_stream_info(zc::test::video_stream_info());
    w.write({}, "frame", 5);
  }
  const int fd = ::shm_open(shm_name(s.name()).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 1 << 20), 0);
  ::close(fd);
  EXPECT_EQ(reader_error(s.name()), FifoErrc::corrupt_object);
  expect_writer_recreates_and_works(s.name());
}

TEST(RingObjectValidation, EveryInconsistentGeometryFieldIsRejectedAndRecreated) {
  const std::vector<std::pair<std::string, std::function<void(layout::Header&)>>> mutations{
      {"layout version", [](layout::Header& h) { h.layout_version = 99; }},
      {"kind", [](layout::Header& h) { h.kind = 7; }},
      {"data bytes not a power of two", [](layout::Header& h) { h.data_bytes = (1 << 20) + 4096; }},
      {"data bytes tiny", [](layout::Header& h) { h.data_bytes = 4096; }},
      {"index entries zero", [](layout::Header& h) { h.index_entries = 0; }},
      {"reader slots", [](layout::Header& h) { h.reader_slots = 1000; }},
      {"data offset", [](layout::Header& h) { h.data_offset += 4096; }},
      {"index offset", [](layout::Header& h) { h.index_offset = 1ULL << 40; }},
      {"object bytes", [](layout::Header& h) { h.object_bytes *= 2; }},
      {"tail beyond write", [](layout::Header& h) { h.tail_pos.store(h.write_pos.load() + 64); }},
      {"write beyond a lap", [](layout::Header& h) { h.write_pos.store(h.tail_pos.load() + 3 * h.data_bytes); }},
  };
  for (const auto& [what, mutate] : mutations) {
    SCOPED_TRACE(what);
    ScopedStream s("geometry");
    auto img = valid_looking_header();
    const auto size = reinterpret_cast<layout::Header*>(img.data())->object_bytes;
    mutate(*reinterpret_cast<layout::Header*>(img.data()));
    plant_object(s.name(), img, static_cast<off_t>(size));
    EXPECT_EQ(reader_error(s.name()), FifoErrc::corrupt_object);
    expect_writer_recreates_and_works(s.name());
  }
}

TEST(RingObjectValidation, GarbageUnderTheNameIsForeignAndLeftUntouched) {
  ScopedStream s("garbage");
  std::vector<std::byte> junk(64 * 1024);
  std::mt19937_64 rng(1);
  for (auto& b : junk) b = static_cast<std::byte>(rng() | 1);  // never a zero magic
  plant_object(s.name(), junk, static_cast<off_t>(junk.size()));
  EXPECT_EQ(writer_error(s.name()), FifoErrc::foreign_object);
  EXPECT_EQ(reader_error(s.name()), FifoErrc::foreign_object);
  EXPECT_EQ(read_object(s.name()), junk);
}

TEST(RingObjectValidation, HalfInitialisedObjectMakesReadersWaitAndIsRecreatedByTheWriter) {
  ScopedStream s("half_init");
  auto img = valid_looking_header();
  reinterpret_cast<layout::Header*>(img.data())->magic.store(0);  // the creator died before publishing
  plant_object(s.name(), img, 64 * 1024);
  EXPECT_EQ(reader_error(s.name()), FifoErrc::not_found);
  ReaderOptions ro;
  ro.wait_for_stream = std::chrono::milliseconds(100);
  try {
    RingReader::open(s.name(), ro);
    ADD_FAILURE() << "reader opened a half-initialised ring";
  } catch (const FifoError& e) {
    EXPECT_EQ(e.code(), FifoErrc::timeout);
  }
  expect_writer_recreates_and_works(s.name());
}

TEST(RingObjectValidation, ObjectOfAnotherUserIsRefusedWithWrongOwnerAndLeftUntouched) {
  ASSERT_EQ(::geteuid(), 0u) << "this test plants objects owned by another uid";
  ScopedStream s("owner");
  auto img = valid_looking_header();
  const auto size = reinterpret_cast<layout::Header*>(img.data())->object_bytes;
  plant_object(s.name(), img, static_cast<off_t>(size), 4242);
  const auto before = read_object(s.name());
  EXPECT_EQ(writer_error(s.name()), FifoErrc::wrong_owner);
  EXPECT_EQ(read_object(s.name()), before);
  struct stat st {};
  const int fd = ::shm_open(shm_name(s.name()).c_str(), O_RDONLY, 0);
  ::fstat(fd, &st);
  ::close(fd);
  EXPECT_EQ(st.st_uid, 4242u);
}

TEST(RingObjectValidation, UnprivilegedUserGetsWrongOwnerForARootRing) {
  ScopedStream s("nobody");
  auto w = RingWriter::open(s.name());
  w.set_stream_info(zc::test::video_stream_info());
  const int st = in_child([&] {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) return 97;
    int result = 0;
    try {
      RingWriter::open(s.name());
    } catch (const FifoError& e) {
      if (e.code() == FifoErrc::wrong_owner) result |= 1;
    }
    try {
      RingReader::open(s.name());
    } catch (const FifoError& e) {
      if (e.code() == FifoErrc::wrong_owner) result |= 2;
    }
    return result;
  });
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << "status " << st;
}

TEST(RingObjectValidation, StaleRingOfAnotherCapacityIsContinuedOrRecreatedWhenForced) {
  ScopedStream s("capacity");
  {
    RingOptions o;
    o.data_bytes = 1 << 20;
    auto w = RingWriter::open(s.name(), o);
    w.set_stream_info(zc::test::video_stream_info());
    for (int i = 0; i < 10; ++i) w.write({}, "x", 1);
  }
  RingOptions small;
  small.data_bytes = 128 * 1024;
  {
    auto w = RingWriter::open(s.name(), small);
    EXPECT_TRUE(w.took_over());
    EXPECT_EQ(w.data_bytes(), 1u << 20);  // continued with its own capacity: positions and history survive
    EXPECT_EQ(RingReader::inspect(s.name()).next_seq, 11u);
  }
  small.force_capacity = true;
  auto w = RingWriter::open(s.name(), small);
  EXPECT_EQ(w.data_bytes(), 128u * 1024);
}

TEST(RingObjectValidation, InvalidNamesAreRefusedBeforeAnythingIsCreated) {
  for (const std::string& bad : std::vector<std::string>{"", "../etc", "a/b", "a b", ".hidden", "-dash", std::string(65, 'x'), "x;rm"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(writer_error(bad), FifoErrc::invalid_name);
    EXPECT_EQ(reader_error(bad), FifoErrc::invalid_name);
  }
}

// Random bytes scribbled over a live ring's header and records: opening and reading may fail with a FifoError or
// return frames, but never crash. Each round runs in a child so that a crash is caught as a signal.
TEST(RingObjectValidation, ScribbledHeadersAndRecordsNeverCrashReadersOrWriters) {
  std::mt19937_64 rng(2024);
  int crashes = 0;
  for (int round = 0; round < 60; ++round) {
    ScopedStream s("scribble");
    RingOptions o;
    o.data_bytes = 128 * 1024;
    {
      auto w = RingWriter::open(s.name(), o);
      w.set_stream_info(zc::test::video_stream_info());
      for (int i = 0; i < 300; ++i) w.write({0, static_cast<uint16_t>(i % 7 == 0), i, i, 0, 0}, "payload!", 8);
    }
    const int fd = ::shm_open(shm_name(s.name()).c_str(), O_RDWR, 0);
    struct stat st {};
    ::fstat(fd, &st);
    const auto geometry = layout::compute_geometry(o.data_bytes, 16384, 32);
    for (int k = 0; k < 8; ++k) {
      const bool in_header = round % 2 == 0;
      const uint64_t off = in_header ? rng() % 320 : geometry.data_offset + (rng() % (o.data_bytes / 64)) * 64 + rng() % 64;
      const uint64_t junk = rng();
      (void)::pwrite(fd, &junk, 1 + rng() % 8, static_cast<off_t>(off));
    }
    ::close(fd);
    const int status = in_child([&] {
      try {
        ReaderOptions ro;
        ro.start = StartAt::oldest_keyframe;
        auto r = RingReader::open(s.name(), ro);
        Frame f;
        for (int i = 0; i < 1000 && r.try_read(f) == ReadStatus::frame; ++i) {
        }
        (void)r.keyframe_at_or_before(150);
        (void)r.status();
      } catch (const FifoError&) {
      }
      try {
        auto w = RingWriter::open(s.name(), o);
        w.set_stream_info(zc::test::video_stream_info());
        for (int i = 0; i < 3000; ++i) w.write({}, "after scribble", 14);
      } catch (const FifoError&) {
      }
      return 0;
    });
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++crashes;
      ADD_FAILURE() << "round " << round << ": child ended with status " << status;
    }
  }
  EXPECT_EQ(crashes, 0);
}

// Layout version 3 only gave a meaning to a reader-slot word that version 2 kept zero (docs/shm-format.md): a
// version 2 object is read and written as before, a keyframe reader on it included; version 1 is still refused.
TEST(RingObjectValidation, AVersion2ObjectIsStillReadAndWrittenAndAVersion1ObjectIsNot) {
  ScopedStream s("v2");
  auto set_version = [&](uint32_t v) {
    const int fd = ::shm_open(shm_name(s.name()).c_str(), O_RDWR, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, &v, sizeof v, offsetof(layout::Header, layout_version)), static_cast<ssize_t>(sizeof v));
    ::close(fd);
  };
  {
    auto w = RingWriter::open(s.name());
    w.set_stream_info(zc::test::video_stream_info());
    w.write({}, "old", 3);
  }
  set_version(2);
  auto w = RingWriter::open(s.name());
  EXPECT_TRUE(w.took_over()) << "a version 2 ring was recreated instead of taken over";
  w.set_stream_info(zc::test::video_stream_info());
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  ro.wake.on = WakeOn::keyframe;
  auto r = RingReader::open(s.name(), ro);
  FrameMeta key;
  key.flags = frame_flag::keyframe;
  w.write(key, "new", 3);
  Frame f;
  ASSERT_EQ(r.try_read(f), ReadStatus::frame);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.payload.data()), f.payload.size()), "new");
  set_version(1);
  EXPECT_EQ(reader_error(s.name()), FifoErrc::corrupt_object);
}
