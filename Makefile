# flashsale: build, local stack, tests, install.
#
#   make run      install missing Debian packages, build, start the private stack in var/
#   make test     install, build, run unit + integration tests against a throwaway stack
#   make bench    flash sale under load, ratios against ceilings measured in the same run
#   make faults   the fault suite alone, for FAULT_SECONDS (default 600) of injected faults
#
# Everything the build produces goes to build/; the local stack's state goes to var/.

CXX      ?= g++
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -MMD -MP
CPPFLAGS += -Iapp -I/usr/include/jsoncpp -DBOOST_TEST_DYN_LINK
LDLIBS   := -lfcgi -lmysqlcppconn -lhiredis -ljsoncpp -llog4cplus -lcrypto -lpthread

PREFIX  ?= /usr/local
DESTDIR ?=

BUILD   := build
BIN     := $(BUILD)/bin

# app/cmd/ holds one file per binary; everything else under app/ is the shared library.
APP_SRCS := $(shell find app -name '*.cc' -not -path 'app/cmd/*' | sort)
APP_OBJS := $(APP_SRCS:%.cc=$(BUILD)/obj/%.o)
APP_LIB  := $(BUILD)/libflashsale.a

BINARIES := $(BIN)/flashsale-fcgi $(BIN)/flashsale-release-expired $(BIN)/flashsale-migrate

UNIT_SRCS := $(sort $(wildcard tests/unit/*.cc))
UNIT_OBJS := $(UNIT_SRCS:%.cc=$(BUILD)/obj/%.o)
INTEG_SRCS := $(sort $(wildcard tests/integration/*.cc tests/support/*.cc))
INTEG_OBJS := $(INTEG_SRCS:%.cc=$(BUILD)/obj/%.o)
BENCH_SRCS := $(sort $(wildcard tests/bench/*.cc))

.PHONY: all deps run test unit integration faults openapi-lint bench install clean reset
.DEFAULT_GOAL := all

all: $(BINARIES)

# Installs whatever Debian packages are missing (apt-get, through sudo when not root).
deps:
	@conf/local/deps.sh

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(APP_LIB): $(APP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/flashsale-fcgi: $(BUILD)/obj/app/cmd/flashsale_fcgi.o $(APP_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

$(BIN)/flashsale-release-expired: $(BUILD)/obj/app/cmd/release_expired.o $(APP_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

$(BIN)/flashsale-migrate: $(BUILD)/obj/app/cmd/migrate.o $(APP_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/unit_tests: $(UNIT_OBJS) $(APP_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS) -lboost_unit_test_framework

$(BUILD)/tests/integration_tests: $(INTEG_OBJS) $(APP_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS) -lcurl -lboost_unit_test_framework

# The minimal FastCGI responder the benchmark measures as its ceiling.
$(BIN)/bench-fcgi-ceiling: tests/bench/fcgi_ceiling.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $< -o $@ -lfcgi

$(BIN)/bench-db-ceiling: tests/bench/db_ceiling.cc $(APP_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@conf/local/stack.sh run

unit: $(BUILD)/tests/unit_tests
	$(BUILD)/tests/unit_tests --log_level=test_suite --report_level=short --color_output=no

integration: all $(BUILD)/tests/integration_tests
	$(BUILD)/tests/integration_tests --log_level=test_suite --report_level=short --color_output=no

# `make test` runs the fault suite briefly (40 s of faults); this is the long run.
faults: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/tests/integration_tests
	FLASHSALE_FAULT_SECONDS=$${FAULT_SECONDS:-600} $(BUILD)/tests/integration_tests --run_test=faults \
	  --log_level=message --report_level=short --color_output=no

# Both suites run even if the first fails; the last line is the summary, the exit code its verdict.
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/tests/unit_tests $(BUILD)/tests/integration_tests
	@unit=0; integ=0; api=0; \
	$(MAKE) --no-print-directory unit || unit=$$?; \
	$(MAKE) --no-print-directory integration || integ=$$?; \
	$(MAKE) --no-print-directory openapi-lint || api=$$?; \
	verdict() { [ $$1 -eq 0 ] && echo passed || echo FAILED; }; \
	echo "SUMMARY: unit tests $$(verdict $$unit), integration tests $$(verdict $$integ), API reference lint $$(verdict $$api)"; \
	[ $$unit -eq 0 ] && [ $$integ -eq 0 ] && [ $$api -eq 0 ]

# The API reference (app/api/openapi/) linted by Redocly's CLI, installed from npm on first use.
openapi-lint:
	@tests/openapi/lint.sh

bench: deps all $(BIN)/bench-fcgi-ceiling $(BIN)/bench-db-ceiling
	@tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/flashsale
	install -m 0755 $(BINARIES) $(DESTDIR)$(PREFIX)/bin/
	cp -R conf sql cron $(DESTDIR)$(PREFIX)/share/flashsale/

clean:
	rm -rf $(BUILD)

# Wipes the local stack's state (database, cache, logs). Stop `make run` first.
reset:
	rm -rf $${FLASHSALE_VAR_DIR:-var}

-include $(APP_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(INTEG_OBJS:.o=.d)
