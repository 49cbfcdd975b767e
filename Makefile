# Footfall: every target CI runs is here; CI calls `make test`.
SHELL := /bin/bash
PY ?= python3
UV_VERSION := 0.13.8
UV := .tools/uv/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck pytest bench infra-check image image-smoke tracker clean

$(UV):
	$(PY) -m venv .tools/uv
	.tools/uv/bin/pip install -q uv==$(UV_VERSION)

.venv/.dev: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev --python $(PY)
	touch $@

.venv/.app: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --python $(PY)
	touch $@

## run: start Footfall on http://127.0.0.1:8000 with the embedded store in ./footfall-data
run: .venv/.app
	.venv/bin/footfall serve

## test: install what the tests need, lint, type-check, run the whole suite and the
## offline infrastructure checks (terraform against moto_server, linters)
# pytest and infra-check run side by side: each leaves one of the 2 cores idle much
# of the time (servers starting, terraform waiting on moto). -O prints each one's
# output whole when it ends, so the two never interleave.
test: lint typecheck
	$(MAKE) --no-print-directory -j2 -O pytest infra-check

lint: .venv/.dev
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

typecheck: .venv/.dev
	.venv/bin/mypy src tests bench

# The services the suite needs run for its length on loopback (scripts/services/):
# each wrapper starts one, exports its address and stops it when pytest ends.
# FOOTFALL_TEST_SERVICES=required: a service that did not start fails the run instead
# of leaving its backend out (tests/backends.py).
pytest: .venv/.dev .deps/chromium
	FOOTFALL_TEST_SERVICES=required bash scripts/services/postgres.sh \
	  bash scripts/services/redis.sh bash scripts/services/moto.sh \
	  .venv/bin/pytest -q -p no:cacheprovider -n 2 --dist loadscope --durations=25

# Debian's Chromium for the browser tests: Playwright drives it through executable_path
# and never downloads a browser of its own.
# CHROMIUM names another Chromium-based browser to use instead (as CI on Ubuntu does).
CHROMIUM ?= /usr/bin/chromium
.deps/chromium:
	test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation; }
	mkdir -p .deps && touch $@

## tracker: minify src/footfall/tracker/script.js into script.min.js (checked in)
tracker: .venv/.dev
	.venv/bin/python -m footfall.tracker.build

## infra-check: terraform fmt/validate/test, checkov, hadolint, actionlint, zizmor,
## shellcheck, and the dev stack applied to moto_server and destroyed (offline)
infra-check:
	bash scripts/infra/check.sh

## image: build the container image with podman or buildah
image:
	bash deploy/image.sh

## image-smoke: opt-in; build on a debootstrapped base, run it, expect 200 from /health
image-smoke:
	bash deploy/image-smoke.sh

## bench: reproducible benchmarks; prints tables (see docs/performance.md)
bench: .venv/.dev .deps/chromium
	bash bench/setup.sh
	.venv/bin/python bench/ingest.py
	.venv/bin/python bench/query.py
	.venv/bin/python bench/isolation.py
	.venv/bin/python bench/edge.py
	.venv/bin/python bench/dashboard.py
	.venv/bin/python bench/tracker.py

clean:
	rm -rf .venv .tools .deps footfall-data .mypy_cache .ruff_cache
