# Two commands for users: `make repro` and `make test`. Both set up .venv when needed.
# Each year: `make annual YEAR=2025` once the wave's files are in data/raw/2025/
# (`make annual YEAR=2025 WAVES=demo` on the demo survey).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: repro annual test bench clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

repro: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

WAVES ?= data/raw
annual: $(STAMP)
	@test -n "$(YEAR)" || { echo "Indiquez l'année de l'enquête : make annual YEAR=2025 (démonstration : make annual YEAR=2025 WAVES=demo)" >&2; exit 2; }
	$(BIN)/python -m pipeline.annual --params params.yaml --year $(YEAR) --waves $(WAVES)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	@echo "Rapports de l'enquête $(YEAR) : reports/$(YEAR)/ (pensez à committer params.yaml et dvc.lock)"

test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q

bench: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/ingest.py

clean-venv:
	rm -rf $(VENV)
