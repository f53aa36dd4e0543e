# `make run`: the whole system on the embedded default. `make test`: every test, as CI runs it.
# `make test-fast`: the fast lane while you work. `make bench`: the benchmarks (bench/README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-fast venv bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed node_modules/.installed

# The browser's third-party code (DOM morphing, the accessibility checker), from the npm registry.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Embedded default: SQLite file, Celery with a file broker, dashboards polling the event table. Nothing to install.
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py load_reductions_sample
	$(PY) manage.py load_stations
	@echo ""
	@echo "  Open http://127.0.0.1:$(PORT)/  (public page: http://127.0.0.1:$(PORT)/public/)"
	@echo "  Demo logins, password demo-pass-2026: office, leader, admin, education, police, jijiang"
	@echo "  Stop everything with Ctrl+C (honcho stops the web server and the worker together)."
	@echo ""
	PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile.embedded

# Every test, on the production stack: PostgreSQL and Redis on this machine (override with DATABASE_URL/REDIS_URL).
test: venv
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/command_center} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-not-for-production-use-0123456789} \
	HTTPS=false \
	$(PY) -m pytest $(PYTEST_ARGS)

# The fast lane while you work: everything but the browser, fault, schemathesis and load tests.
# Two processes (pytest-xdist, idle workers steal tests): under 3 minutes on 2 cores (README).
test-fast:
	$(MAKE) test PYTEST_ARGS='-n 2 --dist worksteal -o timeout_func_only=true -m "not browser and not fault and not schemathesis and not load" $(PYTEST_ARGS)'

bench: venv
	$(PY) -m bench all

clean:
	rm -rf $(VENV) var
