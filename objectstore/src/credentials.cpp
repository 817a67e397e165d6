#include <zc/objectstore/credentials.h>

#include <cstdlib>
#include <fstream>

#include <zc/objectstore/error.h>

namespace zc::objectstore {
namespace {

std::string first_line(const std::filesystem::path& file, const char* what) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    throw ObjectStoreError(ObjectStoreErrc::credentials, std::string("cannot read the ") + what + " from " +
                                                             file.string());
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  if (line.empty()) {
    throw ObjectStoreError(ObjectStoreErrc::credentials,
                           std::string("the first line of ") + file.string() + " (the " + what + ") is empty");
  }
  return line;
}

std::string variable(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    throw ObjectStoreError(ObjectStoreErrc::credentials, std::string("$") + name + " is not set");
  }
  return v;
}

}  // namespace

Credentials credentials_from_files(const std::filesystem::path& access_key_file,
                                   const std::filesystem::path& secret_key_file) {
  return {first_line(access_key_file, "access key"), first_line(secret_key_file, "secret key")};
}

Credentials credentials_from_environment() {
  return {variable("AWS_ACCESS_KEY_ID"), variable("AWS_SECRET_ACCESS_KEY")};
}

}  // namespace zc::objectstore
