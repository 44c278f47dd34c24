// render_docs: writes docs/entities.md and docs/errors.md from the entity
// registry and the error catalog.
//
//   render_docs [docs-dir]     (default: the source tree's docs/)
//
// Run it after changing an entity or an error code; the schema unit tests
// fail until the committed docs match.
#include <cstdio>
#include <fstream>
#include <string>

#include "schema/docs.hpp"

namespace {

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "render_docs: cannot write %s\n", path.c_str());
    return false;
  }
  std::printf("wrote %s (%zu bytes)\n", path.c_str(), text.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::fprintf(stderr, "usage: render_docs [docs-dir]\n");
    return 2;
  }
  const std::string dir = argc == 2 ? argv[1] : SKILLSYNC_DOCS_DIR;
  const bool ok = write_file(dir + "/entities.md", skillsync::schema::render_entities_markdown()) &&
                  write_file(dir + "/errors.md", skillsync::schema::render_errors_markdown());
  return ok ? 0 : 1;
}
