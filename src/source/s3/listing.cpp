// ListObjectsV2 with continuation tokens: every object under a prefix, for
// tasks whose uri names a prefix ("s3://bucket/exports/").
#include <algorithm>
#include <string>

#include "source/s3/client_core.hpp"
#include "source/s3/retry.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3 {
namespace internal {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error bad_list(std::string_view why) {
  return Error{"bad_response", "S3 ListObjectsV2: " + std::string(why)};
}

}  // namespace

std::string url_decode_plus(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<ListPage> parse_list_xml(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return bad_list("the answer is not a ListBucketResult");
  }
  const auto encoding = xml_element(xml, "EncodingType");
  const bool url_encoded = encoding && *encoding == "url";
  ListPage page;
  // Only <Contents> blocks hold objects; elements of the same names
  // elsewhere (<Prefix>, <Owner>) are outside them.
  constexpr std::string_view kOpen = "<Contents>";
  constexpr std::string_view kClose = "</Contents>";
  size_t pos = 0;
  for (;;) {
    const size_t start = xml.find(kOpen, pos);
    if (start == std::string_view::npos) break;
    const size_t end = xml.find(kClose, start);
    if (end == std::string_view::npos) return bad_list("unterminated <Contents>");
    const std::string_view block = xml.substr(start + kOpen.size(), end - start - kOpen.size());
    pos = end + kClose.size();
    const auto key = xml_element(block, "Key");
    const auto size = xml_element(block, "Size");
    if (!key || !size) return bad_list("an object without <Key> or <Size>");
    auto parsed_size = parse_uint(*size);
    if (!parsed_size) return bad_list("a <Size> that is not a number");
    ListedObject object;
    // XML entities first: an encoded key is plain ASCII, but the '&' of
    // "&amp;" may still appear around it.
    object.key = xml_unescape(*key);
    if (url_encoded) object.key = url_decode_plus(object.key);
    object.size = *parsed_size;
    if (const auto etag = xml_element(block, "ETag")) object.etag = xml_unescape(*etag);
    if (const auto modified = xml_element(block, "LastModified")) {
      object.last_modified = std::string(*modified);
    }
    page.objects.push_back(std::move(object));
  }
  const auto truncated = xml_element(xml, "IsTruncated");
  page.truncated = truncated && *truncated == "true";
  if (page.truncated) {
    const auto token = xml_element(xml, "NextContinuationToken");
    if (!token || token->empty()) return bad_list("a truncated page without a continuation token");
    page.next_token = xml_unescape(*token);
  }
  return page;
}

}  // namespace internal

Result<std::vector<ListedObject>> S3Client::list_objects(const std::string& bucket,
                                                         const std::string& prefix,
                                                         const ListOptions& options) {
  std::vector<ListedObject> out;
  std::string token;
  const std::string resource = internal::resource_name(bucket, prefix);
  for (int pages = 1;; ++pages) {
    internal::SendOptions send;
    send.query = {{"list-type", "2"},
                  {"prefix", prefix},
                  {"max-keys", std::to_string(std::clamp(options.page_size, 1, 1000))},
                  // Keys may hold characters XML 1.0 cannot carry; S3 then
                  // percent-encodes them (and says so in <EncodingType>).
                  {"encoding-type", "url"}};
    if (!token.empty()) send.query.emplace("continuation-token", token);
    SKILLSYNC_ASSIGN_OR_RETURN(auto response,
                               internal::send_with_retries(*impl_->core, "GET", bucket, "", send));
    const std::string body = internal::read_small_body(*response, 16 << 20);
    auto page = internal::parse_list_xml(body);
    if (!page.ok()) {
      return Error{page.error().code, "S3 list " + resource + ": " + page.error().message};
    }
    for (auto& object : page->objects) {
      // The server filters by prefix; checking again costs nothing.
      if (!object.key.starts_with(prefix)) continue;
      if (options.skip_folder_markers && object.size == 0 && object.key.ends_with('/')) continue;
      if (out.size() >= options.max_objects) {
        return Error{"too_many_objects", "S3 list " + resource + ": more than " +
                                             std::to_string(options.max_objects) + " objects"};
      }
      out.push_back(std::move(object));
    }
    if (!page->truncated) break;
    if (options.max_pages > 0 && pages >= options.max_pages) break;
    if (page->next_token == token) {
      return Error{"bad_response", "S3 list " + resource + ": the continuation token repeats"};
    }
    token = std::move(page->next_token);
  }
  // S3 lists in UTF-8 byte order already; sorting makes it a guarantee
  // (std::string compares bytes as unsigned char).
  std::sort(out.begin(), out.end(),
            [](const ListedObject& a, const ListedObject& b) { return a.key < b.key; });
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const ListedObject& a, const ListedObject& b) { return a.key == b.key; }),
      out.end());
  return out;
}

}  // namespace skillsync::source::s3
