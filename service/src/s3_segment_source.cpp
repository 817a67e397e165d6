#include "s3_segment_source.h"

#include <zc/objectstore/error.h>
#include <zc/objectstore/s3_client.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace zc::service {

fifo::UniqueFd temporary_file(const std::filesystem::path& dir) {
  fifo::UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd) return fd;
  std::string name = (dir / ".s3-fetch-XXXXXX").string();
  fd = fifo::UniqueFd(::mkostemp(name.data(), O_CLOEXEC));
  if (fd) ::unlink(name.c_str());
  return fd;
}

std::function<fifo::UniqueFd(const catalog::SegmentRow&)> segment_opener(const std::filesystem::path& storage_dir,
                                                                          const std::optional<S3StorageConfig>& s3,
                                                                          const fifo::Clock& clock, bool s3_only) {
  auto client = std::make_shared<std::optional<objectstore::S3Client>>();
  return [storage_dir, s3, client, s3_only, &clock](const catalog::SegmentRow& seg) {
    if (s3_only && (seg.s3_key.empty() || !s3)) {
      errno = ENOENT;
      return fifo::UniqueFd();
    }
    if (!s3_only) {
      const auto path = storage_dir / seg.path;
      fifo::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      // The local copy first; S3 only when the catalog says there is a copy there and the file is gone (an 's3'
      // row, or a 'both' row whose file local retention removed a moment ago).
      if (fd || errno != ENOENT || seg.location == "local" || seg.s3_key.empty() || !s3) return fd;
    }
    if (!*client) {
      objectstore::S3Config c;
      c.endpoint = s3->endpoint;
      c.bucket = s3->bucket;
      c.region = s3->region;
      c.credentials = {s3->access_key, s3->secret_key};
      c.clock = &clock;
      client->emplace(c);
    }
    fifo::UniqueFd copy = temporary_file(storage_dir);
    if (!copy) {
      throw objectstore::ObjectStoreError(objectstore::ObjectStoreErrc::io,
                                          "cannot make a temporary file in " + storage_dir.string() + ": " +
                                              std::strerror(errno));
    }
    (*client)->get_to_fd(seg.s3_key, copy.get());
    if (::lseek(copy.get(), 0, SEEK_SET) != 0) {
      throw objectstore::ObjectStoreError(objectstore::ObjectStoreErrc::io, "cannot rewind the fetched copy");
    }
    return copy;
  };
}

}  // namespace zc::service
