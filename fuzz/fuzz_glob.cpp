// fuzz_glob: a source's pattern and the keys it is matched against are
// both user input (the pattern from the API, the keys from S3).
//
// The input is split at its first NUL into pattern and key. Properties:
// compile either accepts the pattern or fails with "invalid_pattern";
// matching never crashes and is deterministic; a pattern without
// metacharacters (after escaping each byte with '\') matches exactly the
// key equal to it; "**" matches every key; "*" matches exactly the keys
// without '/'.
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "sources/glob.hpp"

namespace skillsync::fuzz {
namespace {

void run(std::string_view data) {
  const size_t nul = data.find('\0');
  const std::string_view pattern = data.substr(0, nul);
  const std::string_view key = nul == std::string_view::npos ? "" : data.substr(nul + 1);
  auto g = sources::Glob::compile(pattern);
  if (!g.ok()) {
    FUZZ_CHECK(g.error().code == "invalid_pattern", g.error().code);
  } else {
    const bool once = g->matches(key);
    FUZZ_CHECK(once == g->matches(key), escape(pattern));
  }
  if (!key.empty() && key.size() <= sources::kMaxPatternBytes / 2) {
    std::string literal;
    for (char c : key) {
      literal += '\\';
      literal += c;
    }
    auto exact = sources::Glob::compile(literal);
    FUZZ_CHECK(exact.ok(), escape(literal));
    FUZZ_CHECK(exact->matches(key), escape(key));
    FUZZ_CHECK(!exact->matches(std::string(key) + "x"), escape(key));
  }
  FUZZ_CHECK(sources::Glob::compile("**")->matches(key), escape(key));
  FUZZ_CHECK(sources::Glob::compile("*")->matches(key) == (key.find('/') == key.npos), escape(key));
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  skillsync::fuzz::run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
