"""The default database URL works where nothing has been set up (#26 item 6): `contributions migrate` in a fresh
directory (as in the image, whose WORKDIR has no var/) failed with "unable to open database file" because the
relative var/ did not exist. The migration makes the SQLite file's directory, as the service itself does."""

import json
import os
import subprocess
import sys


def test_migrate_and_serve_defaults_work_in_an_empty_directory(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "contributions", "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "var" / "contributions.db").stat().st_size > 0
    # logged as the service logs (#26 item 5): JSON lines, each migration step among them
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert any(line["message"].startswith("Running upgrade") for line in lines), done.stderr[-2000:]
