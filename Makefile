# The course's entry points. `make lab` and `make test` create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.virtlab-installed
PYTEST := $(PY) -m pytest -p no:cacheprovider

.PHONY: lab test lint unit notebooks-test browser notebooks key bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "virtlab needs Python >= 3.10"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/virtlab lab

test: lint browser notebooks-test unit

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

unit: $(STAMP)
	$(PYTEST) tests -m "not browser" -n 2

notebooks-test: $(STAMP)
	@if ls lessons/*.ipynb solutions/*.ipynb >/dev/null 2>&1; then \
	  $(PYTEST) --nbval lessons solutions --nbval-sanitize-with tests/nbval_sanitize.cfg -n 2 --dist loadfile; fi
	@if ls exercises/*.ipynb >/dev/null 2>&1; then \
	  $(PYTEST) --nbval-lax exercises -n 2 --dist loadfile; fi

browser: $(STAMP)
	$(PYTEST) tests -m browser || [ $$? -eq 5 ]

notebooks: $(STAMP)
	$(PY) -m virtlab.notebooks
	$(VENV)/bin/virtlab key

# the instructors' answer key, rendered from the self-checks, the bank and solutions/
key: $(STAMP)
	$(VENV)/bin/virtlab key

bench: $(STAMP)
	@for script in tests/benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) test-artifacts
