"""The README's first set-up command, run: `make lab` opens JupyterLab on the notebooks (as root too).

The second, `make test`, is what `.ci/run` runs: every test run from CI is its own proof.
"""

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed; the README gives the commands by hand")


def test_make_lab_opens_jupyterlab_on_the_notebooks(tmp_path):
    if subprocess.run(["make", "-q", ".venv/bin/.installed"], cwd=ROOT).returncode != 0:
        pytest.skip("the environment in .venv is not `make`'s own (or is out of date): `make lab` would install first")
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    # As root, Jupyter refuses to start ("Running as root is not recommended") unless the Makefile says --allow-root.
    server = subprocess.Popen(
        ["make", "lab", f"LAB_ARGS=--no-browser --ServerApp.port={port} --ServerApp.port_retries=0 --IdentityProvider.token=course-test"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        said, deadline, url = [], time.monotonic() + 120, None
        while url is None and time.monotonic() < deadline and server.poll() is None:
            line = server.stdout.readline()
            said.append(line)
            if re.search(rf"http://127\.0\.0\.1:{port}/lab", line):  # the server says it listens
                url = f"http://127.0.0.1:{port}"
        assert url, "JupyterLab did not start:\n" + "".join(said[-30:])
        listing = None
        while listing is None:  # the banner can come a moment before the socket accepts
            try:
                with urllib.request.urlopen(f"{url}/api/contents/?token=course-test", timeout=30) as answer:
                    listing = answer.read().decode()
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert "02_sft_smollm2_smoltalk.ipynb" in listing and "solutions" in listing  # opened on notebooks/
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
