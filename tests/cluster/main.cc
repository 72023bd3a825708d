// Cluster tests: one throwaway local cluster for the whole run (cluster_stack.h: three Galera
// nodes, Redis behind Sentinel, several pools behind one nginx), spoken to over HTTP through
// nginx, checked in MariaDB. One file per feature.
//
//   make cluster-test                                   all of them
//   build/tests/cluster_tests --run_test=pools          one suite
//   FLASHSALE_CTEST_KEEP=1 build/tests/cluster_tests    keep the var dir (logs) afterwards
#define BOOST_TEST_MODULE flashsale_cluster
#include <boost/test/unit_test.hpp>

#include "cluster_stack.h"

using FlashsaleClusterFixture = flashsale::ctest::ClusterFixture;
BOOST_TEST_GLOBAL_FIXTURE(FlashsaleClusterFixture);
