"""Shared fixtures: every test starts from the same random state."""

import os
import random

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# In-process tests replace job functions and module settings (monkeypatch), which a job's own
# process would not see: they run jobs in a thread. Process isolation, the app's default, is tested
# in tests/test_jobs_process.py, by the Train page's job test and by the browser tests.
os.environ.setdefault("MATHDASH_JOBS", "thread")


@pytest.fixture(autouse=True)
def _seed_everything():
    random.seed(0)
    np.random.seed(0)
    yield
