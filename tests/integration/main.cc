// Integration tests: one throwaway local stack for the whole run (tests/support/test_stack.h),
// spoken to over HTTP through nginx, checked in MariaDB and Redis. One file per feature.
//
//   make integration                                   all of them
//   build/tests/integration_tests --run_test=holds     one suite
//   FLASHSALE_ITEST_KEEP=1 build/tests/integration_tests   keep the var dir (logs) afterwards
#define BOOST_TEST_MODULE flashsale_integration
#include <boost/test/unit_test.hpp>

#include "../support/test_stack.h"

using FlashsaleStackFixture = flashsale::itest::StackFixture;
BOOST_TEST_GLOBAL_FIXTURE(FlashsaleStackFixture);
