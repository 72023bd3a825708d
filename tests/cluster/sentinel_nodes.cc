#include "sentinel_nodes.h"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <sstream>

#include "../support/api.h"

#include "../support/metrics_text.h"
#include "cluster_stack.h"

namespace flashsale::ctest {

int RedisMasterPort() {
  itest::CommandResult r = Cluster().Command({"redis-master"});
  if (r.exit_code != 0) return 0;
  // The port is the last word printed.
  std::istringstream in(r.output);
  std::string word, last;
  while (in >> word) last = word;
  try {
    return std::stoi(last);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string RedisInfo(itest::RedisProbe& node, const std::string& section, const std::string& field) {
  std::istringstream in(node.Command({"INFO", section}));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return "";
}

int RedisReplicaPort(int master_port) {
  itest::RedisProbe master("127.0.0.1", master_port);
  // slave0:ip=127.0.0.1,port=27001,state=online,offset=...,lag=0
  std::string replica = RedisInfo(master, "replication", "slave0");
  BOOST_REQUIRE_MESSAGE(replica.find("state=online") != std::string::npos,
                        "the master on " << master_port << " has no live replica: " << replica);
  size_t at = replica.find("port=");
  BOOST_REQUIRE(at != std::string::npos);
  return std::stoi(replica.substr(at + 5));
}

pid_t RedisPid(int port) {
  itest::RedisProbe node("127.0.0.1", port);
  pid_t pid = static_cast<pid_t>(std::stol(RedisInfo(node, "server", "process_id")));
  BOOST_REQUIRE(pid > 0);
  return pid;
}

double PoolCounter(int pool, const std::string& metric, const std::string& result) {
  itest::HttpClient http(Cluster().pool_url(pool));
  return itest::MustScrape(http).Sum("flashsale_" + metric + "_total", {{"result", result}});
}

std::vector<double> PoolCounters(const std::string& metric, const std::string& result) {
  std::vector<double> out;
  for (int i = 0; i < Cluster().pools(); ++i) out.push_back(PoolCounter(i, metric, result));
  return out;
}

void RejoinOldMaster(int old_master, int old_replica) {
  itest::CommandResult r = Cluster().Command({"redis-start-old"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "redis-start-old: " << r.output);
  int master = 0;
  int replica = 0;
  bool paired = itest::Eventually(30000, [&] {
    master = RedisMasterPort();
    if (master == 0) return false;
    itest::RedisProbe node("127.0.0.1", master);
    std::string link = RedisInfo(node, "replication", "slave0");
    size_t at = link.find("port=");
    replica = at == std::string::npos ? 0 : std::atoi(link.c_str() + at + 5);
    return link.find("state=online") != std::string::npos;
  });
  BOOST_TEST(paired, "no master with a live replica after redis-start-old");
  BOOST_TEST(((master == old_master && replica == old_replica) ||
              (master == old_replica && replica == old_master)),
             "master " << master << " replica " << replica << ", was " << old_master << " / "
                       << old_replica);
}

}  // namespace flashsale::ctest
