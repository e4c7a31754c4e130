# Every target installs what it needs first, so `make test` and `make run` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
# checkov pins a boto3 far older than the project's, so it gets a venv of its own; the infra tests
# run it on the synthesized templates (tests/infra/test_checks.py).
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cksum < requirements-checkov.txt | cut -d' ' -f1)

export AWS_DEFAULT_REGION ?= eu-west-1
export CDK_DISABLE_CLI_TELEMETRY := true
# Pinned: npm's aws-cdk@3.0.0 was published by mistake and cannot read current assemblies.
CDK := npx --yes aws-cdk@^2.1100

.PHONY: install lint typecheck test checkov run bench synth deploy destroy clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	# The Lambda code (functions/) and the operator tools import each other as top-level packages.
	$(BIN)/python -c 'import pathlib, site; pathlib.Path(site.getsitepackages()[0], "ledger.pth").write_text("$(CURDIR)/functions\n$(CURDIR)\n")'
	printf '#!/bin/sh\nexec "$$(dirname "$$0")/python" -m esctl "$$@"\n' > $(BIN)/esctl
	chmod +x $(BIN)/esctl
	rm -f $(VENV)/.installed-*
	touch $@

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	rm -f $(CHECKOV_VENV)/.installed-*
	touch $@

# Running, benchmarking and deploying need only .venv; the checks need checkov too.
install: $(STAMP) $(CHECKOV_STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# The platform imports no domain, and a domain's model no infrastructure (pyproject.toml).
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

# Only the checkov tests (dev and prod templates); `make test` runs them with everything else.
checkov: install
	$(BIN)/pytest tests/infra/test_checks.py -k checkov

run: $(STAMP)
	$(BIN)/esctl serve

bench: $(STAMP)
	$(BIN)/python -m bench

synth: $(STAMP)
	rm -rf cdk.out
	CDK_OUTDIR=cdk.out $(BIN)/python app.py

deploy: $(STAMP)
	$(CDK) deploy --app "$(BIN)/python app.py" $(CDK_ARGS)

destroy: $(STAMP)
	$(CDK) destroy --app "$(BIN)/python app.py" $(CDK_ARGS)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) cdk.out .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
