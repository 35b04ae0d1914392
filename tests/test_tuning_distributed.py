"""keras-tuner's distributed mode through the command line: one chief and two workers on localhost."""

import os
import socket
import subprocess
import sys

import pytest

from mathdash.loaders import save_npz
from mathdash.tuning import trial_table
from test_tuning import tiny_dataset

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT_S = 240  # the chief waits up to 20 s between checks for the last worker (keras-tuner's loop)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_chief_and_two_workers_share_one_search(tmp_path):
    import grpc  # noqa: F401  keras-tuner's oracle service; tensorflow installs it, so never skip

    data = save_npz(tiny_dataset(), tmp_path / "tiny.npz")
    common = [sys.executable, "-m", "mathdash", "tune", "--data", str(data), "--name", "spread",
              "--max-trials", "3", "--epochs", "1", "--batch-size", "16", "--no-save",
              "--search-root", str(tmp_path / "searches"), "--oracle-ip", "127.0.0.1",
              "--oracle-port", str(_free_port()), "--space", '{"filters": [4, 8], "dense_units": [16]}']
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    roles = {"chief": ["--chief"], "tuner1": ["--worker", "--tuner-id", "tuner1"],
             "tuner2": ["--worker", "--tuner-id", "tuner2"]}
    processes = {name: subprocess.Popen(common + flags, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
                 for name, flags in roles.items()}
    try:
        outputs = {name: process.communicate(timeout=TIMEOUT_S)[0] for name, process in processes.items()}
    finally:
        for process in processes.values():
            process.kill()
    for name, process in processes.items():
        assert process.returncode == 0, f"{name} failed:\n{outputs[name][-3000:]}"

    table = trial_table(tmp_path / "searches" / "spread")
    assert table["status"].tolist() == ["COMPLETED"] * 3
    assert set(table["tuner"]) == {"tuner1", "tuner2"}  # both workers ran trials, the chief none
    assert "best validation accuracy" in outputs["chief"]
