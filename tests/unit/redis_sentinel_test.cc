#include "store/redis_sentinel.h"

#include "store/options.h"
#include "store/redis_client.h"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <deque>

using namespace flashsale::store;

namespace {

// Replies built by hand, as hiredis would hand them over (only the fields the parsers read).
struct Replies {
  std::deque<redisReply> store;
  std::deque<std::vector<redisReply*>> arrays;
  std::deque<std::string> texts;

  redisReply* Str(const std::string& s, int type = REDIS_REPLY_STRING) {
    texts.push_back(s);
    redisReply r{};
    r.type = type;
    r.str = texts.back().data();
    r.len = texts.back().size();
    store.push_back(r);
    return &store.back();
  }
  redisReply* Nil() {
    redisReply r{};
    r.type = REDIS_REPLY_NIL;
    store.push_back(r);
    return &store.back();
  }
  redisReply* Int(long long v) {
    redisReply r{};
    r.type = REDIS_REPLY_INTEGER;
    r.integer = v;
    store.push_back(r);
    return &store.back();
  }
  redisReply* Array(std::vector<redisReply*> items) {
    arrays.push_back(std::move(items));
    redisReply r{};
    r.type = REDIS_REPLY_ARRAY;
    r.elements = arrays.back().size();
    r.element = arrays.back().data();
    store.push_back(r);
    return &store.back();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(redis_sentinel)

BOOST_AUTO_TEST_CASE(host_port_lists) {
  auto list = ParseHostPorts("127.0.0.1:26379, 127.0.0.1:26380 ,sentinel-3.lan:5000");
  BOOST_TEST_REQUIRE(list.has_value());
  BOOST_TEST(list->size() == 3u);
  BOOST_TEST(((*list)[0] == HostPort{"127.0.0.1", 26379}));
  BOOST_TEST(((*list)[1] == HostPort{"127.0.0.1", 26380}));
  BOOST_TEST(((*list)[2] == HostPort{"sentinel-3.lan", 5000}));
  auto v6 = ParseHostPorts("[::1]:26379");
  BOOST_TEST_REQUIRE(v6.has_value());
  BOOST_TEST(((*v6)[0] == HostPort{"::1", 26379}));
  const char* bad[] = {"",          " ",          "127.0.0.1",       "127.0.0.1:",  ":26379",
                       "host:0",    "host:65536", "host:26379x",     "a:1,,b:2",    "a:1,",
                       "::1:26379", "[::1]26379", "[::1]:",          "host:-1",     "host: 1"};
  for (const char* text : bad) {
    BOOST_TEST_CONTEXT('"' << text << '"') { BOOST_TEST(!ParseHostPorts(text).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(get_master_addr_by_name_answers) {
  Replies r;
  auto addr = ParseMasterAddr(r.Array({r.Str("127.0.0.1"), r.Str("27004")}));
  BOOST_TEST_REQUIRE(addr.has_value());
  BOOST_TEST((*addr == HostPort{"127.0.0.1", 27004}));
  BOOST_TEST(!ParseMasterAddr(nullptr).has_value());
  BOOST_TEST(!ParseMasterAddr(r.Nil()).has_value());  // the Sentinel does not know the name
  BOOST_TEST(!ParseMasterAddr(r.Str("ERR unknown", REDIS_REPLY_ERROR)).has_value());
  BOOST_TEST(!ParseMasterAddr(r.Array({r.Str("127.0.0.1")})).has_value());
  BOOST_TEST(!ParseMasterAddr(r.Array({r.Str("127.0.0.1"), r.Str("port")})).has_value());
  BOOST_TEST(!ParseMasterAddr(r.Array({r.Str(""), r.Str("27004")})).has_value());
  BOOST_TEST(!ParseMasterAddr(r.Array({r.Str("127.0.0.1"), r.Int(27004)})).has_value());
}

BOOST_AUTO_TEST_CASE(role_answers) {
  Replies r;
  BOOST_TEST(RoleIsMaster(r.Array({r.Str("master"), r.Int(3129659), r.Array({})})));
  BOOST_TEST(!RoleIsMaster(r.Array({r.Str("slave"), r.Str("127.0.0.1"), r.Int(9999),
                                    r.Str("connected"), r.Int(3167038)})));
  BOOST_TEST(!RoleIsMaster(r.Array({r.Str("sentinel"), r.Array({r.Str("flashsale")})})));
  BOOST_TEST(!RoleIsMaster(r.Array({})));
  BOOST_TEST(!RoleIsMaster(r.Str("master")));
  BOOST_TEST(!RoleIsMaster(r.Str("LOADING Redis is loading", REDIS_REPLY_ERROR)));
  BOOST_TEST(!RoleIsMaster(nullptr));
}

BOOST_AUTO_TEST_CASE(info_fields) {
  const std::string info =
      "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
      "slave0:ip=127.0.0.1,port=27005,state=online,offset=1,lag=0\r\n"
      "master_replid:8d2ad1c4b0ff9c1d7e3a2f7b4c6d8e9f0a1b2c3d\r\n"
      "master_replid2:0000000000000000000000000000000000000000\r\n";
  BOOST_TEST(InfoField(info, "master_replid") == "8d2ad1c4b0ff9c1d7e3a2f7b4c6d8e9f0a1b2c3d");
  BOOST_TEST(InfoField(info, "master_replid2") == "0000000000000000000000000000000000000000");
  BOOST_TEST(InfoField(info, "role") == "master");
  BOOST_TEST(InfoField(info, "master") == "");  // a prefix of a field is not the field
  BOOST_TEST(InfoField(info, "replid") == "");
  BOOST_TEST(InfoField("role:slave", "role") == "slave");  // no trailing newline
  BOOST_TEST(InfoField("", "role") == "");
}

BOOST_AUTO_TEST_CASE(options_from_the_config) {
  flashsale::util::Config c;
  RedisOptions single = RedisOptionsFrom(c);
  BOOST_TEST(single.sentinels.empty());
  BOOST_TEST(single.sentinel_master.empty());  // the one server of redis_socket / redis_host

  c.redis_sentinels = "127.0.0.1:26379, 127.0.0.1:26380";
  c.redis_sentinel_master = "shop";
  RedisOptions o = RedisOptionsFrom(c);
  BOOST_TEST(o.sentinels.size() == 2u);
  BOOST_TEST(o.sentinel_master == "shop");

  // A list that does not parse never falls back to redis_host (perhaps a demoted master by
  // now): Sentinel mode with no Sentinel, so the cache stays bypassed.
  c.redis_sentinels = "127.0.0.1";
  RedisOptions bad = RedisOptionsFrom(c);
  BOOST_TEST(bad.sentinels.empty());
  BOOST_TEST(bad.sentinel_master == "shop");
  RedisClient client(bad);
  BOOST_TEST(!client.Ping());
  BOOST_TEST(client.MasterSwitched());  // nothing may be read
}

BOOST_AUTO_TEST_SUITE_END()
