"""The test run's split over pytest-xdist workers (conftest.py) keeps together what must stay together."""

from conftest import REHEARSAL, work_group


def test_a_lesson_and_its_solutions_share_a_worker():
    cells = [
        "notebooks/02_sft_smollm2_smoltalk.ipynb::Cell 0",
        "notebooks/02_sft_smollm2_smoltalk.ipynb::Cell 28",
        "notebooks/solutions/02_sft_smollm2_smoltalk_solutions.ipynb::Cell 3",
    ]
    assert {work_group(c) for c in cells} == {"lesson 02"}
    assert work_group("notebooks/03_alpaca_masking_by_hand.ipynb::Cell 0") == "lesson 03"


def test_a_test_file_shares_a_worker_and_the_rehearsal_spreads():
    assert work_group("tests/test_chat.py::test_renders_chatml") == work_group("tests/test_chat.py::test_end_of_turn_and_padding")
    assert work_group("tests/test_scoring.py::test_is_correct[Hi!-Hello!-None]") == "tests/test_scoring.py"
    one, two = f"{REHEARSAL}::test_notebook_02_full_profile", f"{REHEARSAL}::test_notebook_04_full_profile"
    assert work_group(one) != work_group(two)

