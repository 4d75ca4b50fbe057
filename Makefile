# Two commands do all the set-up: `make run` and `make test`. Everything else here is a convenience.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := shared services/contributions services/claims services/layoff-reporting services/fund-monitor
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
WEB := services/fund-monitor/web
ROLE ?= social_insurance
REGION ?= 220100

.PHONY: run demo demo-full test test-dates test-date-leap-day test-date-year-end conservation fuzz token lint lock venv clean help
help:
	@echo "make run          create .venv, migrate, start all four services on SQLite, load demo data once, print the URLs"
	@echo "                  (100 units, 2,500 people: ready in about a minute); DEMO_ARGS=\"--units 500 --people 12500\""
	@echo "                  loads another size, DEMO_ARGS=\"--seed 7\" other people"
	@echo "make demo         load demo data into running services (make run does it once by itself); DEMO_ARGS as above"
	@echo "make demo-full    the same as make run with the full-size demo (2,000 units, 50,000 people: minutes), on"
	@echo "                  databases of its own (var/full), so the small demo's stay as they are"
	@echo "make test         create/update .venv and run the whole suite (PostgreSQL 127.0.0.1:5432, NATS 4222), then test-dates"
	@echo "make test-dates   the in-process suites with the clock on the next 29 February and on 31 December"
	@echo "make conservation money conserved across the services on random histories; EXAMPLES=40 SEED=..."
	@echo "make fuzz         every schemathesis check on every operation, 60 examples each; FUZZ_SEED=... (default: a new one)"
	@echo "make token        print a development token; ROLE=province REGION=220000 SUB=someone (SUB optional)"
	@echo "make lint         ruff check and format check"
	@echo "make venv         create/update .venv only (the versions and hashes of requirements/dev.lock)"
	@echo "make lock         pin every dependency again, with hashes (requirements/*.lock, from requirements/*.in"
	@echo "                  and the pyproject files) after changing a dependency; uv resolves"
	@echo "make clean        remove var/ (the SQLite databases and logs of make run): the next make run loads demo data again"

# every third-party package at the version and hash requirements/dev.lock pins (make lock writes it), then our
# five packages themselves, editable and without their dependencies (the lock has them all)
$(STAMP): $(PYPROJECTS) $(WEB)/package-lock.json requirements/dev.lock Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps $(addprefix -e ,$(PACKAGES))
	@# the dashboard's charting library (Apache ECharts) comes from the npm registry, served by fund-monitor itself
	@if command -v npm >/dev/null; then npm ci --prefix $(WEB) --no-audit --no-fund --loglevel=error; \
	  else echo "npm not found: fund-monitor's /dashboard page will have no charts until 'npm ci --prefix $(WEB)'"; fi
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/devstack.py --demo-args '$(DEMO_ARGS)'

demo: $(STAMP)
	$(BIN)/python scripts/demo.py $(DEMO_ARGS)

demo-full: $(STAMP)
	$(BIN)/python scripts/devstack.py --var-dir var/full --demo-args '--units 2000 --people 50000 $(DEMO_ARGS)'

# One test process per core (pytest-xdist): most tests wait on a database, a broker or a service process, and
# every test run already makes databases of its own, so the workers share nothing but the servers (conftest.py: the
# stories, which share one stack of services, run whole on one worker).
test: $(STAMP)
	$(BIN)/python -m pytest -n auto
	@$(MAKE) --no-print-directory test-dates

# The in-process suites again on the days that break date arithmetic (a 13th month, a 29 February a year on;
# the transport tests do no date arithmetic and run once):
# time-machine moves the test process's clock; the stories' service processes keep the real one, so they run once.
# The two days run side by side (each test run makes databases of its own), each one's output printed whole.
test-dates: $(STAMP)
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-date-leap-day test-date-year-end

test-date-leap-day test-date-year-end:
	TEST_TODAY=$(@:test-date-%=%) $(BIN)/python -m pytest -q shared/tests services --ignore=shared/tests/events

# Money conserved across the four services, on more random histories than make test runs (both transports);
# the seed is printed, and SEED=... replays one run.
SEED ?= $(shell date +%s)
conservation: $(STAMP)
	@echo "conservation: seed $(SEED), $(or $(EXAMPLES),40) histories per transport"
	CONSERVATION_EXAMPLES=$(or $(EXAMPLES),40) $(BIN)/python -m pytest -q --hypothesis-seed=$(SEED) \
	  "tests/test_stories.py::test_money_is_conserved_across_the_four_services"

# Every schemathesis check on every operation of the four services, longer than make test's run (6 examples per
# operation and mode, seeded by the date); the seed is printed, and FUZZ_SEED=... replays one run.
FUZZ_SEED ?= $(shell date +%s)
fuzz: $(STAMP)
	@echo "fuzz: seed $(FUZZ_SEED), $(or $(EXAMPLES),60) examples per operation and mode"
	FUZZ_SEED=$(FUZZ_SEED) FUZZ_EXAMPLES=$(or $(EXAMPLES),60) $(BIN)/python -m pytest -q tests/test_schemathesis.py

token: $(STAMP)
	@$(BIN)/python -m insurance_shared.devtoken --roles $(ROLE) --region $(REGION) $(if $(SUB),--sub $(SUB))

# uv resolves (fast, and writes every distribution's hash); our own five packages are left out of the locks
OURS := insurance-shared contributions claims layoff-reporting fund-monitor
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	for lock in runtime dev; do \
	  $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	    $(addprefix --no-emit-package ,$(OURS)) requirements/$$lock.in -o requirements/$$lock.lock || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var  # the SQLite databases and logs of make run; the next make run loads demo data again
