# teesim: every target sets itself up on first use (virtualenv, package, TAs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TA_STORE := build/ta_store
TA_DIRS := trusted_apps/hello trusted_apps/pin trusted_apps/drm trusted_apps/fingerprint
SDK_SOURCES := $(shell find trusted_apps -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' -o -name '*.ld' \) 2>/dev/null)

# fuzz smc's sys.monitoring tracer needs Python 3.12+: when the machine has a
# python3.12, `make test` also runs that tracer's tests in a second virtualenv.
# (On PATH, or installed by pyenv beside the default Python.)
PYTHON312 := $(firstword $(shell for p in python3.12 python3.13 \
    $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[23]*/bin/python3; do \
  $$p -c "import sys; assert sys.version_info >= (3, 12)" 2>/dev/null && echo $$p; done))
VENV312 := .venv312
STAMP312 := $(VENV312)/.installed

.PHONY: all demo test bench tas headers clean bench-fingerprint debug-tools test-monitoring

all: tas

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

tas: $(TA_STORE)/.built

$(TA_STORE)/.built: $(STAMP) $(SDK_SOURCES)
	$(BIN)/teesim build $(TA_DIRS) --out $(TA_STORE)
	@# The native preemption hook (tee/emu/preempt.py) is built on first use; build it now,
	@# so the first time-sliced TA run does not pay the compile.
	$(BIN)/python -c "from tee.emu.preempt import load_hook; load_hook()"
	$(BIN)/python -c "from tee.emu.coverage import prebuild; prebuild()"
	touch $@

demo: tas
	$(BIN)/teesim demo --ta-store $(TA_STORE)

# gdb-multiarch and genhtml (lcov) for the TA-debugging tests (docs/debugging-tas.md):
# installed when missing and apt-get is usable as root; else those tests are skipped, saying why.
debug-tools:
	@if command -v gdb-multiarch >/dev/null && command -v genhtml >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq --no-install-recommends gdb-multiarch lcov >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq --no-install-recommends gdb-multiarch lcov >/dev/null 2>&1; } || \
	  echo "debug-tools: could not install gdb-multiarch/lcov; their tests will be skipped"; \
	else echo "debug-tools: no gdb-multiarch/genhtml and no root apt-get; their tests will be skipped"; fi

test: tas debug-tools
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q -rfEs
	@$(MAKE) --no-print-directory test-monitoring

$(STAMP312): pyproject.toml
	$(PYTHON312) -m venv $(VENV312)
	$(VENV312)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP312)

ifneq ($(PYTHON312),)
test-monitoring: tas $(STAMP312)
	$(VENV312)/bin/python -m pytest -q -rfEs tests/fuzz/test_monitoring_tracer.py tests/fuzz/test_smc_reset.py
else
test-monitoring:
	@echo "test-monitoring: no python3.12 here; the sys.monitoring tracer's tests are skipped"
endif

bench: tas
	$(BIN)/python -m bench

# The fingerprint matcher's FAR/FRR on synthetic fingers (host build of the TA's C matcher;
# writes build/fingerprint/results.json and det.png). A few minutes.
bench-fingerprint: $(STAMP)
	$(BIN)/python -m bench.fingerprint

headers: $(STAMP)
	$(BIN)/teesim headers

clean:
	rm -rf build bench/results.json .pytest_cache .hypothesis .mypy_cache
