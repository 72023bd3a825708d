// FailureObserver: the Boost.Test observer of the integration and the cluster binaries. It
// remembers whether any assertion of the run failed (the teardown then keeps the var dir), and
// after each failed test case calls `report` with the case's name (to print the logs' tails).
#pragma once

#include <boost/test/tree/observer.hpp>
#include <boost/test/tree/test_unit.hpp>
#include <functional>
#include <string>
#include <utility>

namespace flashsale::itest {

class FailureObserver : public boost::unit_test::test_observer {
 public:
  explicit FailureObserver(std::function<void(const std::string& case_name)> report)
      : report_(std::move(report)) {}

  void test_unit_start(const boost::unit_test::test_unit& tu) override {
    if (tu.p_type == boost::unit_test::TUT_CASE) case_failed_ = false;
  }
  void assertion_result(boost::unit_test::assertion_result ar) override {
    if (ar == boost::unit_test::AR_FAILED) Failed();
  }
  void exception_caught(const boost::execution_exception&) override { Failed(); }
  void test_unit_aborted(const boost::unit_test::test_unit&) override { Failed(); }
  void test_unit_finish(const boost::unit_test::test_unit& tu, unsigned long) override {
    if (tu.p_type == boost::unit_test::TUT_CASE && case_failed_) report_(tu.full_name());
  }

  bool any_failed() const { return any_failed_; }

 private:
  void Failed() {
    case_failed_ = true;
    any_failed_ = true;
  }

  std::function<void(const std::string&)> report_;
  bool case_failed_ = false;
  bool any_failed_ = false;
};

}  // namespace flashsale::itest
