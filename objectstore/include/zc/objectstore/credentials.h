// The access key and secret of an S3 account. Read from files (first line of each, trailing whitespace cut) or
// from the environment; never logged: there is no operator<< and no error message quotes them.
#pragma once

#include <filesystem>
#include <string>

namespace zc::objectstore {

struct Credentials {
  std::string access_key;
  std::string secret_key;
};

// The first line of each file. ObjectStoreError(credentials) names the file (never its content) when it cannot
// be read or its first line is empty.
Credentials credentials_from_files(const std::filesystem::path& access_key_file,
                                   const std::filesystem::path& secret_key_file);

// $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY (the names every S3 tool reads). ObjectStoreError(credentials)
// names the variable that is unset or empty.
Credentials credentials_from_environment();

}  // namespace zc::objectstore
