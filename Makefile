# Two commands on a fresh machine with Python 3.11:
#   make demo   runs reengage's main job, `reengage demo` (creates .venv first)
#   make test   runs the whole test suite (creates .venv first)
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck install clean chromium

# requirements.lock pins every distribution (as pip constraints): a fresh clone
# installs the versions the suite was tested with. The test suite's connector plug-in
# (tests/plugins/tinycrm) is installed too: it is found through its entry point.
$(STAMP): pyproject.toml requirements.lock tests/plugins/tinycrm/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test,sandbox]'
	$(BIN)/pip install --quiet --no-deps -e tests/plugins/tinycrm
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/reengage demo

# The report's browser test needs Debian's chromium (headless); install it when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the report's browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) chromium
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy sync config connectors sandbox benchmarks
	MYPYPATH=.:tests/plugins/tinycrm $(BIN)/mypy -p reengage_tinycrm

clean:
	rm -rf $(VENV) reengage-data .pytest_cache .mypy_cache .ruff_cache
