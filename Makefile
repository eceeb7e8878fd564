# Mailtrail — the README's two commands: `make run` and `make test`.
# Everything they need is installed here, from the project's own files.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     := $(or $(MAILTRAIL_DB),data/mailtrail.duckdb)
export MAILTRAIL_DB := $(DB)

.PHONY: run test test-fast demo lint chromium libreoffice clean

run: $(VENV)/.installed $(DB)
	# The dashboard runs at a lower CPU priority than ingests (docs/architecture.md, measured costs),
	# without Streamlit's file watcher: it would watch the whole project, data/ and .venv/ included.
	nice -n 10 $(VENV)/bin/streamlit run dashboard.py --server.port 8501 --server.address localhost \
		--server.fileWatcherType none

test: $(VENV)/.installed-test chromium libreoffice
	$(PY) -m pytest

# Everything but the browser tests: no Chromium needed, and minutes faster while editing.
test-fast: $(VENV)/.installed-test libreoffice
	$(PY) -m pytest -m "not browser"

# The demo database is built once, on first run.
$(DB): | $(VENV)/.installed
	$(PY) -m pipeline demo --db "$(DB)"

demo: $(VENV)/.installed
	$(PY) -m pipeline demo --db "$(DB)"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -qq -e '.[test]'
	touch $@

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
chromium:
	@{ command -v chromium && test -d /usr/share/fonts/truetype/noto; } >/dev/null 2>&1 || { \
		echo "installing Debian's chromium (and an emoji font) for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			chromium fonts-noto-color-emoji >/dev/null; }

# Export tests check that LibreOffice opens the XLSX files (`soffice --headless --convert-to csv`).
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
		echo "installing Debian's LibreOffice Calc (headless) for the export tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			libreoffice-calc-nogui >/dev/null; }

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
