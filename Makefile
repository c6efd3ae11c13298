# The command surface of the border tip line.
.PHONY: run test install train lint bench tips check-config

run: install train          ## install, train if stale, start the tip line (SQLite)
	./scripts/install-web.sh
	./scripts/run.sh

test:                       ## install what the tests need and run them all
	./scripts/test.sh

install:                    ## Python environment (cached by lock hash, linked as .venv)
	./scripts/install.sh

train: install              ## train the Rasa model if config or data changed
	./scripts/train.sh

lint: install
	.venv/bin/ruff check bot actions harness tests bench

bench: install train        ## run the benchmarks (see docs/benchmarks.md)
	./scripts/bench.sh

tips: install               ## list stored tips as JSON lines
	./bin/tipline tips --json
