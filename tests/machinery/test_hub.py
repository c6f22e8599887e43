import http.server
import threading

import pytest

from sft_helpers.machinery import hub


@pytest.fixture
def local_hub(monkeypatch):
    """A stand-in Hub on loopback that answers with the status code the test picks."""
    status = {"code": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    hub._probe.cache_clear()
    yield status
    server.shutdown()
    hub._probe.cache_clear()


def test_hub_offline_flag(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub.hub_offline_requested()
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert not hub.hub_offline_requested()
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert not hub.hub_offline_requested()


def test_answering_hub_is_reachable(local_hub):
    assert hub.hub_problem("some/model", timeout=2) is None


def test_client_errors_still_mean_the_hub_is_there(local_hub):
    local_hub["code"] = 401
    assert hub.hub_problem("gated/model", timeout=2) is None


def test_server_errors_are_a_problem(local_hub):
    local_hub["code"] = 503
    assert hub.hub_problem("some/model", timeout=2) == "HTTP 503"


def test_closed_port_is_a_problem(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    hub._probe.cache_clear()
    problem = hub.hub_problem("some/model", timeout=2)
    assert problem and "refused" in problem.lower()


def test_token_from_environment(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    assert hub.hub_token() == ("hf_test", "the HF_TOKEN environment variable")


def test_no_token_is_fine(monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert hub.hub_token() == (None, "nowhere")
