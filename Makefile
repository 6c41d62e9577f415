# Xiangcun: `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= xiangcun.config.settings.local

.PHONY: install run test test-fast lint migrations-check bench messages clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	mkdir -p var
	$(BIN)/xiangcun migrate --noinput
	$(BIN)/xiangcun demo --if-empty
	$(BIN)/xiangcun runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

migrations-check: install
	DJANGO_SETTINGS_MODULE=xiangcun.config.settings.test $(BIN)/xiangcun makemigrations --check --dry-run

# --ds: the test settings, whatever DJANGO_SETTINGS_MODULE says (exported above for the other targets;
# pytest-django would prefer it to pyproject's setting and run the tests with slow password hashing).
# --dist loadfile: each test module on one worker, so a module-scoped fixture (the demo loads) is set up
# once (pytest-xdist 3.8's loadgroup no longer groups under pytest 9: its group suffix is ignored).
test: install lint migrations-check
	$(BIN)/python -m pytest --ds=xiangcun.config.settings.test -n 2 --dist loadfile

test-fast: install
	$(BIN)/python -m pytest --ds=xiangcun.config.settings.test -x -q -m "not browser"

bench: install
	@DJANGO_SETTINGS_MODULE=xiangcun.config.settings.bench $(BIN)/python bench/run.py

messages: install
	cd src/xiangcun && ../../$(BIN)/xiangcun makemessages -l zh_Hans --no-obsolete && ../../$(BIN)/xiangcun compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var/test-* .pytest_cache
