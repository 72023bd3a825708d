#include "jobs/migrations.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "util/log.h"
#include "util/time_format.h"

namespace flashsale::jobs {
namespace {

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("not_found", "cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<int> Migrate(store::Database& db, const std::string& sql_dir, bool seed) {
  Status s = db.ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version VARCHAR(255) NOT NULL PRIMARY KEY, applied_at DATETIME(3) NOT NULL"
      ") ENGINE=InnoDB;");
  if (!s.ok()) return s;

  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sql_dir + "/migrations", ec)) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  if (ec) return Status::NotFound("not_found", "no migrations in " + sql_dir + ": " + ec.message());
  std::sort(files.begin(), files.end());

  int applied = 0;
  for (const auto& file : files) {
    std::string version = file.filename().string();
    bool done = false;
    s = db.Run([&](store::Tx& tx) {
      done = tx.Query("SELECT 1 FROM schema_migrations WHERE version = ?", {version})->Next();
      return Status::Ok();
    });
    if (!s.ok()) return s;
    if (done) continue;
    Result<std::string> script = ReadFile(file);
    if (!script.ok()) return script.status();
    s = db.ExecScript(script.value());
    if (!s.ok()) return Status::Internal(version + ": " + s.message());
    s = db.Run([&](store::Tx& tx) {
      tx.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
              {version, util::FormatSqlTime(util::NowMillis())});
      return Status::Ok();
    });
    if (!s.ok()) return s;
    LOG4CPLUS_INFO(util::StoreLog(), "applied migration " << version);
    ++applied;
  }
  if (seed) {
    Result<std::string> script = ReadFile(sql_dir + "/seed.sql");
    if (!script.ok()) return script.status();
    s = db.ExecScript(script.value());
    if (!s.ok()) return Status::Internal("seed.sql: " + s.message());
  }
  return applied;
}

}  // namespace flashsale::jobs
