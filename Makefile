# Shopdesk — `make run` to talk to the assistant, `make test` to run every test.
# Everything installs itself on first use; nothing reinstalls or retrains when unchanged.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
RASA_PYTHON ?= $(PYTHON)
VENV := .venv
APP := $(VENV)/app
RASA := $(VENV)/rasa
APP_PY := $(APP)/bin/python
RASA_PY := $(RASA)/bin/python
DATA ?= tools/evaluation/data/bitext/dev_mapped.csv

export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.DEFAULT_GOAL := help
.PHONY: help install run train test test-fast test-security validate eval bench-hint3 bench-load report bench-report lint browser lb run-production clean forget purge widget-test

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(APP)/.installed $(RASA)/.installed ## create both environments (once)

$(APP)/.installed: requirements/app.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "the app needs Python 3.11, see README (set PYTHON=...)"'
	test -x $(APP_PY) || $(PYTHON) -m venv $(APP)
	$(APP_PY) -m pip install --quiet --upgrade "pip==24.2"
	$(APP_PY) -m pip install --quiet --no-deps -r requirements/app.txt
	touch $@

# Rasa 3.6 declares Python <3.11 but runs on 3.11 from a complete pin list (README).
$(RASA)/.installed: requirements/rasa.txt requirements/rasa-nlu.txt
	@$(RASA_PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "the Rasa engine needs Python 3.11, see README (set RASA_PYTHON=...)"'
	test -x $(RASA_PY) || $(RASA_PYTHON) -m venv $(RASA)
	$(RASA_PY) -m pip install --quiet --upgrade "pip==24.2"
	$(RASA_PY) -m pip install --quiet --no-deps --ignore-requires-python -r requirements/rasa.txt -r requirements/rasa-nlu.txt
	touch $@

# $(call apt_install,PACKAGE,PATH): Debian's PACKAGE unless PATH exists; where apt-get is
# missing or this is not root, stop and say what to install.
apt_install = test -x $(2) || { \
	if ! command -v apt-get >/dev/null || [ "$$(id -u)" != 0 ]; then \
		echo "make $@: needs $(2): install the '$(1)' package (Debian: apt-get install $(1), as root)" >&2; exit 2; \
	fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; }

browser: ## install Debian's Chromium for the browser tests (once; apt-get as root)
	@$(call apt_install,chromium,/usr/bin/chromium)

lb: ## install Debian's HAProxy, the production profile's load balancer (once; apt-get as root)
	@$(call apt_install,haproxy,/usr/sbin/haproxy)

run-production: install lb ## the production profile (PostgreSQL, Redis, N Rasa behind HAProxy; see README)
	SHOPDESK_PROFILE=production $(APP_PY) -m bot run

train: install ## train the model if config, domain or data changed
	$(APP_PY) -m bot train

run: install $(if $(filter production,$(SHOPDESK_PROFILE)),lb) ## set up, train if needed, and start everything (Ctrl-C stops it)
	$(APP_PY) -m bot run

test: install browser lb ## run the whole test suite (lint, NLU, unit, integration, actions, Rasa, end to end, browser)
	$(APP_PY) -m ruff check .
	PYTHONPATH=. $(RASA_PY) -m bot.rasa_cli data validate --fail-on-warnings --domain bot/domain --data data/nlu data/stories data/rules --config config.yml
	$(APP_PY) -m bot train
	PYTHONPATH=. $(RASA_PY) -m pytest -p no:cacheprovider tests/unit/nlu tests/nlu tests/integration/rasa_engine
	$(APP_PY) -m pytest

test-fast: install ## unit and action tests only (seconds)
	$(APP_PY) -m pytest tests/unit tests/actions

test-security: install ## hostile input, service authentication, verification limits, brute force, fuzzing, masking, logs and erasure
	PYTHONPATH=. $(RASA_PY) -m pytest -p no:cacheprovider tests/integration/rasa_engine/test_sql_errors_not_exit.py
	$(APP_PY) -m pytest -s tests/unit/security tests/unit/privacy tests/actions/security tests/integration/security tests/integration/privacy tests/integration/store/test_store_bruteforce.py tests/integration/store/test_store_fuzz.py tests/unit/deploy/test_kubernetes_manifests.py tests/e2e/security tests/integration/handoff/test_handoff_builtin_and_actions.py::test_forged_verified_slots_are_not_trusted tests/integration/store/test_store_schema_cli.py::test_serve_refuses_to_start_without_a_token

validate: install ## rasa data validate
	PYTHONPATH=. $(RASA_PY) -m bot.rasa_cli data validate --domain bot/domain --data data/nlu data/stories data/rules --config config.yml

eval: install ## NLU evaluation on a labelled CSV: make eval DATA=path.csv
	PYTHONPATH=. $(RASA_PY) -m tools.evaluation.eval --data $(DATA)

bench-hint3: install ## HINT3 pipeline benchmark: make bench-hint3 [TRAIN=.. TEST=..]
	PYTHONPATH=. $(RASA_PY) -m tools.evaluation.bench_hint3 $(if $(TRAIN),--train $(TRAIN)) $(if $(TEST),--test $(TEST))

# Loopback only, bounded (~10 min): the bare `rasa init` bot and Shopdesk on 1 and 2 Rasa
# instances (production profile: PostgreSQL + Redis + HAProxy), figures in var/bench/.
bench-load: install lb ## load benchmark (open load 5/20/40 turns/s, saturation, RSS): make bench-load [BENCH_ARGS=..] [SHOPDESK_RASA_PATCHES=none|name,..]
	$(APP_PY) -m tools.benchmarks $(BENCH_ARGS)

widget-test: ## the chat widget's TypeScript checks (needs node/npm): typecheck, node:test, bundle up to date
	cd web/widget && npm ci --no-audit --no-fund --silent && npm run typecheck && npm test && npm run check-dist

forget: install ## erase a shopper's conversations, outbox entries, tickets and log lines: make forget EMAIL=address (or SENDER=id)
	@test -n "$(SENDER)$(EMAIL)" || { echo "usage: make forget EMAIL=<address> | SENDER=<conversation id>"; exit 2; }
	$(APP_PY) -m bot forget $(if $(EMAIL),--email "$(EMAIL)",--sender "$(SENDER)")

purge: install ## delete conversation data older than DAYS days: make purge DAYS=90
	@test -n "$(DAYS)" || { echo "usage: make purge DAYS=<days to keep>"; exit 2; }
	$(APP_PY) -m bot purge --days "$(DAYS)"

SINCE ?= 7d
report: install ## KPI report (HTML + JSON + CSV in var/reports): make report SINCE=7d, or FROM=2026-11-01 TO=2026-11-07 [EMAIL=1]
	$(APP_PY) -m analytics report $(if $(FROM),--from $(FROM) --to $(TO),--since $(SINCE)) $(if $(OUT),--out $(OUT)) $(if $(EMAIL),--email)

bench-report: install ## KPI report over 100k generated conversations (< 15 s, < 150 MiB): prints rows, seconds, rows/s, peak RSS
	$(APP_PY) -m tools.benchmarks.report $(BENCH_REPORT_ARGS)

lint: install ## ruff
	$(APP_PY) -m ruff check .

clean: ## remove environments, models and local state
	rm -rf $(VENV) models var results test-artifacts .pytest_cache
