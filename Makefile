# ricochet: the two commands of the README, and a few more.
#   make demo    install what is missing, build, run the pipeline on the sample stream
#   make test    install what is missing, build, run every test: unit, unit under
#                valgrind, integration; then all of them again on an ASan+UBSan build;
#                then each libFuzzer target for a fixed number of inputs (clang)
#   make bench   throughput and memory of each stage against a passthrough
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all build demo test test-unit test-asan test-valgrind test-fuzz bench clean deps-build deps-demo deps-test

all: build

deps-build:
	@bash scripts/deps.sh build
deps-demo:
	@bash scripts/deps.sh demo
deps-test:
	@bash scripts/deps.sh test

build: deps-build
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: deps-demo build
	@$(BUILD)/bin/ricochet dev -c examples/ricochet.yaml --feed examples/posts.jsonl

test: deps-test build test-asan test-fuzz
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -L unit -j$(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer build; runs every test with
# it (the integration tests then run the sanitized workers).
test-asan: deps-test
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DRICOCHET_SANITIZE=address,undefined >/dev/null
	@cmake --build $(BUILD)-asan -j$(JOBS)
	@cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS)

# libFuzzer targets (tests/fuzz/fuzz_<name>.c) in a clang build of their
# own, each run for RICOCHET_FUZZ_RUNS inputs over its seed corpus; see
# docs/fuzzing.md. The same build is a clang -Werror check of the project.
test-fuzz: deps-test
	@cmake -S . -B $(BUILD)-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRICOCHET_FUZZ=ON >/dev/null
	@cmake --build $(BUILD)-fuzz -j$(JOBS)
	@cd $(BUILD)-fuzz && ctest --output-on-failure -L fuzz -j$(JOBS)

# Every unit test under valgrind's memcheck (also part of the plain ctest run).
test-valgrind: deps-test build
	@cd $(BUILD) && ctest --output-on-failure -L valgrind -j$(JOBS)

bench: deps-test build
	@bash tests/bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
