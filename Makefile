# The two README commands. Each one sets itself up on a fresh Debian machine first.
.PHONY: demo test bench

demo:
	@scripts/setup
	.venv/bin/rater demo

test:
	@scripts/setup --dev --pythons
	.venv/bin/lint-imports --no-cache
	.venv/bin/python -m pytest -q
	@scripts/test-pythons

bench:
	@scripts/setup --dev
	for b in bench/[!_]*.py; do .venv/bin/python $$b; done
