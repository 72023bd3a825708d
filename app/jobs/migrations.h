// Schema migrations: sql/migrations/NNN_name.sql applied in name order, each recorded in
// schema_migrations once it succeeded, so running the step again applies only what is new.
// The files themselves use IF NOT EXISTS, so a migration interrupted half-way can be re-run.
#pragma once

#include <string>

#include "store/db.h"
#include "util/status.h"

namespace flashsale::jobs {

// Applies pending migrations from `sql_dir`/migrations; with `seed`, then `sql_dir`/seed.sql.
// Returns how many migrations were applied.
Result<int> Migrate(store::Database& db, const std::string& sql_dir, bool seed);

}  // namespace flashsale::jobs
