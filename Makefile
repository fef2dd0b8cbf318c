# One task runner for developers, pre-commit and CI (.ci/run). `make help` lists the targets.
SHELL := bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
WHEEL_VENV ?= .venv-wheel
PYTEST_ARGS ?=

.PHONY: help venv develop test lint fmt rust-test wheel wheel-smoke bench bench-short fuzz-smoke clean

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

rust-test: ## cargo test (pure Rust cores)
	cargo test --quiet

lint: develop ## cargo fmt/clippy, ruff, mypy strict (needs the installed extras for types)
	cargo fmt --all -- --check
	cargo clippy --all-targets --quiet -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches
	$(VENV)/bin/mypy

fmt: venv ## format Rust and Python sources
	cargo fmt --all
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
	$(WHEEL_VENV)/bin/python -m pip install -q dist/*.whl pytest pytest-timeout pytest-asyncio hypothesis
	cd tests/smoke && ../../$(WHEEL_VENV)/bin/python -m pytest -q -p no:cacheprovider --rootdir=. -c /dev/null .

bench-short: develop ## run every benchmark in its short (CI) mode
	@for b in benches/bench_*.py; do echo "== $$b"; $(PY) $$b --short || exit 1; done

bench: develop ## run every benchmark in full
	@for b in benches/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

FUZZ_SECONDS ?= 8
fuzz-smoke: develop ## run every fuzz target briefly (FUZZ_SECONDS each; atheris when installed)
	@for f in tests/fuzz/fuzz_*.py; do echo "== $$f"; $(PY) $$f smoke --seconds $(FUZZ_SECONDS) || exit 1; done

clean: ## remove build outputs and venvs
	rm -rf target dist $(VENV) $(WHEEL_VENV) .pytest_cache .mypy_cache .ruff_cache
