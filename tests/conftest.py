# The analyst corpus (tests/corpus) is data for tests/test_analyst_corpus.py, not tests.
collect_ignore = ["corpus"]
