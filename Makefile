# Two commands for a new developer: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
LOCK := requirements.lock
SYNCO_PORT ?= 8000
SANDBOX_SHOPIFY_PORT ?= 8701
SANDBOX_ODOO_PORT ?= 8769
# The Odoo the sandbox plays: 17, 18 or 19 (make run SANDBOX_ODOO_VERSION=19: Synco then talks JSON-2 with an API key).
SANDBOX_ODOO_VERSION ?= 18
# Tests run their Celery worker on Redis; pytest's own database is SQLite unless DATABASE_URL says otherwise.
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# Development only: the Odoo sandbox is http://127.0.0.1:<port>, which production refuses (https, public addresses).
SYNCO_ODOO_ALLOW_LOOPBACK_HTTP ?= true
export SYNCO_PORT SANDBOX_SHOPIFY_PORT SANDBOX_ODOO_PORT SANDBOX_ODOO_VERSION SYNCO_ODOO_ALLOW_LOOPBACK_HTTP

.PHONY: install lock schema run demo-reset sandbox-down sandbox-up sandbox-status test lint typecheck pytest clean messages

install: $(STAMP)

# Exactly the tested set: the lock file's pinned, hash-checked packages, then Synco itself without resolving again.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' || (echo "Python 3.11+ is required" && exit 1)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing pyproject.toml's dependencies: resolve them again (the product and its dev and sandbox extras,
# for every platform, Python 3.11 up) into the lock file, with every file's hash. `make lock UPGRADE=1` takes
# the newest releases pyproject allows; without it the pins already in the lock file are kept where they fit.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet 'uv>=0.9,<1'
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra sandbox --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade) --output-file $(LOCK)

# After marking or changing strings for translation: every locale/<language>/LC_MESSAGES/django.po brought up to
# date (Django's makemessages: needs GNU gettext, `apt-get install gettext`), then compiled into the committed .mo
# files with Babel (`manage.py compile_translations` alone needs no gettext: enough after editing a .po by hand).
messages: install
	$(PY) manage.py makemessages --all --add-location=file --no-obsolete \
		-i '.venv/*' -i 'var/*' -i 'sandboxes/*' -i 'tests/*' -i 'bench/*' -i 'node_modules/*' -i 'build/*'
	$(PY) manage.py compile_translations

# Shopify's official Admin GraphQL schema (npm package @shopify/dev-mcp), cached under var/, never committed.
schema: install
	$(PY) -m sandboxes.shopify.schema

run: install schema
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Synco is starting at http://127.0.0.1:$(SYNCO_PORT)/"
	@echo "  Log in as demo / synco-demo   (Ctrl+C stops everything)"
	@echo "  Inside the (sandbox) Shopify admin: http://127.0.0.1:$(SANDBOX_SHOPIFY_PORT)/admin/apps/synco-dev-api-key?shop=synco-demo.myshopify.com"
	@echo "  (printed again once every process answers)"
	@echo ""
	SYNCO_PORT=$(SYNCO_PORT) SANDBOX_SHOPIFY_PORT=$(SANDBOX_SHOPIFY_PORT) SANDBOX_ODOO_PORT=$(SANDBOX_ODOO_PORT) \
	SHOPIFY_ADMIN_ORIGIN=http://127.0.0.1:$(SANDBOX_SHOPIFY_PORT) \
	SYNCO_EXTRA_FRAME_ANCESTORS=http://127.0.0.1:$(SANDBOX_SHOPIFY_PORT) \
	SHOPIFY_APP_BRIDGE_URL=http://127.0.0.1:$(SANDBOX_SHOPIFY_PORT)/sandbox/app-bridge.js \
	SHOPIFY_POLARIS_URL=http://127.0.0.1:$(SANDBOX_SHOPIFY_PORT)/sandbox/polaris.js \
	$(VENV)/bin/honcho start

# The demo from scratch: the demo shop, both sandboxes' data (the running ones too, over HTTP, while `make run` runs).
demo-reset: install schema
	$(PY) manage.py seed_demo --reset

# While `make run` runs, in another terminal: one sandbox plays an outage and comes back, nothing else stops.
# (No `install` first: a reinstall under the running processes is not wanted here.)
# NAME=odoo|shopify; MODE=refuse (connection refused, the default) | unavailable (503) | drop (no answer).
NAME ?= odoo
MODE ?= refuse
sandbox-down:
	$(PY) manage.py sandbox $(NAME) down --mode $(MODE)

sandbox-up:
	$(PY) manage.py sandbox $(NAME) up

sandbox-status:
	$(PY) manage.py sandbox $(NAME) status

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy .

# PYTEST_ARGS passes pytest options on: `make pytest PYTEST_ARGS=--database-tests-only` runs only the tests that
# use the database (CI's second pass, on PostgreSQL; tests/conftest.py says which).
pytest: install schema
	CELERY_BROKER_URL=$(TEST_BROKER_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
