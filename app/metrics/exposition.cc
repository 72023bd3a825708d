#include "metrics/exposition.h"

#include <map>

#include "metrics/catalog.h"
#include "metrics/prometheus.h"

namespace flashsale::metrics {
namespace {

Sample Value(double v, LabelPairs labels = {}) { return Sample{std::move(labels), v}; }

// The samples of the families that are read at scrape time, by family name.
std::map<std::string_view, std::vector<Sample>> ScrapeTimeSamples(const ScrapeInputs& in) {
  const PoolState& p = in.pool;
  std::map<std::string_view, std::vector<Sample>> out;
  for (process::WorkerState s : {process::WorkerState::kStarting, process::WorkerState::kIdle,
                                 process::WorkerState::kBusy, process::WorkerState::kExiting}) {
    out[kWorkers].push_back(Value(p.counts.Of(s), {{"state", process::ToString(s)}}));
  }
  out[kWorkersMax] = {Value(static_cast<double>(p.workers.size()))};
  out[kPoolStart] = {Value(static_cast<double>(p.pool.start_unix))};
  out[kPoolAccepted] = {Value(static_cast<double>(p.pool.accepted))};
  out[kPoolMaxActive] = {Value(static_cast<double>(p.pool.max_active))};
  out[kPoolFull] = {Value(static_cast<double>(p.pool.max_children_reached))};
  out[kPoolSlow] = {Value(static_cast<double>(p.pool.slow_requests))};
  out[kPoolRespawns] = {Value(static_cast<double>(p.pool.respawns))};
  if (p.queue.length) out[kListenQueue] = {Value(static_cast<double>(*p.queue.length))};
  out[kListenQueueMax] = {Value(static_cast<double>(p.pool.listen_queue_max))};
  if (p.queue.limit) out[kListenQueueLimit] = {Value(static_cast<double>(*p.queue.limit))};
  out[kMariadbUp] = {Value(in.mariadb_up ? 1 : 0)};
  out[kRedisUp] = {Value(in.redis_up ? 1 : 0)};
  if (in.expiry) {
    out[kExpiryRuns] = {Value(static_cast<double>(in.expiry->runs))};
    out[kExpiryBatches] = {Value(static_cast<double>(in.expiry->batches))};
    out[kExpiryHolds] = {Value(static_cast<double>(in.expiry->holds))};
    out[kExpiryOrders] = {Value(static_cast<double>(in.expiry->orders))};
  }
  out[kMetricsDropped] = {Value(static_cast<double>(in.dropped))};
  return out;
}

}  // namespace

std::string MetricsText(const ScrapeInputs& in) {
  std::map<std::string_view, std::vector<Sample>> samples = ScrapeTimeSamples(in);
  std::map<std::string_view, std::vector<HistogramSample>> histograms;
  const std::vector<double> bounds(std::begin(kLatencyBounds), std::end(kLatencyBounds));
  for (const SeriesValue& s : in.series) {
    // Only families of the catalog are written (a registry of another release may hold others).
    if (s.kind == Kind::kCounter) {
      samples[s.family].push_back(Value(static_cast<double>(s.value), s.labels));
    } else {
      HistogramSample h;
      h.labels = s.labels;
      h.bounds = bounds;
      h.counts.assign(std::begin(s.buckets), std::end(s.buckets));
      h.sum = static_cast<double>(s.sum_micros) / 1e6;
      histograms[s.family].push_back(std::move(h));
    }
  }
  std::vector<Family> families;
  for (const FamilyInfo& info : Catalog()) {
    Family f;
    f.name = std::string(info.name);
    f.help = std::string(info.help);
    f.type = info.type;
    if (info.type == Type::kHistogram) {
      auto it = histograms.find(info.name);
      if (it != histograms.end()) f.histograms = std::move(it->second);
    } else {
      auto it = samples.find(info.name);
      if (it != samples.end()) f.samples = std::move(it->second);
    }
    families.push_back(std::move(f));
  }
  return WriteText(families);
}

}  // namespace flashsale::metrics
