# Two commands stay true on a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PostgreSQL used by the second test pass; pytest-django creates and drops test_<name> in it.
PG_URL ?= postgresql://postgres@127.0.0.1:5432/kubat
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test test-sqlite test-postgres lint fmt bench fuzz messages chromium clean \
	ops-tools rehearse axe fonts

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Compiled catalogues (locale/*/LC_MESSAGES/django.mo) are build output, git-ignored.
messages: install
	$(BIN)/pybabel compile --domain django --directory locale

# Debian's chromium for the browser tests (Playwright drives it; never `playwright install`).
# Installed when missing and we run as root with apt-get; otherwise the browser tests skip.
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; fi

# DejaVu Sans for PDFs in Russian, Kyrgyz and Kazakh (kubat.core.pdffonts; Helvetica otherwise).
fonts:
	@if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-dejavu-core; fi

# axe-core for the accessibility tests (tests/accessibility): npm installs the version pinned in
# package-lock.json into ./node_modules; Playwright injects node_modules/axe-core/axe.min.js.
# Debian's npm is installed first when missing and we run as root.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; fi
	npm ci --no-audit --no-fund
	touch $@

axe: node_modules/axe-core/axe.min.js

# pg_dump/pg_restore (kubat backup and restore on PostgreSQL) and systemd-analyze (the unit
# check in tests/ops/test_deploy.py), installed from Debian when missing and we run as root.
ops-tools:
	@if ! command -v pg_dump >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-client; fi
	@if ! command -v systemd-analyze >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends systemd; fi

# The production configuration end to end on this machine (deploy/rehearse.py): PostgreSQL,
# KUBAT_DEBUG=false, gunicorn and the worker as the systemd units start them, check --deploy,
# health, metrics, a backup and its restore. Its databases (names containing "ops") are dropped.
REHEARSE_URL ?= $(PG_URL)_ops_rehearse
rehearse: install messages ops-tools
	$(BIN)/python deploy/rehearse.py --database-url $(REHEARSE_URL)

run: install messages fonts
	$(BIN)/kubat migrate --noinput
	$(BIN)/kubat demo --if-empty
	$(BIN)/kubat serve --host 127.0.0.1 --port 8000

test: install lint test-sqlite test-postgres

test-sqlite: install messages chromium axe fonts ops-tools
	KUBAT_DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest

# Skips every test with a message saying how to enable it when PostgreSQL is not reachable.
test-postgres: install messages fonts ops-tools
	KUBAT_DATABASE_URL=$(PG_URL) $(BIN)/pytest -m 'not browser'

lint: install
	$(BIN)/ruff check src tests bench deploy
	$(BIN)/ruff format --check src tests bench deploy
	$(BIN)/mypy
	$(BIN)/lint-imports
	KUBAT_DATABASE_URL=sqlite:///var/lint.sqlite3 $(BIN)/kubat makemigrations --check --dry-run

fmt: install
	$(BIN)/ruff format src tests bench deploy
	$(BIN)/ruff check --fix src tests bench deploy

# Every benchmark prints JSON; each creates its own database (PostgreSQL: <name>_bench and the
# like), so none touches your data. wrk (Debian package) is the OCPI ingest load generator.
# Registry search runs beside the engine's own best design (--compare) at 100,000 and
# 1,000,000 EVSEs; PostGIS is installed for it (Debian's package) into the bench database only.
# PostgreSQL copies the SQLite run's data (--from-sqlite: the same rows, loaded in a minute).
# Open data streams both files of the registry search's databases (--reuse) through gunicorn.
# The bulk load (`kubat import`'s writer) runs beside the engine's raw COPY/executemany of the
# same rows, at both sizes, on both databases (docs/decisions/0009-bulk-load.md).
bench: install chromium
	@if ! command -v wrk >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; fi
	$(BIN)/python bench/registry_search.py --engine sqlite --compare --evses 100000
	$(BIN)/python bench/registry_search.py --engine postgres --compare --from-sqlite --evses 100000 --database-url $(PG_URL)
	$(BIN)/python bench/registry_search.py --engine sqlite --compare --evses 1000000 --queries 600
	$(BIN)/python bench/registry_search.py --engine postgres --compare --from-sqlite --evses 1000000 --queries 600 --database-url $(PG_URL)
	$(BIN)/python bench/open_data.py --engine sqlite --reuse --evses 100000
	$(BIN)/python bench/open_data.py --engine postgres --from-sqlite --evses 100000 --database-url $(PG_URL)_opendata
	$(BIN)/python bench/open_data.py --engine sqlite --reuse --evses 1000000
	$(BIN)/python bench/open_data.py --engine postgres --from-sqlite --evses 1000000 --database-url $(PG_URL)_opendata
	$(BIN)/python bench/bulk_load.py --engine sqlite --evses 100000 1000000
	$(BIN)/python bench/bulk_load.py --engine postgres --evses 100000 1000000 --database-url $(PG_URL)
	$(BIN)/python bench/map_render.py
	$(BIN)/python bench/create_database.py $(PG_URL)_quota_bench
	$(BIN)/python bench/quota_rush.py --database-url $(PG_URL)_quota_bench
	$(BIN)/python bench/quota_profile.py --database-url $(PG_URL)_quota_bench
	$(BIN)/python bench/create_database.py $(PG_URL)_ocpi_bench_100k
	$(BIN)/python bench/ocpi_ingest.py --evses 100000 --database-url $(PG_URL)_ocpi_bench_100k
	$(BIN)/python bench/create_database.py $(PG_URL)_ocpi_bench
	$(BIN)/python bench/ocpi_ingest.py --database-url $(PG_URL)_ocpi_bench

# Longer seeded fuzzing than `make test` runs: the parsers (tests/core/test_fuzz.py) and
# schemathesis over /api/v1 (tests/api/test_schemathesis.py), on SQLite.
fuzz: install messages
	FUZZ_EXAMPLES=5000 SCHEMATHESIS_EXAMPLES=200 KUBAT_DATABASE_URL=sqlite:///var/fuzz.sqlite3 \
	  $(BIN)/pytest -q tests/core/test_fuzz.py tests/api/test_schemathesis.py

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3* .pytest_cache .mypy_cache .ruff_cache
