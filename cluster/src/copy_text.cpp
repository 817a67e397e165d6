#include <zc/cluster/copy_text.h>

namespace zc::cluster {

void append_copy_row(std::string& out, const CopyRow& row) {
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += '\t';
    if (!row[i]) {
      out += "\\N";
      continue;
    }
    for (const char c : *row[i]) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
      }
    }
  }
  out += '\n';
}

}  // namespace zc::cluster
