"""Sample multilingual corpus and queries written for the quick start and tests."""
