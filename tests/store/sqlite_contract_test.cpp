// Runs the Store contract suite against the SQLite store.
#include "store/sqlite/sqlite_store.hpp"
#include "store_contract.hpp"
#include "temp_dir.hpp"

namespace skillsync::store::testing {
namespace {

class SqliteEnv final : public StoreEnv {
 public:
  Store& store() override { return *store_; }

  static std::unique_ptr<StoreEnv> make(const Clock& clock) {
    auto env = std::make_unique<SqliteEnv>();
    auto s = open_sqlite_store(env->dir_.file("skillsync.db"), clock);
    if (!s.ok()) {
      ADD_FAILURE() << s.error().code << ": " << s.error().message;
      return nullptr;
    }
    env->store_ = std::move(s).value();
    return env;
  }

 private:
  TempDir dir_;  // declared first: removed after the store closes
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract,
                         ::testing::Values(StoreBackend{"Sqlite", &SqliteEnv::make}),
                         store_backend_name);

}  // namespace
}  // namespace skillsync::store::testing
