// flashsale-migrate: applies the schema migrations in sql_dir, then the seed with --seed.
//
//   flashsale-migrate [--config FILE] [--seed]
#include <cstdio>
#include <cstring>

#include "jobs/migrations.h"
#include "store/db.h"
#include "store/options.h"
#include "util/config.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace flashsale;
  Result<util::Config> config = util::LoadConfig(util::ConfigPathFromArgs(argc, argv));
  if (!config.ok()) {
    std::fprintf(stderr, "flashsale-migrate: %s\n", config.status().message().c_str());
    return 1;
  }
  util::InitLogging(config->log_config);
  bool seed = false;
  for (int i = 1; i < argc; ++i) seed = seed || std::strcmp(argv[i], "--seed") == 0;

  store::DbOptions options = store::DbOptionsFrom(config.value());
  options.retry_attempts = 1;
  store::Database db(options);
  Result<int> applied = jobs::Migrate(db, config->sql_dir, seed);
  if (!applied.ok()) {
    std::fprintf(stderr, "flashsale-migrate: %s\n", applied.status().message().c_str());
    return 1;
  }
  std::printf("flashsale-migrate: %d migration(s) applied%s\n", applied.value(),
              seed ? ", seed applied" : "");
  return 0;
}
