// The cluster's Redis nodes as the Sentinel tests see them: which port is the master now (as
// the Sentinels say), its replica, a node's pid, and the pools' cache counters from /metrics.
// Helpers for the tests' main thread (they assert with BOOST_REQUIRE).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "../support/redis_probe.h"

namespace flashsale::ctest {

// `cluster.sh redis-master`: the master's port; 0 when no Sentinel answers.
int RedisMasterPort();
// The port of the master's replica whose link is up (INFO replication); REQUIREs one.
int RedisReplicaPort(int master_port);
// The node's process id (INFO server).
pid_t RedisPid(int port);
// `field` of `INFO section` on the node ("" when absent).
std::string RedisInfo(itest::RedisProbe& node, const std::string& section, const std::string& field);

// The sum of flashsale_<metric>_total{result=...} over pool i (its own /metrics).
double PoolCounter(int pool, const std::string& metric, const std::string& result);
std::vector<double> PoolCounters(const std::string& metric, const std::string& result);

// Back to the cluster as found: the killed master rejoins as a replica (`redis-start-old`), and
// the two nodes are a master and its live replica again (whichever is which: on a loaded machine
// the Sentinels may fail over once more meanwhile).
void RejoinOldMaster(int old_master, int old_replica);

}  // namespace flashsale::ctest
