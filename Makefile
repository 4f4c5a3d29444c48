# The course's entry points. `make lab` and `make test` create .venv on first use; each installs
# only when pyproject.toml changed since (the stamp files record the last install).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_LAB := $(VENV)/.virtlab-lab-installed
STAMP  := $(VENV)/.virtlab-installed
PYTEST := $(PY) -m pytest -p no:cacheprovider
LITE   := build/lite/.virtlab-built
# JupyterLite's tools live in their own venv: the Pyodide kernel's JupyterLab extension
# ("Shared module @jupyterlite/services doesn't exist") breaks the full JupyterLab in .venv
LITE_VENV  := build/lite-venv
LITE_STAMP := $(LITE_VENV)/.virtlab-installed

.PHONY: lab test lint unit packaging notebooks-test browser notebooks key bench lite clean

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "virtlab needs Python >= 3.10"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# what a learner needs: virtlab and JupyterLab
$(STAMP_LAB): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[lab]'
	@touch $(STAMP_LAB)

# everything: grading, the test tools and the JupyterLite build
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP) $(STAMP_LAB)

lab: $(STAMP_LAB)
	$(VENV)/bin/virtlab lab

# the course as a static site; rebuilt only when the course, the package or the config changed
LITE_INPUTS := $(wildcard lessons/*.ipynb lessons/images/* exercises/*.ipynb lite/*) \
	$(shell find virtlab -name '*.py' -o -name '*.js' -o -name '*.json' -o -name '*.csv') \
	pyproject.toml setup.py
$(LITE_STAMP): pyproject.toml
	@test -x $(LITE_VENV)/bin/python || $(PYTHON) -m venv $(LITE_VENV)
	$(LITE_VENV)/bin/python -m pip install --quiet -e '.[lite]'
	@touch $(LITE_STAMP)

$(LITE): $(LITE_STAMP) $(LITE_INPUTS)
	$(LITE_VENV)/bin/python lite/build.py
	@touch $(LITE)

lite: $(LITE)

test: lint lite browser notebooks-test unit packaging

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

unit: $(STAMP)
	$(PYTEST) tests -m "not browser and not packaging" -n 2

# the learner's install from the wheel, in a fresh venv (one venv for the module)
packaging: $(STAMP)
	$(PYTEST) tests -m packaging

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
	rm -rf $(VENV) test-artifacts build
