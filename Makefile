# Two commands for users: `make repro` and `make test`. Both set up .venv when needed.
# Each year: `make annual YEAR=2025` once the wave's files are in data/raw/2025/
# (`make annual YEAR=2025 WAVES=demo` on the demo survey).
# Reports are built in data/reports/<year>/; `make repro` and `make annual` publish them to
# reports/<year>/ (tracked by reports/<year>.dvc) when the year is not published yet;
# `make publish YEAR=2025 REMPLACER=1` republishes a year (pipeline/cli/publish.py).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: repro annual publish test test-fast bench clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

repro: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/dvc repro
	$(BIN)/python -m pipeline.cli.publish --params params.yaml --auto

WAVES ?= data/raw
annual: $(STAMP)
	@test -n "$(YEAR)" || { echo "Indiquez l'année de l'enquête : make annual YEAR=2025 (démonstration : make annual YEAR=2025 WAVES=demo)" >&2; exit 2; }
	$(BIN)/python -m pipeline.cli.annual --params params.yaml --year $(YEAR) --waves $(WAVES)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/dvc repro
	$(BIN)/python -m pipeline.cli.publish --params params.yaml --year $(YEAR) --auto
	@echo "Enquête $(YEAR) : pensez à committer params.yaml, dvc.lock et les fichiers .dvc nouveaux (git status)."

# Publish data/reports/<year>/ to reports/<year>/; REMPLACER=1 replaces a published year (the files
# an analyst added there are kept).
publish: $(STAMP)
	@test -n "$(YEAR)" || { echo "Indiquez l'année à publier : make publish YEAR=2025 (REMPLACER=1 pour remplacer une publication)" >&2; exit 2; }
	$(BIN)/python -m pipeline.cli.publish --params params.yaml --year $(YEAR) $(if $(filter-out 0 non no,$(REMPLACER)),--replace)

# Two workers; a module's tests share one (its fixtures are built once); the whole-pipeline run is
# built once for both (tests/support/pipeline_run.py); modules handed out in the order of
# tests/conftest.py (the run's builder first, the long ones that need it last, the longest first).
test: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=15

# For developers: the unit tests, without whole-pipeline runs (marker `pipeline`) nor demo waves,
# corpora and rendered reports (marker `slow`).
test-fast: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not pipeline and not slow"

# Every benchmark, each printing its figures, its target and its ratio to a baseline measured in
# the same run; all run even if one misses its target (then the exit status is 1).
BENCHMARKS := ingest clean typology weights report secrecy
bench: $(STAMP)
	@status=0; start=$$(date +%s); uname -srm; $(BIN)/python --version; \
	grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: /cpu: /'; \
	echo "cores: $$(nproc 2>/dev/null || sysctl -n hw.ncpu)"; \
	for b in $(BENCHMARKS); do \
	  echo "== benchmarks/$$b.py"; \
	  PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python benchmarks/$$b.py || status=1; \
	done; \
	echo "== all benchmarks: $$(( $$(date +%s) - start )) s"; exit $$status

clean-venv:
	rm -rf $(VENV)
