// MetricsText: GET /metrics read back for the tests. Parses the Prometheus text format's sample
// lines (comments skipped) into series -> value, where a series is the metric name and its
// labels sorted by name, so a test can look one up whatever order the writer used.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "http_client.h"

namespace flashsale::itest {

using PromLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsText {
 public:
  // Parses `text`; lines that are not samples are counted in bad_lines().
  explicit MetricsText(const std::string& text);

  // The sample's value, 0 when the series is absent.
  double Value(const std::string& name, PromLabels labels = {}) const;
  bool Has(const std::string& name, PromLabels labels = {}) const;
  // The sum over every series of `name` whose labels include `labels`.
  double Sum(const std::string& name, const PromLabels& labels = {}) const;
  size_t bad_lines() const { return bad_lines_; }
  size_t size() const { return series_.size(); }

 private:
  struct Series {
    std::string name;
    PromLabels labels;  // sorted
  };
  static std::string Key(const std::string& name, PromLabels labels);

  std::map<std::string, double> values_;
  std::vector<std::pair<Series, double>> series_;
  size_t bad_lines_ = 0;
};

// GET /metrics through nginx; fails the test (BOOST_REQUIRE) unless it is a 200 in the text format.
MetricsText MustScrape(const HttpClient& http);

}  // namespace flashsale::itest
