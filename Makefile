# Set-up is idempotent: each step re-runs only when its inputs changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Browsers for the tests: the ones CHROMIUM and FIREFOX name, else Debian's chromium and
# firefox-esr; and WebKitGTK with its WebDriver and a virtual screen (installed when missing).
CHROMIUM ?= /usr/bin/chromium
FIREFOX ?= /usr/lib/firefox-esr/firefox-esr
export CHROMIUM FIREFOX
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test unit e2e bench browser vendor clean backup-server

setup: $(VENV)/.installed node_modules/.installed vendor

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

vendor: $(VENV)/.installed node_modules/.installed
	$(PY) tools/build.py

run: setup
	$(PY) serve.py --host $(HOST) --port $(PORT)

# A local S3 server (SeaweedFS) with a bucket and test keys, to try backup by hand with no account.
backup-server: setup
	$(PY) tools/seaweed.py --port $(or $(S3_PORT),8333) --origin http://$(HOST):$(PORT) --origin http://localhost:$(PORT)

# The tests also check archives with Info-ZIP's tools (zip, unzip -t) and 7-Zip's (7zz).
browser:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="chromium"; \
	[ -x "$(FIREFOX)" ] || missing="$$missing firefox-esr"; \
	command -v WebKitWebDriver >/dev/null || missing="$$missing webkit2gtk-driver gir1.2-webkit2-4.1 python3-gi"; \
	command -v Xvfb >/dev/null || missing="$$missing xvfb xauth"; \
	command -v unzip >/dev/null || missing="$$missing unzip"; \
	command -v zip >/dev/null || missing="$$missing zip"; \
	command -v 7zz >/dev/null || missing="$$missing 7zip"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@"$(CHROMIUM)" --version
	@"$(FIREFOX)" --version

test: setup browser
	$(PY) -m pytest

unit: setup browser
	$(PY) -m pytest -m "not e2e"

e2e: setup browser
	$(PY) -m pytest -m e2e

bench: setup browser
	$(PY) -m bench $(if $(ONLY),--only $(ONLY)) $(ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor
