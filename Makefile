# Two commands do all the set-up: `make run` and `make test`. Everything else here is a convenience.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := shared services/contributions services/claims services/layoff-reporting services/fund-monitor
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
ROLE ?= social_insurance
REGION ?= 220100

.PHONY: run test token lint venv clean help
help:
	@echo "make run    create .venv, migrate, start all four services on SQLite, print the docs URLs"
	@echo "make test   create/update .venv and run the whole suite (needs PostgreSQL on 127.0.0.1:5432)"
	@echo "make token ROLE=province REGION=220000   print a development token"
	@echo "make lint   ruff"

$(STAMP): $(PYPROJECTS) Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e 'shared[test,dev]' $(addprefix -e ,$(addsuffix [test],$(filter services/%,$(PACKAGES))))
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/devstack.py

test: $(STAMP)
	$(BIN)/python -m pytest

token: $(STAMP)
	@$(BIN)/python -m insurance_shared.devtoken --roles $(ROLE) --region $(REGION)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var
