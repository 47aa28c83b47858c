# AI Compute Market: every target sets up what it needs first; running a target twice is safe.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SCENARIO ?= baseline
SEED ?= 1
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := False
export MPLBACKEND := Agg

.PHONY: setup run ui test bench screenshot docs calibration headlines sensitivity figures golden mutation sweep clean

# Then byte-compile the project's modules: Python does not write them itself where PYTHONDONTWRITEBYTECODE is set, and
# compiling them afresh cost every process ~0.3 s on a 2-core machine; up to date, this step only compares times.
setup: $(STAMP)
	@$(BIN)/python -m compileall -q agents market experiments visualization benchmarks > /dev/null

$(STAMP): pyproject.toml
	@PY=$$(.ci/find-python) || exit 1; \
	  if [ ! -x $(BIN)/python ]; then "$$PY" -m venv $(VENV) || exit 1; fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m visualization.assets || echo "warning: the Solara app's front-end assets were not cached (npm missing?); aicm ui retries"
	touch $(STAMP)

run: setup
	$(BIN)/aicm run --scenario $(SCENARIO) --seed $(SEED) --out results/$(SCENARIO)

ui: setup  # the Solara app on http://127.0.0.1:8765/ (offline: assets from the local cache)
	$(BIN)/aicm ui --scenario $(SCENARIO)

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup --timeout=300

bench: setup  # the model's run time and memory, then the app's Step and whole-run figures in chromium
	$(BIN)/python -m benchmarks.bench_baseline; model=$$?; $(BIN)/python -m benchmarks.bench_app; app=$$?; exit $$((model || app))

screenshot: setup  # docs/figures/app-overview.png, the app's Overview shown in the README
	$(BIN)/python -m visualization.app_browser

docs: setup
	$(BIN)/python -m experiments.docs

calibration: setup
	$(BIN)/python -m experiments.calibration_doc

headlines: setup  # writes docs/headlines.md and docs/scenarios.md
	$(BIN)/python -m experiments.headlines

sensitivity: setup
	$(BIN)/python -m experiments.sensitivity

figures: setup
	$(BIN)/aicm figures --seed 1 --out docs/figures

sweep: setup  # a small demo sweep and its report; a second call finds the sweep finished and runs nothing
	$(BIN)/aicm sweep --param demand.price_elasticity=0.8:1.6:3 --param lab_behaviour.planning_horizon_months=12:36:3 \
	  --seeds 2 --steps 60 --out results/sweep-demo $$([ -f results/sweep-demo/manifest.json ] && echo --resume)
	$(BIN)/aicm report results/sweep-demo --out results/sweep-demo/report

golden: setup
	$(BIN)/python -m tests.golden.regenerate

mutation: setup
	$(BIN)/python -m tests.mutation

clean:
	rm -rf $(VENV) results .pytest_cache
