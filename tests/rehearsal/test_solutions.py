"""The solutions notebooks in the full profile: a student who opens them in Colab takes that path."""

import pytest

from tests.conftest import SOLUTIONS, needs_hub_fixtures
from tests.rehearsal.conftest import assert_smoke_run_reports_without_asserting, outputs_of, rehearse, unexplained_warnings

pytestmark = needs_hub_fixtures


@pytest.mark.parametrize("notebook", [p.name for p in SOLUTIONS], ids=lambda name: name[:2])
def test_solutions_full_profile(notebook, hf_home, tmp_path):
    nb = rehearse(f"solutions/{notebook}", tmp_path, hf_home)
    text = outputs_of(nb)
    assert "[FAILED]" not in text
    if "check_learning" in "".join(c.source for c in nb.cells if c.cell_type == "code"):
        assert_smoke_run_reports_without_asserting(text)
    assert unexplained_warnings(nb) == []
