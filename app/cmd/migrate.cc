// flashsale-migrate: applies the schema migrations in sql_dir, then the seed with --seed.
//
//   flashsale-migrate [-c FILE] [-t] [--seed]        (--help: util/cli.h)
#include <cstdio>

#include "jobs/migrations.h"
#include "store/db.h"
#include "store/options.h"
#include "store/preflight.h"
#include "util/cli.h"
#include "util/config.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace flashsale;
  util::ParsedCommandLine cli = util::ParseCommandLine(
      argc, argv,
      {"flashsale-migrate", "Applies the pending schema migrations of sql_dir, then exits.",
       {{"--seed", "then apply sql_dir/seed.sql (the demo product)"}}});
  if (!cli.line) return cli.exit_status;
  Result<util::Config> config = util::LoadConfig(cli.line->config_path);
  if (config.ok()) {
    if (auto nodes = store::DbNodesFrom(config.value()); !nodes.ok()) config = nodes.status();
  }
  if (!config.ok()) {
    std::fprintf(stderr, "flashsale-migrate: %s\n", config.status().message().c_str());
    return 1;
  }
  if (!util::InitLogging(config->log_config)) return 1;
  if (cli.line->test_config) {
    return store::CheckConnections(config.value(), "flashsale-migrate", cli.line->config_path) ? 0 : 1;
  }
  bool seed = cli.line->switches.count("--seed") > 0;

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
