// Unit tests: pure logic only (no MariaDB, Redis or network). One file per module.
#define BOOST_TEST_MODULE flashsale_unit
#include <boost/test/unit_test.hpp>
#include <log4cplus/appender.h>
#include <log4cplus/initializer.h>
#include <log4cplus/logger.h>
#include <log4cplus/nullappender.h>

// The code under test logs (error_map does); unit tests keep that output out of the report.
struct QuietLogs {
  QuietLogs() {
    log4cplus::initialize();
    log4cplus::SharedAppenderPtr null(new log4cplus::NullAppender());
    log4cplus::Logger::getRoot().addAppender(null);
  }
};
BOOST_TEST_GLOBAL_FIXTURE(QuietLogs);
