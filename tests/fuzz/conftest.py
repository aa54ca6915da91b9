"""The fuzz tests run a few examples per form by default (about a minute in all, for CI);
``FUZZ_EXAMPLES=200 pytest tests/fuzz`` searches harder. The runs are derandomized, so a
failure in CI is found again with the same number of examples."""
