// The Prometheus text exposition format, version 0.0.4: families of samples in, text out. Pure.
//
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value, with \, " and newline escaped>",...} <value>
// A histogram is written as <name>_bucket{...,le="<bound>"} with cumulative counts ending with
// le="+Inf" (equal to _count), then <name>_sum and <name>_count. Families are written in the
// order given, each once; a family without samples is written with HELP and TYPE only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flashsale::metrics {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  LabelPairs labels;
  double value = 0;
};

struct HistogramSample {
  LabelPairs labels;
  std::vector<double> bounds;    // upper bounds, ascending, without +Inf
  std::vector<uint64_t> counts;  // per bucket, NOT cumulative: bounds.size() + 1 (last: +Inf)
  double sum = 0;
};

enum class Type { kCounter, kGauge, kHistogram };

struct Family {
  std::string name;
  std::string help;
  Type type = Type::kCounter;
  std::vector<Sample> samples;              // counter, gauge
  std::vector<HistogramSample> histograms;  // histogram
};

// The Content-Type of the format.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string WriteText(const std::vector<Family>& families);

// Exposed for the tests.
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
// Integers as integers; +Inf, -Inf, NaN; otherwise the shortest text that reads back exactly.
std::string FormatValue(double value);

}  // namespace flashsale::metrics
