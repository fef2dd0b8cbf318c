# One task runner for developers, pre-commit and CI (.ci/run). `make help` lists the targets.
SHELL := bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
WHEEL_VENV ?= .venv-wheel
PYTEST_ARGS ?=

.PHONY: help venv develop test test-browser browser-deps lint fmt rust-test wheel wheel-smoke bench bench-short fuzz-smoke fuzz-native clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

$(VENV)/.deps: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q 'maturin>=1.7,<2' 'ruff>=0.6' 'mypy>=1.10'
	touch $@

venv: $(VENV)/.deps ## create the development venv with maturin, ruff and mypy

# Rebuilt only when the native sources or the build configuration change; the Python sources are
# installed in editable mode, so their edits need no rebuild.
NATIVE_INPUTS := $(shell find rust -name '*.rs') Cargo.toml Cargo.lock pyproject.toml

$(VENV)/.develop: $(VENV)/.deps $(NATIVE_INPUTS)
	$(VENV)/bin/maturin develop --release --extras test -q
	touch $@

develop: $(VENV)/.develop ## build the native module (release) and install the package with its test extras

test: develop ## install the test dependencies and run the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

test-browser: develop ## run the chat page's tests in Chromium (fails if Chromium is missing)
	FASTG4F_REQUIRE_BROWSER=1 $(PY) -m pytest tests/browser -q $(PYTEST_ARGS)

browser-deps: ## install Debian's chromium for the browser tests, unless it is already there
	@if command -v chromium >/dev/null; then echo "chromium: $$(command -v chromium)"; \
	else SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; fi

rust-test: $(VENV)/.deps ## cargo test: the Rust cores without libpython, then the error mapping with it
	cargo test --quiet --no-default-features
	PYO3_PYTHON=$(abspath $(PY)) cargo test --quiet --lib errors::py

lint: develop ## cargo fmt/clippy, ruff, mypy strict (needs the installed extras for types)
	cargo fmt --all -- --check
	cargo fmt --manifest-path fuzz/Cargo.toml -- --check
	cargo clippy --all-targets --quiet -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches
	$(VENV)/bin/mypy

fmt: venv ## format Rust and Python sources
	cargo fmt --all
	cargo fmt --manifest-path fuzz/Cargo.toml
	$(VENV)/bin/ruff format python tests benches
	$(VENV)/bin/ruff check --fix python tests benches

# On Linux the release wheel is linked by zig against glibc 2.17 (manylinux2014), so it installs
# on every distribution since CentOS 7 rather than only on one as new as the build machine's;
# auditwheel shows the tag and the symbol versions it rests on. Symbols are stripped
# (`strip = true` in pyproject.toml's [tool.maturin]).
ifeq ($(shell uname -s),Linux)
WHEEL_ARGS ?= --zig --compatibility manylinux2014
WHEEL_TOOLS := 'ziglang>=0.13' 'auditwheel>=6'
endif

$(VENV)/.wheel-tools: $(VENV)/.deps
	$(if $(WHEEL_TOOLS),$(PY) -m pip install -q $(WHEEL_TOOLS))
	touch $@

wheel: $(VENV)/.wheel-tools ## build the release wheel into dist/ (stripped; manylinux2014 on Linux)
	rm -rf dist
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/maturin build --release $(WHEEL_ARGS) --out dist -q
	$(if $(WHEEL_TOOLS),$(VENV)/bin/auditwheel show dist/*.whl)

wheel-smoke: wheel ## install the wheel into a clean venv and run the smoke tests from it
	rm -rf $(WHEEL_VENV)
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install -q "$$(ls dist/*.whl)[api]" pytest pytest-timeout pytest-asyncio hypothesis
	cd tests/smoke && ../../$(WHEEL_VENV)/bin/python -m pytest -q -p no:cacheprovider --rootdir=. -c /dev/null .

bench-short: develop ## run every benchmark in its short (CI) mode
	@for b in benches/bench_*.py; do echo "== $$b"; $(PY) $$b --short || exit 1; done

bench: develop ## run every benchmark in full
	@for b in benches/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

FUZZ_SECONDS ?= 8
fuzz-smoke: develop ## run every fuzz target briefly (FUZZ_SECONDS each; atheris when installed)
	@for f in tests/fuzz/fuzz_*.py; do echo "== $$f"; $(PY) $$f smoke --seconds $(FUZZ_SECONDS) || exit 1; done

# Coverage-guided fuzzing of the Rust cores (fuzz/): libFuzzer through cargo-fuzz, on stable Rust.
# New inputs go to a scratch directory; the committed corpus (fuzz/corpus/<target>) is only read.
# RUSTC_BOOTSTRAP lets stable rustc take the -Z flag of AddressSanitizer (FUZZ_SANITIZER=none
# builds without it).
FUZZ_NATIVE_TARGETS := sse lines conversation pow_config
FUZZ_NATIVE_SECONDS ?= 15
FUZZ_SANITIZER ?= address
CARGO_FUZZ_VERSION := 0.13.2
fuzz-native: ## fuzz every Rust core briefly (FUZZ_NATIVE_SECONDS each; installs cargo-fuzz if missing)
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION)
	@for t in $(FUZZ_NATIVE_TARGETS); do \
		echo "== fuzz/$$t"; mkdir -p target/fuzz-work/$$t fuzz/corpus/$$t; \
		(cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer $(FUZZ_SANITIZER) $$t \
			../target/fuzz-work/$$t corpus/$$t -- -max_total_time=$(FUZZ_NATIVE_SECONDS) \
			-rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10) || exit 1; \
	done

clean: ## remove build outputs and venvs
	rm -rf target fuzz/target fuzz/artifacts dist $(VENV) $(WHEEL_VENV) .pytest_cache .mypy_cache .ruff_cache
