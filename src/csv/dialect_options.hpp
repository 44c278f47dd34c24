// csv/dialect_options: a Dialect from a File Load Task's `delimiter` and
// `quote` options, validated.
//
// The tasks layer parses the task's JSON options and passes the strings it
// found here; an Error means the POST is answered 422.
#pragma once

#include <optional>
#include <string_view>

#include "common/result.hpp"
#include "csv/csv.hpp"

namespace skillsync::csv {

// Returns `base` with its delimiter and quote replaced by the options given
// (nullopt: the option was absent; base's value stays).
//   delimiter  one of "," ";" "|" and tab, given as the tab character itself
//              ("\t" in JSON) or as the word "tab" (any case).
//   quote      "\"" or "'".
// Anything else, including an empty string, is an Error with code
// "invalid_option" whose message names the option and the allowed values.
// A Dialect returned here always passes the RecordReader's own check
// (delimiter and quote distinct, neither CR nor LF): a `base` whose
// delimiter equals the resulting quote is also "invalid_option".
Result<Dialect> make_dialect(std::optional<std::string_view> delimiter,
                             std::optional<std::string_view> quote, Dialect base = {});

}  // namespace skillsync::csv
