# flashsale: build, local stack, tests, install.
#
#   make run      install missing Debian packages, build, start the private stack in var/
#   make cluster  the same with a local cluster in var/cluster: 3 Galera nodes, Redis behind
#                 Sentinel, several pools behind one nginx (conf/local/cluster.sh)
#   make test     install, build, run unit + integration tests against a throwaway stack, the
#                 cluster tests against a throwaway cluster, and replay the fuzz corpora
#   make bench    flash sale under load, ratios against ceilings measured in the same run
#   make bench-cluster  holds/s on one MariaDB against the local Galera cluster, as a ratio
#   make faults   the fault suite alone, for FAULT_SECONDS (default 600) of injected faults
#   make fuzz     libFuzzer harnesses (clang, ASan + UBSan), FUZZ_SECONDS (default 300) each
#   make test-sanitize  unit + integration tests with binaries built with ASan + UBSan
#
# Everything the build produces goes to build/; the local stack's state goes to var/.

CXX      ?= g++
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -MMD -MP
CPPFLAGS += -Iapp -I/usr/include/jsoncpp -DBOOST_TEST_DYN_LINK
LDLIBS   := -lfcgi -lmysqlcppconn -lhiredis -ljsoncpp -llog4cplus -lcrypto -lpthread

PREFIX  ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc

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
# The cluster tests share tests/support with the integration tests (their fixture is their own).
CLUSTER_SRCS := $(sort $(wildcard tests/cluster/*.cc tests/support/*.cc))
CLUSTER_OBJS := $(CLUSTER_SRCS:%.cc=$(BUILD)/obj/%.o)

.PHONY: all deps run cluster test unit integration cluster-test faults openapi-lint bench bench-cluster install uninstall clean reset \
        fuzz-build fuzz fuzz-replay fuzz-minimize test-sanitize
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

$(BUILD)/tests/cluster_tests: $(CLUSTER_OBJS) $(APP_LIB)
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

# The local cluster (3 Galera nodes, Redis + Sentinels, FLASHSALE_CLUSTER_POOLS pools, nginx on
# FLASHSALE_HTTP_PORT, default 8090) in var/cluster, in the foreground until Ctrl-C.
cluster: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@conf/local/cluster.sh run

unit: $(BUILD)/tests/unit_tests
	$(BUILD)/tests/unit_tests --log_level=test_suite --report_level=short --color_output=no

integration: all $(BUILD)/tests/integration_tests
	$(BUILD)/tests/integration_tests --log_level=test_suite --report_level=short --color_output=no

# The cluster tests (tests/cluster/): one throwaway local cluster (conf/local/cluster.sh).
cluster-test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/tests/cluster_tests
	$(BUILD)/tests/cluster_tests --log_level=test_suite --report_level=short --color_output=no

# `make test` runs the fault suite briefly (40 s of faults); this is the long run.
faults: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/tests/integration_tests
	FLASHSALE_FAULT_SECONDS=$${FAULT_SECONDS:-600} $(BUILD)/tests/integration_tests --run_test=faults \
	  --log_level=message --report_level=short --color_output=no

# Both suites, the fuzz replay (every corpus and crash input once, tests/fuzz/run.sh) and the API
# reference lint run even if one fails; the last line is the summary, the exit code its verdict.
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/tests/unit_tests $(BUILD)/tests/integration_tests \
	  $(BUILD)/tests/cluster_tests
	@unit=0; integ=0; cluster=0; fuzz=0; api=0; \
	$(MAKE) --no-print-directory unit || unit=$$?; \
	$(MAKE) --no-print-directory integration || integ=$$?; \
	$(BUILD)/tests/cluster_tests --log_level=test_suite --report_level=short --color_output=no || cluster=$$?; \
	$(MAKE) --no-print-directory -j$$(nproc) fuzz-replay || fuzz=$$?; \
	$(MAKE) --no-print-directory openapi-lint || api=$$?; \
	verdict() { if [ "$$1" -eq 0 ]; then echo passed; else echo FAILED; fi; }; \
	echo "SUMMARY: unit tests $$(verdict $$unit), integration tests $$(verdict $$integ), fuzz replay $$(verdict $$fuzz), cluster tests $$(verdict $$cluster), API reference lint $$(verdict $$api)"; \
	[ $$unit -eq 0 ] && [ $$integ -eq 0 ] && [ $$cluster -eq 0 ] && [ $$fuzz -eq 0 ] && [ $$api -eq 0 ]

# The API reference (app/api/openapi/) linted by Redocly's CLI, installed from npm on first use.
openapi-lint:
	@tests/openapi/lint.sh

bench: deps all $(BIN)/bench-fcgi-ceiling $(BIN)/bench-db-ceiling
	@tests/bench/run.sh

# Holds per second on one MariaDB against the local Galera cluster, in the same run, as a ratio.
bench-cluster: deps all
	@tests/bench/cluster.sh

# Binaries (stripped), sql/, the runtime part of conf/, the systemd unit, /etc/cron.d/flashsale
# and, when absent, /etc/flashsale/flashsale.conf: see conf/install.sh. PREFIX, DESTDIR and
# SYSCONFDIR are honoured in every path and in the paths written inside the files.
install: all
	@PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) SYSCONFDIR=$(SYSCONFDIR) BIN_DIR=$(BIN) conf/install.sh install

# Everything `install` put there except the configuration (PURGE=1 removes it too).
uninstall:
	@PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) SYSCONFDIR=$(SYSCONFDIR) conf/install.sh uninstall

clean:
	rm -rf $(BUILD)

# Wipes the local stack's state (database, cache, logs). Stop `make run` first.
reset:
	rm -rf $${FLASHSALE_VAR_DIR:-var}

# ---------------------------------------------------------------------------------------------
# Fuzzing: libFuzzer harnesses (tests/fuzz/*_fuzzer.cc), built with clang and ASan + UBSan.
# The app library is compiled again with clang and the same sanitizers into build/fuzz/, never
# mixed with the g++ objects of build/obj/. tests/fuzz/run.sh runs them (see tests/fuzz/README.md).
# ---------------------------------------------------------------------------------------------

FUZZ_CXX       ?= clang++
FUZZ_SECONDS   ?= 300
FUZZ_BUILD     := $(BUILD)/fuzz
FUZZ_SANITIZE  := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CXXFLAGS  := -O1 -g -fno-omit-frame-pointer -std=c++20 -Wall -Wextra -MMD -MP $(FUZZ_SANITIZE)
# The harnesses reach everything but the process and job code; no need to compile that (but for
# the scoreboard, which the request path's metrics read).
FUZZ_APP_SRCS  := $(filter-out app/process/% app/jobs/%,$(APP_SRCS)) app/process/scoreboard.cc
FUZZ_APP_OBJS  := $(FUZZ_APP_SRCS:%.cc=$(FUZZ_BUILD)/obj/%.o)
FUZZ_LIB       := $(FUZZ_BUILD)/libflashsale.a
FUZZ_SUPPORT_SRCS := $(sort $(wildcard tests/fuzz/support/*.cc))
FUZZ_SUPPORT_OBJS := $(FUZZ_SUPPORT_SRCS:%.cc=$(FUZZ_BUILD)/obj/%.o)
FUZZ_NAMES     := $(sort $(patsubst tests/fuzz/%_fuzzer.cc,%,$(wildcard tests/fuzz/*_fuzzer.cc)))
FUZZ_BINS      := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/bin/%)

# App code: coverage instrumentation without libFuzzer's main.
$(FUZZ_BUILD)/obj/app/%.o: app/%.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(CPPFLAGS) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# Harnesses are coverage-instrumented like the app (header-only app code, e.g. the Router
# template, is compiled in them); their reference code in support/ is only sanitized, so the
# fuzzer steers by the code under test (and the corpora stay small).
$(FUZZ_BUILD)/obj/tests/fuzz/%_fuzzer.o: tests/fuzz/%_fuzzer.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/obj/tests/fuzz/support/%.o: tests/fuzz/support/%.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CXXFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_APP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/bin/%: $(FUZZ_BUILD)/obj/tests/fuzz/%_fuzzer.o $(FUZZ_SUPPORT_OBJS) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)

# Keep the harness objects (make would delete them as intermediates of the pattern rule).
.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/obj/tests/fuzz/%_fuzzer.o) $(FUZZ_SUPPORT_OBJS)

fuzz-build: $(FUZZ_BINS)

# Runs every harness for FUZZ_SECONDS, merges what found new coverage into its corpus; a crash
# is left in tests/fuzz/crashes/<harness>/ and fails the target. FUZZ_TARGETS picks harnesses.
fuzz: deps
	@$(MAKE) --no-print-directory -j$$(nproc) fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh fuzz $(FUZZ_TARGETS)

# Every corpus file and every past crash input, once, under the sanitizers (part of `make test`).
fuzz-replay: fuzz-build
	@tests/fuzz/run.sh replay $(FUZZ_TARGETS)

# Rewrites each corpus as the smallest set of its files with the same coverage.
fuzz-minimize: fuzz-build
	@tests/fuzz/run.sh minimize $(FUZZ_TARGETS)

# ---------------------------------------------------------------------------------------------
# Sanitizer build of the unit and integration tests: the app binaries, unit_tests and
# integration_tests compiled with ASan + UBSan (g++) into build/sanitize/, then both suites with
# the stack running those binaries (FLASHSALE_BIN_DIR). Not part of `make test` (slow).
# ---------------------------------------------------------------------------------------------

SAN_BUILD     := $(BUILD)/sanitize
# (-Wno-maybe-uninitialized: g++ 12 warns falsely inside <regex> and <functional> under ASan.)
SAN_CXXFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                 -fno-sanitize-recover=undefined -std=c++20 -Wall -Wextra -Wno-maybe-uninitialized \
                 -MMD -MP
SAN_APP_OBJS  := $(APP_SRCS:%.cc=$(SAN_BUILD)/obj/%.o)
SAN_LIB       := $(SAN_BUILD)/libflashsale.a
SAN_BINARIES  := $(BINARIES:$(BIN)/%=$(SAN_BUILD)/bin/%)
SAN_UNIT_OBJS := $(UNIT_SRCS:%.cc=$(SAN_BUILD)/obj/%.o)
SAN_INTEG_OBJS := $(INTEG_SRCS:%.cc=$(SAN_BUILD)/obj/%.o)

$(SAN_BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(SAN_CXXFLAGS) -c $< -o $@

$(SAN_LIB): $(SAN_APP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SAN_BUILD)/bin/flashsale-fcgi: $(SAN_BUILD)/obj/app/cmd/flashsale_fcgi.o $(SAN_LIB)
$(SAN_BUILD)/bin/flashsale-release-expired: $(SAN_BUILD)/obj/app/cmd/release_expired.o $(SAN_LIB)
$(SAN_BUILD)/bin/flashsale-migrate: $(SAN_BUILD)/obj/app/cmd/migrate.o $(SAN_LIB)
$(SAN_BINARIES):
	@mkdir -p $(dir $@)
	$(CXX) $(SAN_CXXFLAGS) $^ -o $@ $(LDLIBS)

$(SAN_BUILD)/tests/unit_tests: $(SAN_UNIT_OBJS) $(SAN_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(SAN_CXXFLAGS) $^ -o $@ $(LDLIBS) -lboost_unit_test_framework

$(SAN_BUILD)/tests/integration_tests: $(SAN_INTEG_OBJS) $(SAN_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(SAN_CXXFLAGS) $^ -o $@ $(LDLIBS) -lcurl -lboost_unit_test_framework

test-sanitize: deps
	@$(MAKE) --no-print-directory -j$$(nproc) $(SAN_BINARIES) $(SAN_BUILD)/tests/unit_tests \
	  $(SAN_BUILD)/tests/integration_tests
	@tests/fuzz/sanitized_tests.sh $(SANITIZE_ARGS)

-include $(APP_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(INTEG_OBJS:.o=.d) $(CLUSTER_OBJS:.o=.d) $(FUZZ_APP_OBJS:.o=.d) $(FUZZ_SUPPORT_OBJS:.o=.d) \
         $(FUZZ_NAMES:%=$(FUZZ_BUILD)/obj/tests/fuzz/%_fuzzer.d) \
         $(SAN_APP_OBJS:.o=.d) $(SAN_UNIT_OBJS:.o=.d) $(SAN_INTEG_OBJS:.o=.d) \
         $(wildcard $(BUILD)/obj/app/cmd/*.d $(SAN_BUILD)/obj/app/cmd/*.d)
