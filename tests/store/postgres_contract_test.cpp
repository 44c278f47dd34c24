// Runs the Store contract suite against the PostgreSQL store, each test on
// a fresh database of the process's throwaway server.
#include "store/postgres/postgres_store.hpp"
#include "store_contract.hpp"
#include "support/postgres_server.hpp"

namespace skillsync::store::testing {
namespace {

class PostgresEnv final : public StoreEnv {
 public:
  Store& store() override { return *store_; }

  static std::unique_ptr<StoreEnv> make(const Clock& clock) {
    auto env = std::make_unique<PostgresEnv>();
    const std::string uri = testsupport::PostgresServer::instance().create_database();
    auto s = open_postgres_store(uri, clock);
    if (!s.ok()) {
      ADD_FAILURE() << s.error().code << ": " << s.error().message;
      return nullptr;
    }
    env->store_ = std::move(s).value();
    return env;
  }

 private:
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract,
                         ::testing::Values(StoreBackend{"Postgres", &PostgresEnv::make}),
                         store_backend_name);

}  // namespace
}  // namespace skillsync::store::testing
