# kinechain — one-command set-up. `make run` and `make test` work on a fresh machine
# with nothing but Python >= 3.11 and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared/data
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

DATA ?= .kinechain-data
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: install run example test lint bench browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps mediapipe==0.10.21
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# The clinic web app on the embedded default (SQLite in $(DATA), a local worker process),
# with the labelled demo clinic; prints the address and the demo logins.
run: install
	$(BIN)/kinechain serve --demo --data $(DATA) --host $(HOST) --port $(PORT)

# The command-line analysis of the shared Vicon walk (the library's main job).
example: install
	$(BIN)/kinechain analyze $(SHARED)/c3d/biomechzoo/HC032A03.c3d \
		--static $(SHARED)/c3d/biomechzoo/HC032A01.c3d --flat-foot --out example-results --overwrite

lint: install
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy

# Browser tests drive Debian's chromium (Playwright cannot download browsers here);
# pdftotext (poppler-utils) reads the PDF handouts back. Installed when missing.
browser:
	@if ! command -v $(CHROMIUM) >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing chromium and poppler-utils with apt-get"; \
			apt-get install -y -q chromium poppler-utils >/dev/null 2>&1 || \
			{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium poppler-utils >/dev/null; }; \
		else \
			echo "chromium/pdftotext missing: run 'sudo apt-get install chromium poppler-utils'"; exit 1; \
		fi; \
	fi

test: install lint browser
	$(BIN)/python -m pytest -q

.bench/opensim/bin/python:
	$(PYTHON) -m venv .bench/opensim
	.bench/opensim/bin/python -m pip install --quiet opensim

# myogait (the video peer) with the legacy MediaPipe pose model kinechain uses: mediapipe 0.10.21
# without its pins (numpy<2, jax, opencv-contrib), plus the runtime needs of its pose graph.
.bench/myogait/bin/python:
	$(PYTHON) -m venv .bench/myogait
	.bench/myogait/bin/python -m pip install --quiet myogait==0.9.2 'protobuf>=4.25,<5' \
		'absl-py>=1.0' 'attrs>=19.1' 'flatbuffers>=2.0' \
		&& .bench/myogait/bin/python -m pip install --quiet --no-deps mediapipe==0.10.21 \
		|| { rm -rf .bench/myogait; exit 1; }

bench: install .bench/opensim/bin/python .bench/myogait/bin/python
	$(BIN)/python benchmarks/bench_analyze.py
	$(BIN)/python benchmarks/bench_assess.py
	$(BIN)/python benchmarks/bench_web.py
	$(BIN)/python benchmarks/bench_video.py
	$(BIN)/python benchmarks/bench_video_accuracy.py

clean:
	rm -rf $(DATA) test-artifacts $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
