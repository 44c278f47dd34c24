// Reads whose logic both backends share, each backend passing only its SQL:
// the lists paged by seq (row errors, ledger rows). Internal to src/store.
//
// Templates over the backend's pool (postgres::ConnectionPool,
// sqlite::ConnectionPool), whose all<T>(sql, read, args...) runs one
// statement with `args` as its parameters and reads every row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "store/cursor.hpp"
#include "store/row_mapping.hpp"
#include "store/store_checks.hpp"

namespace skillsync::store {

// The page after `cursor` of a list paged by seq: `sql` takes (key, the
// seq to start after, limit + 1) and `read` maps its rows to WithSeq<item
// of Page> (row_mapping.hpp). "invalid_argument" when limit is 0 or above
// `max_limit`, "invalid_cursor" for a cursor of another list.
template <class Page, class Pool, class Read>
Result<Page> read_seq_page(Pool& pool, const char* sql, Read read, std::string_view key,
                           size_t limit, size_t max_limit, std::string_view cursor) {
  using Item = typename decltype(Page::items)::value_type;
  SKILLSYNC_TRY(check_page_limit(limit, max_limit));
  SKILLSYNC_ASSIGN_OR_RETURN(const int64_t after, decode_seq_page_cursor(cursor));
  SKILLSYNC_ASSIGN_OR_RETURN(
      std::vector<WithSeq<Item>> rows,
      pool.template all<WithSeq<Item>>(sql, read, key, after, static_cast<int64_t>(limit) + 1));
  return seq_page<Page>(std::move(rows), limit);
}

}  // namespace skillsync::store
