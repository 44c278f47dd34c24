// The entity registry: every event type of the Skill Event API, as data.
//
// Adding an entity type is adding one EntityDef to build_registry(): the API,
// the CSV header binding, the row mapper and docs/entities.md all read it
// from here. Every text limit is written out, never left to a default, so
// the docs state each one (a unit test checks that).
#include "schema/checks.hpp"

namespace skillsync::schema {

namespace {

// Limits shared by several entities, in bytes.
constexpr size_t kIdBytes = 256;      // ids in another system (course, skill)
constexpr size_t kNameBytes = 256;    // names of companies, schools, issuers
constexpr size_t kTitleBytes = 1000;  // titles of courses, jobs, projects
constexpr size_t kTextBytes = 65536;  // descriptions and free text (the CSV field limit)
constexpr size_t kUrlBytes = 2048;    // links

FieldDef text(std::string name, size_t max_length, std::string description,
              std::string example = {}) {
  return {.name = std::move(name),
          .type = FieldType::kText,
          .max_length = max_length,
          .description = std::move(description),
          .example = std::move(example)};
}

FieldDef date(std::string name, std::string description, std::string example = {}) {
  return {.name = std::move(name),
          .type = FieldType::kDate,
          .description = std::move(description),
          .example = std::move(example)};
}

FieldDef one_of_values(std::string name, std::vector<std::string> values, std::string description,
                       std::string example = {}) {
  return {.name = std::move(name),
          .type = FieldType::kEnum,
          .allowed_values = std::move(values),
          .description = std::move(description),
          .example = std::move(example)};
}

FieldDef url(std::string name, std::string description, std::string example = {}) {
  return {.name = std::move(name),
          .type = FieldType::kUrl,
          .max_length = kUrlBytes,
          .description = std::move(description),
          .example = std::move(example)};
}

FieldDef external_id(std::string name, std::string description, std::string example = {}) {
  return {.name = std::move(name),
          .type = FieldType::kExternalId,
          .description = std::move(description),
          .example = std::move(example)};
}

FieldDef required(FieldDef f) {
  f.required = true;
  return f;
}

std::vector<EntityDef> build_registry() {
  std::vector<EntityDef> e;
  e.push_back({
      .event_type = "learning",
      .content_fields =
          {
              text("course_id", kIdBytes, "Id of the course in your learning catalog.", "course-1"),
              text("learning_title", kTitleBytes, "Title of the course or learning activity."),
              text("learning_description", kTextBytes, "What the course covered."),
          },
      .one_of = {{"course_id"}, {"learning_title", "learning_description"}},
      .description = "A course or other learning activity the employee took part in.",
  });
  e.push_back({
      .event_type = "working_history",
      .content_fields =
          {
              required(text("job_title", kTitleBytes, "Title of the job.", "Data Engineer")),
              required(text("job_description", kTextBytes, "What the job involved.",
                            "Built the data platform, mentored two juniors")),
              required(date("start_date", "First day in the job.", "2019-03-01")),
              date("end_date", "Last day in the job; empty while it continues.", "2021-06-30"),
              text("company", kNameBytes, "The employer.", "Acme Corp"),
          },
      .date_ranges = {{"start_date", "end_date"}},
      .description = "A job the employee held, at this company or before.",
  });
  e.push_back({
      .event_type = "education_history",
      .content_fields =
          {
              required(text("degree_name", kTitleBytes, "The degree, diploma or qualification.",
                            "MSc Computer Science")),
              text("institution", kNameBytes, "The school or university.", "TU Delft"),
              text("field_of_study", kNameBytes, "The main subject.", "Machine learning"),
              date("start_date", "First day of the study.", "2014-09-01"),
              date("end_date", "Graduation or last day; empty while it continues.", "2016-08-31"),
              text("education_description", kTextBytes,
                   "Courses, thesis or specialisation, in free text."),
          },
      .date_ranges = {{"start_date", "end_date"}},
      .description = "A degree or other formal education the employee followed.",
  });
  e.push_back({
      .event_type = "project",
      .content_fields =
          {
              required(text("project_title", kTitleBytes, "Name of the project.",
                            "Customer churn model")),
              text("project_description", kTextBytes, "What the project did and delivered.",
                   "Predicted churn from product usage data"),
              text("project_role", kNameBytes, "The employee's role in the project.", "Tech lead"),
              date("start_date", "First day on the project.", "2020-01-06"),
              date("end_date", "Last day on the project; empty while it continues.", "2020-06-30"),
          },
      .date_ranges = {{"start_date", "end_date"}},
      .description = "A project the employee worked on.",
  });
  e.push_back({
      .event_type = "feedback",
      .content_fields =
          {
              required(text("feedback_text", kTextBytes, "The feedback, in the reviewer's words.",
                            "Explains complex topics clearly")),
              one_of_values("rating", {"1", "2", "3", "4", "5"},
                            "Overall rating from 1 (lowest) to 5 (highest).", "4"),
              one_of_values("reviewer_role",
                            {"self", "manager", "peer", "direct_report", "customer", "other"},
                            "How the reviewer relates to the employee.", "peer"),
              external_id("reviewer_external_id",
                          "The reviewer's employee_external_id, when the reviewer is an employee.",
                          "employee-2"),
          },
      .description = "Feedback the employee received, from a review or a colleague.",
  });
  e.push_back({
      .event_type = "goal",
      .content_fields =
          {
              required(text("goal_title", kTitleBytes, "The goal.", "Get AWS certified")),
              text("goal_description", kTextBytes, "Details: why, how, how it is measured."),
              one_of_values("goal_status", {"not_started", "in_progress", "completed", "abandoned"},
                            "Where the goal stands.", "in_progress"),
              date("start_date", "When work on the goal starts.", "2021-01-01"),
              date("due_date", "When the goal should be reached.", "2021-12-31"),
          },
      .date_ranges = {{"start_date", "due_date"}},
      .description = "A development goal the employee set or was given.",
  });
  e.push_back({
      .event_type = "ticket",
      .content_fields =
          {
              required(text("ticket_title", kTitleBytes, "Summary line of the ticket.",
                            "Fix login timeout")),
              text("ticket_description", kTextBytes, "The ticket's description or resolution."),
              text("ticket_system", kNameBytes, "The tracker it comes from.", "jira"),
              one_of_values("ticket_status", {"open", "in_progress", "resolved", "closed"},
                            "The ticket's state.", "resolved"),
              date("opened_date", "When the ticket was opened.", "2021-01-04"),
              date("resolved_date", "When it was resolved; empty while open.", "2021-01-06"),
          },
      .date_ranges = {{"opened_date", "resolved_date"}},
      .description = "A ticket (issue, task, support case) the employee worked on.",
  });
  e.push_back({
      .event_type = "certificate",
      .content_fields =
          {
              text("certificate_id", kIdBytes, "Id of the certificate in your catalog."),
              text("certificate_name", kTitleBytes, "Name of the certificate.",
                   "AWS Certified Solutions Architect - Associate"),
              text("issuer", kNameBytes, "Who issued it.", "Amazon Web Services"),
              date("issue_date", "When it was issued.", "2021-01-15"),
              date("expiry_date", "When it expires; empty if it does not.", "2024-01-15"),
              url("credential_url", "A link to verify the credential.",
                  "https://certs.example.com/c/123"),
          },
      .one_of = {{"certificate_id"}, {"certificate_name"}},
      .date_ranges = {{"issue_date", "expiry_date"}},
      .description = "A certificate or licence the employee holds.",
  });
  e.push_back({
      .event_type = "skill_notes",
      .content_fields =
          {
              required(text("note_text", kTextBytes, "The notes, in free text.",
                            "Strong in SQL, learning Rust")),
              text("note_title", kTitleBytes, "A short title.", "Q1 check-in"),
          },
      .description = "Free-text notes about the employee's skills, e.g. from a 1:1.",
  });
  e.push_back({
      .event_type = "skill_profile_feedback",
      .content_fields =
          {
              text("skill_id", kIdBytes, "Id of the skill in your skill taxonomy."),
              text("skill_name", kNameBytes, "Name of the skill.", "Python"),
              required(one_of_values("feedback_type", {"confirmed", "rejected", "added"},
                                     "confirmed: the profile is right to list the skill; "
                                     "rejected: it is not; added: the skill was missing.",
                                     "confirmed")),
              one_of_values("proficiency", {"beginner", "intermediate", "advanced", "expert"},
                            "The level the feedback gives for the skill.", "advanced"),
              text("comment", kTextBytes, "Why, in free text."),
          },
      .one_of = {{"skill_id"}, {"skill_name"}},
      .description = "A verdict on one skill of the employee's skill profile.",
  });
  e.push_back({
      .event_type = "resume_document",
      .content_fields =
          {
              required(text("resume_text", kTextBytes,
                            "The resume as plain text (extracted from the document).",
                            "Data engineer with 6 years of Python and SQL")),
              text("document_title", kTitleBytes, "A title for the document.", "Resume 2021"),
              text("file_name", kNameBytes, "Name of the original file.", "resume.pdf"),
              url("document_url", "A link to the original document.",
                  "https://files.example.com/resumes/123.pdf"),
          },
      .description = "An employee's resume (CV).",
  });
  return e;
}

std::vector<FieldDef> build_top_level(const std::vector<EntityDef>& entities) {
  std::vector<std::string> event_types;
  for (const EntityDef& e : entities) event_types.push_back(e.event_type);
  // Order: internal::TopLevel.
  return {
      required(external_id(std::string(kEmployeeExternalId),
                           "The employee the event belongs to (in the API: the path).",
                           "employee-1")),
      required({.name = std::string(kLanguage),
                .type = FieldType::kLanguage,
                .description = "Language of the event's text (in the API: the `language` query "
                               "parameter). One of `auto nl fr en de`.",
                .example = "en"}),
      required(external_id(std::string(kExternalId),
                           "The event's id; with employee_external_id, its key. A later row or "
                           "POST with the same key replaces the event.",
                           "event-1")),
      required({.name = std::string(kTimestamp),
                .type = FieldType::kTimestamp,
                .description = "When it happened: an ISO 8601 date (midnight UTC) or date-time "
                               "with a zone; returned in UTC.",
                .example = "2021-01-01T00:00:00Z"}),
      text(std::string(kSource), kMaxSourceLength, "Where the event comes from.", "source-1"),
      one_of_values(std::string(kEventType), std::move(event_types),
                    "The entity type. Optional in CSV, where it must equal the task's "
                    "`entity_type`; required in an API body."),
  };
}

}  // namespace

namespace internal {

const std::vector<EntityDef>& registry() {
  static const std::vector<EntityDef> entities = build_registry();
  return entities;
}

}  // namespace internal

std::span<const FieldDef> top_level_fields() {
  static const std::vector<FieldDef> fields = build_top_level(internal::registry());
  return fields;
}

}  // namespace skillsync::schema
