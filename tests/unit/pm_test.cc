// The process manager's decisions (app/process/pm.h), after php-fpm's.
#include "process/pm.h"

#include <boost/test/unit_test.hpp>

using namespace flashsale::process;

namespace {

PmSettings Dynamic(int max, int start, int min_spare, int max_spare) {
  PmSettings pm;
  pm.mode = PmMode::kDynamic;
  pm.max_children = max;
  pm.start_servers = start;
  pm.min_spare = min_spare;
  pm.max_spare = max_spare;
  return pm;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pm)

BOOST_AUTO_TEST_CASE(initial_workers_per_mode) {
  PmSettings pm = Dynamic(8, 3, 2, 4);
  BOOST_TEST(InitialWorkers(pm) == 3);
  pm.mode = PmMode::kStatic;
  BOOST_TEST(InitialWorkers(pm) == 8);
  pm.mode = PmMode::kOndemand;
  BOOST_TEST(InitialWorkers(pm) == 0);
}

// Too few idle: fork min(rate, missing), the rate doubling up to 32, never past max_children.
BOOST_AUTO_TEST_CASE(dynamic_grows_with_a_doubling_rate) {
  PmSettings pm = Dynamic(100, 5, 40, 60);
  int total = 5, rate = 1;
  std::vector<int> forks;
  for (int second = 0; second < 8; ++second) {
    DynamicStep step = DynamicTick(pm, total, /*idle=*/0, rate);
    forks.push_back(step.fork);
    total += step.fork;
    rate = step.next_rate;
  }
  BOOST_TEST(forks == (std::vector<int>{1, 2, 4, 8, 16, 32, 32, 0}), "forks per second");
  BOOST_TEST(total == 100);
  DynamicStep full = DynamicTick(pm, 100, 0, 32);
  BOOST_TEST(full.fork == 0);
  BOOST_TEST(full.at_max_children);
  // Only what is missing to min_spare.
  BOOST_TEST(DynamicTick(pm, 50, 38, 32).fork == 2);
}

BOOST_AUTO_TEST_CASE(dynamic_shrinks_one_per_tick_and_rests_in_between) {
  PmSettings pm = Dynamic(10, 2, 1, 3);
  DynamicStep step = DynamicTick(pm, 10, 6, 4);
  BOOST_TEST(step.retire_one);
  BOOST_TEST(step.fork == 0);
  BOOST_TEST(step.next_rate == 1);
  for (int idle : {1, 2, 3}) {
    step = DynamicTick(pm, 10, idle, 8);
    BOOST_TEST(!step.retire_one);
    BOOST_TEST(step.fork == 0);
    BOOST_TEST(step.next_rate == 1, "the spawn rate starts again at 1 once enough are idle");
  }
}

BOOST_AUTO_TEST_CASE(ondemand_forks_only_without_an_idle_worker) {
  PmSettings pm;
  pm.mode = PmMode::kOndemand;
  pm.max_children = 3;
  BOOST_TEST(OndemandShouldFork(pm, 0, 0));
  BOOST_TEST(OndemandShouldFork(pm, 2, 0));
  BOOST_TEST(!OndemandShouldFork(pm, 2, 1));
  BOOST_TEST(!OndemandShouldFork(pm, 3, 0));
}

BOOST_AUTO_TEST_SUITE_END()
