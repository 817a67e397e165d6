// Rows in PostgreSQL's COPY text format (https://www.postgresql.org/docs/15/sql-copy.html, "Text Format"):
// columns separated by a tab, rows ended by a newline, NULL as \N, and backslash, tab, newline and carriage
// return escaped with a backslash. The bulk path of a publish (docs/cluster.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace zc::cluster {

using CopyRow = std::vector<std::optional<std::string>>;

// Appends one row to `out`.
void append_copy_row(std::string& out, const CopyRow& row);

}  // namespace zc::cluster
