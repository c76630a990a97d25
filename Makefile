# The two commands that matter: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3

.PHONY: run test lint bench bench-web install migrate messages makemessages worker beat clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

messages: install
	$(PY) manage.py compilemessages --ignore '.venv' --ignore 'var' -v 0

makemessages: install
	$(PY) manage.py makemessages -l es -l pt -l fr --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'

migrate: install
	$(PY) manage.py migrate --noinput

run: install messages migrate
	$(PY) manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 (e-mails are written to var/mail/)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: install messages
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/bench_matching.py
	$(PY) bench/bench_mail.py

# Load benchmark of the pages (gunicorn + wrk, beside a bare Django view); SQLite by
# default, PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set.
bench-web: install messages
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
		|| (sudo apt-get update -qq && sudo apt-get install -y -qq wrk)
	$(PY) bench/bench_web.py --markdown $(BENCH_ARGS)

worker: install
	$(VENV)/bin/celery -A iuc_portal worker -l info -Q celery,mail,pdf -O fair

beat: install
	$(VENV)/bin/celery -A iuc_portal beat -l info

clean:
	rm -rf $(VENV) var staticfiles
