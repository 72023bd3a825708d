#include "store/db_nodes.h"

#include <algorithm>

namespace flashsale::store {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

Status Bad(const std::string& entry, const std::string& why) {
  return Status::InvalidArgument("invalid_config", "db_nodes: '" + entry + "': " + why);
}

// "65535" -> 65535; anything else (empty, signs, blanks, out of range) -> 0.
int ParsePort(const std::string& s) {
  if (s.empty() || s.size() > 5) return 0;
  int port = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    port = port * 10 + (c - '0');
  }
  return port <= 65535 ? port : 0;
}

bool HasBlank(const std::string& s) { return s.find_first_of(" \t") != std::string::npos; }

}  // namespace

std::string DbEndpoint::Describe() const {
  if (!socket.empty()) return socket;
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<std::vector<DbEndpoint>> ParseDbNodes(const std::string& list) {
  std::vector<DbEndpoint> nodes;
  if (Trim(list).empty()) return nodes;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    std::string entry = Trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (entry.empty()) return Bad(list, "an empty entry (two commas, or one at an end)");
    if (HasBlank(entry)) return Bad(entry, "a blank inside an entry");
    DbEndpoint node;
    if (entry.find('/') != std::string::npos) {
      node.socket = entry;
    } else {
      std::string port;
      if (entry[0] == '[') {  // [v6]:port
        size_t close = entry.find(']');
        if (close == std::string::npos || close == 1) return Bad(entry, "a '[' without an address and ']'");
        node.host = entry.substr(1, close - 1);
        if (close + 1 < entry.size()) {
          if (entry[close + 1] != ':') return Bad(entry, "expected ':port' after ']'");
          port = entry.substr(close + 2);
          if (port.empty()) return Bad(entry, "an empty port");
        }
      } else {
        size_t colon = entry.find(':');
        if (colon != std::string::npos && entry.find(':', colon + 1) != std::string::npos) {
          return Bad(entry, "an IPv6 address needs brackets: [address]:port");
        }
        node.host = entry.substr(0, colon);
        if (colon != std::string::npos) {
          port = entry.substr(colon + 1);
          if (port.empty()) return Bad(entry, "an empty port");
        }
        if (node.host.empty()) return Bad(entry, "no host");
      }
      if (!port.empty()) {
        node.port = ParsePort(port);
        if (node.port == 0) return Bad(entry, "the port must be a number from 1 to 65535");
      }
    }
    for (const DbEndpoint& seen : nodes) {
      if (seen.Describe() == node.Describe()) return Bad(entry, "listed twice");
    }
    nodes.push_back(node);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return nodes;
}

std::string WhyNotWriter(const NodeState& s) {
  if (s.ready.empty() && s.cluster_status.empty() && s.local_state.empty()) {
    return "not a Galera node (no wsrep status)";
  }
  if (s.cluster_status != "Primary") {
    return "not in the primary component (wsrep_cluster_status " +
           (s.cluster_status.empty() ? std::string("unknown") : s.cluster_status) + ")";
  }
  if (s.local_state != "Synced") {
    return "not Synced (wsrep_local_state_comment " +
           (s.local_state.empty() ? std::string("unknown") : s.local_state) + ")";
  }
  if (s.ready != "ON") return "wsrep_ready is " + (s.ready.empty() ? std::string("unknown") : s.ready);
  if (!s.reject_queries.empty() && s.reject_queries != "NONE") {
    return "refuses client queries (wsrep_reject_queries " + s.reject_queries + ")";
  }
  return "";
}

std::vector<size_t> TryOrder(const std::vector<int64_t>& failed_at_ms, int64_t now_ms) {
  std::vector<size_t> order, later;
  for (size_t i = 0; i < failed_at_ms.size(); ++i) {
    bool recent = failed_at_ms[i] != 0 && now_ms - failed_at_ms[i] < kNodeRetryMs;
    (recent ? later : order).push_back(i);
  }
  order.insert(order.end(), later.begin(), later.end());
  return order;
}

bool FailBackDue(size_t current, int64_t checked_ms, int64_t now_ms) {
  return current > 0 && now_ms - checked_ms >= kFailBackCheckMs;
}

}  // namespace flashsale::store
