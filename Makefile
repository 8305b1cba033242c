# One command to run the product on SQLite, one to run every test (README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
PLAN ?= agencies/plans/ninh-thuan-372.yaml

.PHONY: install run test lint typecheck format bench bench-quick messages

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadplan $(PLAN)
	$(PY) manage.py seed_demo
	$(PY) manage.py generate_obligations
	$(PY) manage.py runserver $(HOST)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint

# Not part of `make test` until every module checks clean (pyproject.toml, [tool.mypy]).
typecheck: install
	$(VENV)/bin/mypy agencies config workflows

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

messages: install
	$(PY) manage.py makemessages -l vi --no-obsolete --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

# Benchmark on PostgreSQL (DATABASE_URL names the server; default postgres@127.0.0.1:5432): the
# harness creates and drops its own database and writes bench/results/ (bench/README.md).
bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: install
	$(PY) -m bench.run --quick $(BENCH_ARGS)
