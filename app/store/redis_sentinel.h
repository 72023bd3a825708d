// Finding the Redis master through Sentinel, and telling one master from the next.
//
// SentinelLookup asks each Sentinel in turn (`SENTINEL get-master-addr-by-name`, short
// timeouts), starting with the one that answered last (its connection kept open), and takes the
// first address it gets.
// A Sentinel may name a node that has just been demoted (or be behind), so the caller connects
// there and runs CheckMaster: ROLE must say "master", or the node is not used.
//
// Why a master's identity matters (store/product_cache.h): a replica promoted by a failover may
// have missed invalidations the old master acknowledged, so entries written before a switch must
// be retired before anything is read from the new master. A master is identified by its
// replication ID (`master_replid` of INFO replication): every promotion and every restart gives
// a node a new one, and a replica carries its master's. CheckMaster also reads the marker key,
// which holds the replication ID of the master on which the entries were last retired; it is
// replicated with the data, so on a promoted replica (or a restarted, empty node) it names
// another master than the one answering.
#pragma once

#include <hiredis/hiredis.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flashsale::store {

struct HostPort {
  std::string host;
  int port = 0;
  bool operator==(const HostPort&) const = default;
};

// "host:port, host:port, ..." (blanks around the commas allowed; a bracketed IPv6 host as
// "[::1]:26379"). nullopt when an entry is malformed or the list is empty.
std::optional<std::vector<HostPort>> ParseHostPorts(std::string_view text);

// The answer to SENTINEL get-master-addr-by-name: a two-element array {host, port}; nullopt for
// a nil (the Sentinel does not know the name), an error or anything else.
std::optional<HostPort> ParseMasterAddr(const redisReply* reply);

// The answer to ROLE: true only when its first element is "master".
bool RoleIsMaster(const redisReply* reply);

// The value of `field` in an INFO answer ("field:value" lines); "" when absent.
std::string InfoField(std::string_view info, std::string_view field);

class SentinelLookup {
 public:
  // Each Sentinel gets at most timeout_ms to connect and as much to answer.
  SentinelLookup(std::vector<HostPort> sentinels, std::string master_name, int timeout_ms);
  ~SentinelLookup();
  SentinelLookup(const SentinelLookup&) = delete;
  SentinelLookup& operator=(const SentinelLookup&) = delete;

  // The master's address according to the first Sentinel that knows it; nullopt if none does.
  std::optional<HostPort> Master();

  const std::string& master_name() const { return master_name_; }

 private:
  std::vector<HostPort> sentinels_;
  std::string master_name_;
  int timeout_ms_;
  size_t first_ = 0;             // the Sentinel that answered last is asked first
  redisContext* ctx_ = nullptr;  // to sentinels_[first_], null when none is open
};

struct MasterCheck {
  bool answered = false;   // all three replies arrived
  bool is_master = false;  // ROLE said master
  std::string replid;      // master_replid
  std::string marker;      // the marker key's value, "" when it is missing
};

// ROLE, INFO replication and GET marker_key in one round trip on `ctx`.
MasterCheck CheckMaster(redisContext* ctx, const std::string& marker_key);

}  // namespace flashsale::store
