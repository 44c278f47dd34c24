// TaskService over a real SQLite store: every operation the API does —
// create (idempotent, access-checked), find/get, list, cancel, row errors,
// the error report — stays within the tenant, answers with Errc codes the
// API branches on, and stores the credentials sealed for the worker only.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "sqlite_task_test.hpp"

namespace skillsync::tasks {
namespace {

constexpr std::string_view kOther = "other-tenant";

class TaskServiceTest : public SqliteTaskTest {
 protected:
  CreateTaskRequest request(const std::string& uri = "s3://bucket/file.csv") {
    CreateTaskRequest req;
    req.entity_type = "learning";
    req.method = std::string(kMethodS3IamUser);
    req.uri = uri;
    req.credentials.access_key_id = "AKIDEXAMPLE";
    req.credentials.secret_access_key = SecretString("s3cr3t-value");
    return req;
  }
  TaskView create(TaskService& service, std::string_view tenant = store::kDefaultTenant) {
    auto created = service.create(tenant, request());
    EXPECT_TRUE(created.ok());
    return created.ok() ? *created : TaskView{};
  }

  void SetUp() override {
    SqliteTaskTest::SetUp();
    if (HasFatalFailure()) return;
    service_ = std::make_unique<TaskService>(*store_, key_, SystemClock::instance());
  }

  TaskService& service() { return *service_; }

  std::unique_ptr<TaskService> service_;
};

TEST_F(TaskServiceTest, CreateSealsTheCredentialsForTheWorkerOnly) {
  TaskView view = create(service());
  EXPECT_EQ(view.status, store::TaskStatus::kPending);
  EXPECT_EQ(view.uri, "s3://bucket/file.csv");
  store::Task claimed = claim(kWorker);
  ASSERT_EQ(claimed.id, view.id);
  EXPECT_EQ(claimed.sealed_credentials.find("s3cr3t-value"), std::string::npos);
  auto creds = open_credentials(key_, view.id, claimed.sealed_credentials);
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->secret_access_key.reveal(), "s3cr3t-value");
}

TEST_F(TaskServiceTest, FindAndGetStayWithinTheTenant) {
  TaskView view = create(service());
  auto found = service().find(store::kDefaultTenant, view.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->entity_type, "learning");
  auto detail = service().get(store::kDefaultTenant, view.id);
  ASSERT_TRUE(detail.ok() && detail->has_value());
  EXPECT_EQ((*detail)->task.id, view.id);
  EXPECT_TRUE((*detail)->row_errors.empty());
  EXPECT_FALSE(service().find(kOther, view.id)->has_value());
  EXPECT_FALSE(service().get(kOther, view.id)->has_value());
  EXPECT_FALSE(service().get(store::kDefaultTenant, "flt_none")->has_value());
}

TEST_F(TaskServiceTest, ListPagesTheTenantsTasksAndRefusesAForeignCursor) {
  TaskView a = create(service());
  TaskView b = create(service());
  create(service(), kOther);
  auto first = service().list(store::kDefaultTenant, {}, 1, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 1u);
  ASSERT_TRUE(first->next_cursor.has_value());
  auto second = service().list(store::kDefaultTenant, {}, 1, *first->next_cursor);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_FALSE(second->next_cursor.has_value());
  std::set<std::string> ids = {first->items[0].id, second->items[0].id};
  EXPECT_EQ(ids, (std::set<std::string>{a.id, b.id}));
  auto bad = service().list(store::kDefaultTenant, {}, 10, "not-a-cursor");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.error().is(Errc::kInvalidCursor));
}

TEST_F(TaskServiceTest, CancelEndsAPendingTaskOnceAndOnlyInItsTenant) {
  TaskView view = create(service());
  auto foreign = service().cancel(kOther, view.id);
  ASSERT_FALSE(foreign.ok());
  EXPECT_TRUE(foreign.error().is(Errc::kNotFound));
  auto cancelled = service().cancel(store::kDefaultTenant, view.id);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->task.status, store::TaskStatus::kCancelled);
  EXPECT_TRUE(cancelled->task.cancel_requested_at.has_value());
  auto again = service().cancel(store::kDefaultTenant, view.id);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().is(Errc::kInvalidState));
  EXPECT_TRUE(reload(view.id).sealed_credentials.empty()) << "erased when the task ended";
}

TEST_F(TaskServiceTest, IdempotentCreateReplaysAndRefusesAnotherBody) {
  CreateOptions options;
  options.idempotency_key = "k-1";
  options.body_sha256 = "body-1";
  auto first = service().create(store::kDefaultTenant, request(), options);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created);
  auto replay = service().create(store::kDefaultTenant, request(), options);
  ASSERT_TRUE(replay.ok());
  EXPECT_FALSE(replay->created);
  EXPECT_EQ(replay->detail.task.id, first->detail.task.id);
  options.body_sha256 = "body-2";
  auto conflict = service().create(store::kDefaultTenant, request(), options);
  ASSERT_FALSE(conflict.ok());
  EXPECT_TRUE(conflict.error().is(Errc::kIdempotencyConflict));
}

TEST_F(TaskServiceTest, RefusedAccessStoresNothing) {
  TaskService checked(*store_, key_, SystemClock::instance(), [](const CreateTaskRequest&) {
    return Status(Error{"NoSuchKey", "The specified key does not exist."});
  });
  CreateTaskRequest req = request();
  req.options.validate_access = true;
  Error access;
  CreateOptions options;
  options.access_error = &access;
  auto refused = checked.create(store::kDefaultTenant, std::move(req), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().is(Errc::kAccessCheckFailed));
  EXPECT_EQ(access.code, "NoSuchKey");
  EXPECT_TRUE(service().list(store::kDefaultTenant, {}, 10, "")->items.empty());
}

TEST_F(TaskServiceTest, RowErrorsAndTheReportOfATaskWithoutErrors) {
  TaskView view = create(service());
  auto page = service().row_errors(view, 10, "");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->next_cursor.has_value());
  EXPECT_TRUE(service().row_errors(view, 10, "bad").error().is(Errc::kInvalidCursor));
  auto report = service().error_report(view);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE((*report)->truncated());
  auto body = (*report)->next();
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "error_line,error_column,error_code,error_message\r\n");
  EXPECT_EQ(*(*report)->next(), "");
}

}  // namespace
}  // namespace skillsync::tasks
