// The Galera node list (store/db_nodes.h): how `db_nodes` is read, which node state accepts
// writes, the order nodes are tried in after failures, and when a worker looks for its way back.
#include <boost/test/unit_test.hpp>

#include "store/db_nodes.h"
#include "store/options.h"
#include "util/config.h"

using flashsale::store::DbEndpoint;
using flashsale::store::FailBackDue;
using flashsale::store::kFailBackCheckMs;
using flashsale::store::kNodeRetryMs;
using flashsale::store::NodeState;
using flashsale::store::ParseDbNodes;
using flashsale::store::TryOrder;
using flashsale::store::WhyNotWriter;

namespace {

std::vector<std::string> Described(const std::string& list) {
  auto nodes = ParseDbNodes(list);
  BOOST_REQUIRE_MESSAGE(nodes.ok(), list << ": " << nodes.status().message());
  std::vector<std::string> out;
  for (const DbEndpoint& n : nodes.value()) out.push_back(n.Describe());
  return out;
}

std::string Refusal(const std::string& list) {
  auto nodes = ParseDbNodes(list);
  BOOST_REQUIRE_MESSAGE(!nodes.ok(), list << " was accepted");
  return nodes.status().message();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(db_nodes)

BOOST_AUTO_TEST_CASE(sockets_and_hosts_in_order) {
  BOOST_TEST(Described("").empty());
  BOOST_TEST(Described("  ").empty());
  auto nodes = ParseDbNodes("run/node1.sock, /var/run/n2.sock ,db3:3307,db4,[::1]:3308");
  BOOST_REQUIRE(nodes.ok());
  const auto& n = nodes.value();
  BOOST_REQUIRE(n.size() == 5u);
  BOOST_TEST(n[0].socket == "run/node1.sock");
  BOOST_TEST(n[1].socket == "/var/run/n2.sock");
  BOOST_TEST(n[2].socket.empty());
  BOOST_TEST(n[2].host == "db3");
  BOOST_TEST(n[2].port == 3307);
  BOOST_TEST(n[3].host == "db4");
  BOOST_TEST(n[3].port == 3306);  // MariaDB's port when none is given
  BOOST_TEST(n[4].host == "::1");
  BOOST_TEST(n[4].port == 3308);
  BOOST_TEST(n[4].Describe() == "[::1]:3308");
  BOOST_TEST(Described("10.0.0.1:3306") == std::vector<std::string>{"10.0.0.1:3306"});
}

BOOST_AUTO_TEST_CASE(bad_lists_are_refused_naming_the_entry) {
  BOOST_TEST(Refusal("a,,b").find("empty entry") != std::string::npos);
  BOOST_TEST(Refusal("a,b,").find("empty entry") != std::string::npos);
  BOOST_TEST(Refusal("db1:x").find("'db1:x'") != std::string::npos);
  BOOST_TEST(Refusal("db1:0").find("port") != std::string::npos);
  BOOST_TEST(Refusal("db1:65536").find("port") != std::string::npos);
  BOOST_TEST(Refusal("db1:").find("empty port") != std::string::npos);
  BOOST_TEST(Refusal(":3306").find("no host") != std::string::npos);
  BOOST_TEST(Refusal("::1:3306").find("brackets") != std::string::npos);
  BOOST_TEST(Refusal("[::1").find("']'") != std::string::npos);
  BOOST_TEST(Refusal("[::1]3306").find("':port'") != std::string::npos);
  BOOST_TEST(Refusal("db1 db2").find("blank") != std::string::npos);
  BOOST_TEST(Refusal("db1:3306,db1").find("twice") != std::string::npos);
  BOOST_TEST(Refusal("run/a.sock,run/a.sock").find("twice") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(relative_sockets_resolve_against_var_dir) {
  auto c = flashsale::util::ParseConfig("var_dir = /srv/fs\ndb_nodes = run/n1.sock,/abs/n2.sock,h:1\n", {});
  BOOST_REQUIRE(c.ok());
  auto nodes = flashsale::store::DbNodesFrom(c.value());
  BOOST_REQUIRE(nodes.ok());
  BOOST_TEST(nodes.value()[0].socket == "/srv/fs/run/n1.sock");
  BOOST_TEST(nodes.value()[1].socket == "/abs/n2.sock");
  BOOST_TEST(nodes.value()[2].host == "h");
  // A list that does not parse never falls back to db_socket: every connection fails with it.
  auto bad = flashsale::util::ParseConfig("db_nodes = h:x\n", {});
  BOOST_REQUIRE(bad.ok());
  auto options = flashsale::store::DbOptionsFrom(bad.value());
  BOOST_TEST(options.nodes.empty());
  BOOST_TEST(options.nodes_error.find("h:x") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_a_synced_node_of_the_primary_component_takes_writes) {
  BOOST_TEST(WhyNotWriter({"ON", "Primary", "Synced", "NONE"}).empty());
  BOOST_TEST(WhyNotWriter({"OFF", "non-Primary", "Initialized", "NONE"}).find("primary component") != std::string::npos);
  BOOST_TEST(WhyNotWriter({"OFF", "Disconnected", "", "NONE"}).find("primary component") != std::string::npos);
  // Members of the primary component that are still catching up, or giving a state transfer.
  BOOST_TEST(WhyNotWriter({"OFF", "Primary", "Joining: receiving State Transfer", "NONE"}).find("not Synced") != std::string::npos);
  BOOST_TEST(WhyNotWriter({"ON", "Primary", "Joined", "NONE"}).find("not Synced") != std::string::npos);
  BOOST_TEST(WhyNotWriter({"ON", "Primary", "Donor/Desynced", "NONE"}).find("Donor/Desynced") != std::string::npos);
  BOOST_TEST(WhyNotWriter({"OFF", "Primary", "Synced", "NONE"}).find("wsrep_ready") != std::string::npos);
  // A node taken out for maintenance.
  BOOST_TEST(WhyNotWriter({"ON", "Primary", "Synced", "ALL"}).find("wsrep_reject_queries ALL") != std::string::npos);
  BOOST_TEST(WhyNotWriter({"ON", "Primary", "Synced", "NONE"}).empty());
  // A MariaDB without wsrep has none of these status variables.
  BOOST_TEST(WhyNotWriter({"", "", "", "NONE"}).find("not a Galera node") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(recently_failed_nodes_are_tried_last) {
  const int64_t now = 1000000;
  using V = std::vector<size_t>;
  BOOST_TEST(TryOrder({0, 0, 0}, now) == (V{0, 1, 2}));
  BOOST_TEST(TryOrder({now - 10, 0, 0}, now) == (V{1, 2, 0}));
  BOOST_TEST(TryOrder({now - 10, now - 5, 0}, now) == (V{2, 0, 1}));
  // All failed recently: still all tried, in list order.
  BOOST_TEST(TryOrder({now - 1, now - 2, now - 3}, now) == (V{0, 1, 2}));
  // A failure older than kNodeRetryMs no longer counts: back to list order.
  BOOST_TEST(TryOrder({now - kNodeRetryMs, 0, 0}, now) == (V{0, 1, 2}));
  BOOST_TEST(TryOrder({now - kNodeRetryMs + 1, 0, 0}, now) == (V{1, 2, 0}));
}

BOOST_AUTO_TEST_CASE(fail_back_only_from_a_later_node_once_per_period) {
  const int64_t t = 500000;
  BOOST_TEST(!FailBackDue(0, t, t + 10 * kFailBackCheckMs));  // on the first node: nowhere to go
  BOOST_TEST(!FailBackDue(1, t, t + kFailBackCheckMs - 1));
  BOOST_TEST(FailBackDue(1, t, t + kFailBackCheckMs));
  BOOST_TEST(FailBackDue(2, t, t + kFailBackCheckMs + 1));
}

BOOST_AUTO_TEST_SUITE_END()
