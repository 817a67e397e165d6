#include "inserted_parameter_sets.h"

#include <zc/media/annexb.h>

#include <algorithm>

namespace zc::media {

bool drop_inserted_parameter_sets(fifo::Codec codec, std::span<const uint8_t> inserted,
                                  std::vector<uint8_t>& access_unit) {
  if (inserted.empty() || access_unit.size() <= inserted.size()) return false;
  // The filter copies its extradata verbatim, so the inserted block is an exact byte run of the output. When
  // the sample's own parameter sets equal the configuration the first run found may be theirs instead: the
  // two are byte-identical, so removing either leaves the same access unit.
  const auto at = std::search(access_unit.begin(), access_unit.end(), inserted.begin(), inserted.end());
  if (at == access_unit.end()) return false;
  const auto offset = static_cast<size_t>(at - access_unit.begin());
  const std::span<const uint8_t> au(access_unit);
  bool own_parameter_sets = false;
  for (const auto part : {au.first(offset), au.subspan(offset + inserted.size())}) {
    for (const annexb::Nal nal : annexb::split(part)) own_parameter_sets |= annexb::is_parameter_set(codec, nal);
  }
  if (!own_parameter_sets) return false;
  access_unit.erase(at, at + static_cast<std::ptrdiff_t>(inserted.size()));
  return true;
}

}  // namespace zc::media
