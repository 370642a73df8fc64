# The two commands of the README: `make run` and `make test`.
# uv must never download an interpreter: Python 3.13 comes from the machine.
export UV_PYTHON_DOWNLOADS := never
UV ?= uv
PORT ?= 8000
# The uv that runs: $(UV) when it answers, else a private one in .tools/, which
# the first command installs (tools/install-uv); nothing to install by hand.
TOOLS_UV := $(CURDIR)/.tools/bin/uv
override UV := $(shell $(UV) --version >/dev/null 2>&1 && command -v $(UV) || echo $(TOOLS_UV))

.PHONY: install run test lint vendor chromium

$(TOOLS_UV):
	@sh tools/install-uv $(CURDIR)/.tools

# Installs the engine too, as a wheel compiled by mypyc (engine/setup.py); uv
# builds it again whenever one of its sources changes.
install: $(UV)
	$(UV) sync --frozen

run: install
	$(UV) run python manage.py migrate --noinput
	$(UV) run python manage.py load_reference_data
	$(UV) run python manage.py seed_demo
	@# The task worker (re-derivation after a policy is published) runs beside
	@# the server and stops with it, so `make run` stays one command.
	@$(UV) run python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(UV) run python manage.py runserver 0.0.0.0:$(PORT)

# One worker per core; the tests that share the seeded demo run on one of them
# (xdist_group "demo"). ARGS passes pytest arguments through, e.g. ARGS="-k demo".
test: install chromium
	$(UV) run pytest -n auto --dist loadgroup $(ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	PYTHONPATH=engine/src $(UV) run lint-imports --no-logo
	$(UV) run mypy --strict engine/src
	$(UV) run mypy accounts reference providers coding payers encounters claims reports demo config

# Copy the pinned front-end files from the npm registry into static/vendor/.
vendor:
	npm ci --no-audit --no-fund
	npm run vendor

# The browser tests drive Debian's Chromium; Playwright never downloads one.
chromium:
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" != 0 ]; then \
			echo "The browser tests need Debian's Chromium: run 'sudo apt-get install -y chromium' once, then make test again."; \
			exit 1; fi; \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium; }
