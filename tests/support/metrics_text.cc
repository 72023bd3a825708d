#include "metrics_text.h"

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace flashsale::itest {

std::string MetricsText::Key(const std::string& name, PromLabels labels) {
  std::sort(labels.begin(), labels.end());
  std::string key = name + "{";
  for (const auto& [n, v] : labels) key += n + "=\"" + v + "\",";
  return key + "}";
}

MetricsText::MetricsText(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    Series s;
    size_t at = line.find_first_of("{ ");
    if (at == std::string::npos) {
      ++bad_lines_;
      continue;
    }
    s.name = line.substr(0, at);
    bool ok = true;
    if (line[at] == '{') {
      ++at;
      while (ok && at < line.size() && line[at] != '}') {
        size_t eq = line.find("=\"", at);
        if (eq == std::string::npos) {
          ok = false;
          break;
        }
        std::string name = line.substr(at, eq - at), value;
        at = eq + 2;
        while (at < line.size() && line[at] != '"') {
          if (line[at] == '\\' && at + 1 < line.size()) {
            ++at;
            value += line[at] == 'n' ? '\n' : line[at];
          } else {
            value += line[at];
          }
          ++at;
        }
        if (at >= line.size()) ok = false;
        ++at;  // the closing quote
        if (at < line.size() && line[at] == ',') ++at;
        s.labels.emplace_back(name, value);
      }
      if (at >= line.size()) ok = false;
      ++at;  // '}'
    }
    if (!ok || at >= line.size() || line[at] != ' ') {
      ++bad_lines_;
      continue;
    }
    std::string number = line.substr(at + 1);
    char* end = nullptr;
    double value = number == "+Inf" ? HUGE_VAL : std::strtod(number.c_str(), &end);
    if (number != "+Inf" && (end == nullptr || *end != '\0')) {
      ++bad_lines_;
      continue;
    }
    std::sort(s.labels.begin(), s.labels.end());
    values_[Key(s.name, s.labels)] = value;
    series_.emplace_back(std::move(s), value);
  }
}

double MetricsText::Value(const std::string& name, PromLabels labels) const {
  auto it = values_.find(Key(name, std::move(labels)));
  return it == values_.end() ? 0 : it->second;
}

bool MetricsText::Has(const std::string& name, PromLabels labels) const {
  return values_.count(Key(name, std::move(labels))) != 0;
}

double MetricsText::Sum(const std::string& name, const PromLabels& labels) const {
  double sum = 0;
  for (const auto& [s, value] : series_) {
    if (s.name != name) continue;
    bool all = std::all_of(labels.begin(), labels.end(), [&](const auto& want) {
      return std::find(s.labels.begin(), s.labels.end(), want) != s.labels.end();
    });
    if (all) sum += value;
  }
  return sum;
}

MetricsText MustScrape(const HttpClient& http) {
  HttpResponse r = http.Get("/metrics");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.Describe());
  BOOST_REQUIRE_MESSAGE(r.Header("content-type").rfind("text/plain; version=0.0.4", 0) == 0,
                        "Content-Type " << r.Header("content-type"));
  MetricsText m(r.body);
  BOOST_REQUIRE_MESSAGE(m.bad_lines() == 0, "unparsable lines in /metrics:\n" << r.body);
  return m;
}

}  // namespace flashsale::itest
