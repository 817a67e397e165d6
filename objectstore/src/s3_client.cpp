#include <zc/objectstore/s3_client.h>

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <mutex>
#include <vector>

#include <zc/objectstore/error.h>
#include <zc/objectstore/sigv4.h>

namespace zc::objectstore {
namespace {

// libcurl's process-wide setup, once, before the first handle (curl_global_init is not thread-safe in every
// build; call_once makes it so). Never cleaned up: handles may live until exit.
void curl_global_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void throw_io(const std::string& what) {
  throw ObjectStoreError(ObjectStoreErrc::io, what + ": " + std::strerror(errno));
}

// SHA-256 of the file's first `size` bytes, read in 1 MiB blocks.
std::string file_sha256(int fd, std::uint64_t size, const std::filesystem::path& file) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || !EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr)) {
    throw ObjectStoreError(ObjectStoreErrc::io, "cannot start a SHA-256");
  }
  std::vector<char> buf(1 << 20);
  std::uint64_t done = 0;
  while (done < size) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - done));
    const ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io("cannot read " + file.string());
    }
    if (n == 0) throw ObjectStoreError(ObjectStoreErrc::io, file.string() + " became shorter while it was read");
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
    done += static_cast<std::uint64_t>(n);
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return hex(std::string_view(reinterpret_cast<const char*>(out), len));
}

// The text of <Tag>...</Tag> in an S3 error body, or "".
std::string xml_field(const std::string& body, const std::string& tag) {
  const auto open = body.find('<' + tag + '>');
  if (open == std::string::npos) return "";
  const auto start = open + tag.size() + 2;
  const auto close = body.find("</" + tag + '>', start);
  if (close == std::string::npos) return "";
  return body.substr(start, std::min<std::size_t>(close - start, 300));
}

bool valid_bucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) return false;
  return std::all_of(b.begin(), b.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

void check_key(const std::string& key) {
  if (key.empty() || key.size() > 1024 || key.front() == '/') {
    throw ObjectStoreError(ObjectStoreErrc::invalid_argument,
                           "an object key must be 1..1024 bytes and not start with '/': \"" + key.substr(0, 80) + '"');
  }
}

// What one request sends and where its answer goes.
struct Exchange {
  std::string method;
  std::string key;
  std::vector<std::string> extra_headers;  // unsigned ("Range: bytes=0-9")
  std::string payload_sha256 = std::string(kEmptyPayloadSha256);
  // The body: from a file descriptor (pread from 0) or from memory.
  int body_fd = -1;
  const std::string* body_bytes = nullptr;
  std::uint64_t body_size = 0;
  // The answer's body (2xx only): appended to `sink`, or written to `sink_fd`.
  std::string* sink = nullptr;
  int sink_fd = -1;
  std::uint64_t sink_limit = UINT64_MAX;
};

struct Transfer {
  Exchange* x = nullptr;
  CURL* curl = nullptr;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::string error_body;
  std::string etag;
  int write_errno = 0;
};

size_t on_read(char* buf, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size * n, t->x->body_size - t->sent));
  if (want == 0) return 0;
  if (t->x->body_bytes) {
    std::memcpy(buf, t->x->body_bytes->data() + t->sent, want);
    t->sent += want;
    return want;
  }
  for (;;) {
    const ssize_t r = ::pread(t->x->body_fd, buf, want, static_cast<off_t>(t->sent));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return CURL_READFUNC_ABORT;
    t->sent += static_cast<std::uint64_t>(r);
    return static_cast<size_t>(r);
  }
}

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) {
    if (t->error_body.size() < 65536) t->error_body.append(data, std::min<size_t>(bytes, 65536));
    return bytes;
  }
  const auto keep = static_cast<size_t>(std::min<std::uint64_t>(bytes, t->x->sink_limit - t->received));
  if (t->x->sink) {
    t->x->sink->append(data, keep);
  } else if (t->x->sink_fd >= 0) {
    size_t off = 0;
    while (off < keep) {
      const ssize_t w = ::write(t->x->sink_fd, data + off, keep - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        t->write_errno = errno;
        return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
      }
      off += static_cast<size_t>(w);
    }
  }
  t->received += keep;
  return bytes;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.size() > 5 && (line.substr(0, 5) == "ETag:" || line.substr(0, 5) == "etag:")) {
    std::string v(line.substr(5));
    std::erase_if(v, [](char c) { return c == '"' || c == ' ' || c == '\r' || c == '\n'; });
    t->etag = v;
  }
  return size * n;
}

}  // namespace

struct S3Client::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
  const auto& e = config_.endpoint;
  const auto sep = e.find("://");
  if (sep == std::string::npos || (e.substr(0, sep) != "http" && e.substr(0, sep) != "https")) {
    throw ObjectStoreError(ObjectStoreErrc::invalid_argument,
                           "the endpoint must be http://HOST[:PORT] or https://HOST[:PORT], not \"" + e + '"');
  }
  scheme_ = e.substr(0, sep);
  authority_ = e.substr(sep + 3);
  if (!authority_.empty() && authority_.back() == '/') authority_.pop_back();
  if (authority_.empty() || authority_.find_first_of("/?#@ ") != std::string::npos) {
    throw ObjectStoreError(ObjectStoreErrc::invalid_argument,
                           "the endpoint must name a host (and port) only, no path: \"" + e + '"');
  }
  if (!valid_bucket(config_.bucket)) {
    throw ObjectStoreError(ObjectStoreErrc::invalid_argument,
                           "a bucket name is 3..63 characters of a-z, 0-9, '.' and '-': \"" + config_.bucket + '"');
  }
  if (config_.region.empty()) throw ObjectStoreError(ObjectStoreErrc::invalid_argument, "the region is empty");
  curl_global_once();
  handle_ = std::make_unique<Handle>();
  handle_->curl = curl_easy_init();
  if (!handle_->curl) throw ObjectStoreError(ObjectStoreErrc::network, "libcurl could not make a handle");
}

S3Client::S3Client(S3Client&& o) noexcept = default;
S3Client& S3Client::operator=(S3Client&& o) noexcept = default;
S3Client::~S3Client() = default;

namespace {

struct Outcome {
  long status = 0;
  std::string etag;
  std::uint64_t received = 0;
  std::uint64_t content_length = 0;
};

}  // namespace

static Outcome perform(CURL* curl, const S3Config& config, const std::string& scheme, const std::string& authority,
                       Exchange& x) {
  check_key(x.key);
  const std::string path = '/' + config.bucket + '/' + uri_encode(x.key, true);
  if (config.clock == nullptr)
    throw ObjectStoreError(ObjectStoreErrc::invalid_argument, "S3Config::clock is required to sign a request");
  const std::string date = amz_date(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(config.clock->wall_ns()))));
  SignableRequest req;
  req.method = x.method;
  req.path = path;
  req.headers = {{"host", authority}, {"x-amz-content-sha256", x.payload_sha256}, {"x-amz-date", date}};
  req.payload_sha256 = x.payload_sha256;
  const Signed s = sign_v4(req, config.credentials, {config.region, "s3", date});

  curl_easy_reset(curl);  // keeps the connection cache
  struct curl_slist* list = nullptr;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, &curl_slist_free_all);
  auto add = [&](const std::string& h) {
    list = curl_slist_append(list, h.c_str());
    headers.release();
    headers.reset(list);
  };
  add("Host: " + authority);
  add("x-amz-content-sha256: " + x.payload_sha256);
  add("x-amz-date: " + date);
  add("Authorization: " + s.authorization);
  add("Expect:");  // no 100-continue round trip
  for (const auto& h : x.extra_headers) add(h);

  Transfer t;
  t.x = &x;
  t.curl = curl;
  char errbuf[CURL_ERROR_SIZE] = {};
  const std::string url = scheme + "://" + authority + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>((config.stall_timeout.count() + 999) / 1000)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  if (x.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(x.body_size));
  } else if (x.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (x.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, x.method.c_str());
  }

  const CURLcode rc = curl_easy_perform(curl);
  const std::string what = x.method + ' ' + config.bucket + '/' + x.key;
  if (rc == CURLE_WRITE_ERROR && t.write_errno) {
    errno = t.write_errno;
    throw_io(what + ": cannot write the local file");
  }
  if (rc != CURLE_OK) {
    throw ObjectStoreError(ObjectStoreErrc::network, "S3 " + what + " at " + config.endpoint + ": " +
                                                         (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  }
  Outcome out;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  curl_off_t length = -1;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  out.content_length = length > 0 ? static_cast<std::uint64_t>(length) : 0;
  out.etag = t.etag;
  out.received = t.received;
  if (out.status >= 300) {
    const std::string code = xml_field(t.error_body, "Code");
    const std::string message = xml_field(t.error_body, "Message");
    const ObjectStoreErrc errc = out.status == 404                        ? ObjectStoreErrc::not_found
                                 : out.status == 401 || out.status == 403 ? ObjectStoreErrc::auth
                                                                          : ObjectStoreErrc::server;
    std::string text = "S3 " + what + ": HTTP " + std::to_string(out.status);
    if (!code.empty()) text += ' ' + code;
    if (!message.empty()) text += ": " + message;
    throw ObjectStoreError(errc, text).with_status(out.status);
  }
  return out;
}

ObjectInfo S3Client::put_file(const std::string& key, const std::filesystem::path& file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_io("cannot open " + file.string());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_io("cannot stat " + file.string());
  Exchange x;
  x.method = "PUT";
  x.key = key;
  x.body_fd = fd.get();
  x.body_size = static_cast<std::uint64_t>(st.st_size);
  x.payload_sha256 = file_sha256(fd.get(), x.body_size, file);
  const Outcome o = perform(handle_->curl, config_, scheme_, authority_, x);
  return {x.body_size, o.etag};
}

ObjectInfo S3Client::put_bytes(const std::string& key, const std::string& bytes) {
  Exchange x;
  x.method = "PUT";
  x.key = key;
  x.body_bytes = &bytes;
  x.body_size = bytes.size();
  x.payload_sha256 = sha256_hex(bytes);
  const Outcome o = perform(handle_->curl, config_, scheme_, authority_, x);
  return {bytes.size(), o.etag};
}

std::string S3Client::get_range(const std::string& key, std::uint64_t offset, std::uint64_t length) {
  if (length == 0) return {};
  if (offset > UINT64_MAX - length) {
    throw ObjectStoreError(ObjectStoreErrc::invalid_argument, "the range ends past 2^64");
  }
  std::string out;
  Exchange x;
  x.method = "GET";
  x.key = key;
  x.extra_headers = {"Range: bytes=" + std::to_string(offset) + '-' + std::to_string(offset + length - 1)};
  x.sink = &out;
  x.sink_limit = length;  // a store that ignores Range (200, whole object) still gives only what was asked
  const Outcome o = perform(handle_->curl, config_, scheme_, authority_, x);
  if (o.status == 200 && offset != 0) {
    throw ObjectStoreError(ObjectStoreErrc::server, "S3 GET " + config_.bucket + '/' + key +
                                                        ": the store ignored the Range header");
  }
  return out;
}

std::uint64_t S3Client::get_to_file(const std::string& key, const std::filesystem::path& file) {
  Fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (fd.get() < 0) throw_io("cannot create " + file.string());
  return get_to_fd(key, fd.get());
}

std::uint64_t S3Client::get_to_fd(const std::string& key, int fd) {
  Exchange x;
  x.method = "GET";
  x.key = key;
  x.sink_fd = fd;
  const Outcome o = perform(handle_->curl, config_, scheme_, authority_, x);
  if (o.content_length && o.received != o.content_length) {
    throw ObjectStoreError(ObjectStoreErrc::network, "S3 GET " + config_.bucket + '/' + key + ": " +
                                                         std::to_string(o.received) + " of " +
                                                         std::to_string(o.content_length) + " bytes arrived");
  }
  return o.received;
}

ObjectInfo S3Client::head(const std::string& key) {
  Exchange x;
  x.method = "HEAD";
  x.key = key;
  const Outcome o = perform(handle_->curl, config_, scheme_, authority_, x);
  return {o.content_length, o.etag};
}

void S3Client::remove(const std::string& key) {
  Exchange x;
  x.method = "DELETE";
  x.key = key;
  perform(handle_->curl, config_, scheme_, authority_, x);
}

}  // namespace zc::objectstore
