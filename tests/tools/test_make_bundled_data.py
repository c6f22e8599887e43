"""The bundled data sets are what their generator writes, and it writes them where the offline profile reads."""

import make_bundled_data

from sft_helpers.machinery import bundled_data


def test_committed_files_are_what_the_generator_writes():
    records = make_bundled_data.generate()
    assert set(records) == {name for files in bundled_data.ALL_FILES.values() for name in files.values()}
    for name, rows in records.items():
        committed = (bundled_data.DATA_DIR / name).read_text(encoding="utf-8")
        assert committed == make_bundled_data.to_jsonl(rows), f"{name} is stale: run python misc/tools/make_bundled_data.py"


def test_write_puts_every_file_in_the_folder_given(tmp_path):
    written = make_bundled_data.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in tmp_path.iterdir())
    assert (tmp_path / "instructions_train.jsonl").read_text(encoding="utf-8") == (
        bundled_data.DATA_DIR / "instructions_train.jsonl").read_text(encoding="utf-8")
