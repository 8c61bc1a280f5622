# Two commands do all the set-up: `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
PYTEST_ARGS ?=
WORKERS ?= auto

.PHONY: run test test-sqlite test-postgres venv translations bench lint e2e clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

translations: venv
	$(PY) -m core.i18n_build

run: venv translations
	$(VENV)/bin/aftersales db upgrade
	$(VENV)/bin/aftersales demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (log in with one of the demo logins above)"
	$(VENV)/bin/aftersales run --host 127.0.0.1 --port $(PORT)

# The whole suite on SQLite, then again on PostgreSQL when AFTERSALES_TEST_POSTGRES_URL is set.
test: venv translations
	$(PY) -m pytest -n $(WORKERS) $(PYTEST_ARGS)
	@if [ -n "$$AFTERSALES_TEST_POSTGRES_URL" ]; then \
	  echo "== again on PostgreSQL =="; \
	  AFTERSALES_TEST_DATABASE_URL="$$AFTERSALES_TEST_POSTGRES_URL" $(PY) -m pytest -n $(WORKERS) $(PYTEST_ARGS) || exit 1; \
	else echo "(AFTERSALES_TEST_POSTGRES_URL not set: PostgreSQL run skipped)"; fi

bench: venv translations
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) instance build *.egg-info
