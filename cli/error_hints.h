// The CLI's words for the libraries' errors: a library describes a value in its own terms ("the ring must be
// larger", "no catalog in DIR"), and the CLI adds which of its flags sets that value. zcrecd says the same in
// its configuration's keys (service/).
#pragma once

#include <exception>
#include <string>

namespace zc::cli {

// e.what(), followed by the flag that sets the value it is about when there is one.
std::string message_with_flag_hint(const std::exception& e);

}  // namespace zc::cli
