# The two commands: `make run` and `make test` (see README.md). Both install what is missing.
SHELL := /bin/bash
JOBS  ?= $(shell nproc)
CMAKE_FLAGS := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
# ccache (scripts/install-deps installs it): the appliance test's extra builds (the previous
# release, a fault-injected one) differ from the release build in two files only.
# Release builds only (the sanitize and fuzz builds gain nothing from a cold cache); decided
# when the recipe runs, after `deps` has installed it.
CCACHE_FLAGS := $$(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

RELEASE  := build/release
SANITIZE := build/sanitize
FUZZ     := build/fuzz

.PHONY: all deps build run test unit integration fuzz bench clean appliance appliance-test bundle

all: build

deps:
	@scripts/install-deps

$(RELEASE)/build.ninja: | deps
	cmake -S . -B $(RELEASE) $(CMAKE_FLAGS) $(CCACHE_FLAGS) -DCMAKE_BUILD_TYPE=Release

build: deps $(RELEASE)/build.ninja
	cmake --build $(RELEASE) -j $(JOBS) --target portcullisd portcullis portcullis-firstboot portcullis-upgrade

# The gateway on the embedded default (etc/dev.toml): SQLite + spool in var/, 127.0.0.1:2525.
run: build
	@mkdir -p var
	@if [ "$$(id -u)" = 0 ]; then chown -R nobody:nogroup var; fi  # the daemon drops to nobody (etc/dev.toml)
	@echo "portcullisd on 127.0.0.1:2525 — admin CLI: $(RELEASE)/daemon/portcullis --config etc/dev.toml help"
	$(RELEASE)/daemon/portcullisd --config etc/dev.toml --foreground

$(SANITIZE)/build.ninja: | deps
	cmake -S . -B $(SANITIZE) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Sanitize

# Every test, on the ASan+UBSan build, then a short run of every fuzz target.
# Each phase prints when it starts, so a slow CI run shows where the time went.
test: deps $(SANITIZE)/build.ninja
	@date '+== make test: sanitize build %T'
	cmake --build $(SANITIZE) -j $(JOBS)
	@date '+== make test: ctest %T'
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(SANITIZE) --output-on-failure -j $(JOBS) --timeout 600
	@date '+== make test: fuzz %T'
	$(MAKE) fuzz
	@date '+== make test: appliance %T'
	@if { [ -r /dev/kvm ] && [ -w /dev/kvm ]; } || [ "$${APPLIANCE_TEST:-}" = 1 ]; then \
	  $(MAKE) appliance-test; \
	else \
	  echo "make test: appliance-test NOT RUN (no usable /dev/kvm; APPLIANCE_TEST=1 forces it)"; \
	fi
	@date '+== make test: done %T'

$(FUZZ)/build.ninja: | deps
	CXX=clang++ CC=clang cmake -S . -B $(FUZZ) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DPORTCULLIS_FUZZ=ON

# Each libFuzzer target runs for FUZZ_SECONDS (default 20) from its seed corpus, FUZZ_JOBS
# (default: the number of cores) at a time.
FUZZ_SECONDS ?= 20
fuzz: deps $(FUZZ)/build.ninja
	cmake --build $(FUZZ) -j $(JOBS)
	tests/fuzz/run-all $(FUZZ) $(FUZZ_SECONDS)

bench: build
	cmake --build $(RELEASE) -j $(JOBS) --target bench_tls_peer
	tests/bench/run $(RELEASE)

# A signed release bundle of this tree for portcullis-upgrade (docs/upgrade.md), in
# build/bundle (git-ignored). Signed with PORTCULLIS_RELEASE_KEY, else a development key.
bundle: build
	provisioning/upgrade/make-bundle $(RELEASE) build/bundle

# The appliance (docs/appliance.md): OVA + VHDX in build/appliance (git-ignored). Root only.
appliance: build
	scripts/install-deps --appliance
	appliance/build-image --out build/appliance

# Boots what `make appliance` built, in qemu, and checks it (tests/e2e/test_appliance.py); then
# the upgrade: the previous release's image, this tree's bundle and a fault-injected one
# (tests/e2e/build-upgrade-set), booted and upgraded (tests/e2e/test_appliance_upgrade.py).
appliance-test: deps appliance
	tests/e2e/build-upgrade-set build/upgrade-set
	cd tests/e2e && APPLIANCE_DIR=$(CURDIR)/build/appliance UPGRADE_SET=$(CURDIR)/build/upgrade-set \
	  /usr/bin/python3 -m unittest -v test_appliance test_appliance_upgrade

clean:
	rm -rf build
