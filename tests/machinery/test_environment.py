from sft_helpers.machinery import environment
from sft_helpers.machinery.environment import check_requirements, environment_report


def test_check_requirements_marks_mismatches(tmp_path):
    import transformers

    path = tmp_path / "requirements.txt"
    path.write_text(f"transformers=={transformers.__version__}\npytest==0.0.1\nno-such-package-here==1.0\n")
    rows = check_requirements(path)
    assert [ok for ok, _ in rows] == [True, False, False]
    assert "want 0.0.1" in rows[1][1]
    assert "not installed" in rows[2][1]


def test_local_build_label_is_not_a_mismatch(tmp_path, monkeypatch):
    # Installed torch reports e.g. 2.13.0+cpu; the pin says 2.13.0.
    monkeypatch.setattr(environment.metadata, "version", lambda name: "2.13.0+cpu")
    path = tmp_path / "requirements.txt"
    path.write_text("torch==2.13.0\n")
    assert check_requirements(path) == [(True, "torch 2.13.0+cpu")]


def test_environment_report_of_the_course_is_all_ok(no_gpu):
    report = environment_report()
    lines = report.splitlines()
    assert any(line.startswith("[OK] trl ") for line in lines)
    assert not [line for line in lines if line.startswith("[FAIL]")], report
    assert lines[-2] == "device: cpu"
    assert lines[-1].startswith("precision: fp32")


def test_environment_report_shows_failures(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("pytest==0.0.1\n")
    assert environment_report(path).splitlines()[0].startswith("[FAIL] pytest ")


def test_on_colab_its_own_torch_is_not_a_failure(tmp_path, monkeypatch):
    import sys
    import types

    monkeypatch.setattr(environment.metadata, "version", lambda name: {"torch": "2.9.0+cu126"}.get(name, "1.0"))
    path = tmp_path / "requirements.txt"
    path.write_text("torch==2.13.0\ntrl==1.16.0\n")
    assert [ok for ok, _ in check_requirements(path)] == [False, False]
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    rows = check_requirements(path)
    assert rows[0] == (True, "torch 2.9.0+cu126 (Colab's own, kept; the course pins 2.13.0)")
    assert rows[1] == (False, "trl 1.0, want 1.16.0")  # only what the course keeps at Colab's version
