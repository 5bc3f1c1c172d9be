from __future__ import annotations

import json
import os
import subprocess
import sys

from haven.embedded import _forget_dead_users


def test_users_of_embedded_postgres_that_were_killed_are_forgotten(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / ".handle_pids.json").write_text(json.dumps([dead.pid, os.getpid()]))
    _forget_dead_users(tmp_path)
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [os.getpid()]
