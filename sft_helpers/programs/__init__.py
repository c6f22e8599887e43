"""Programs run with ``python -m sft_helpers.programs.<name>``; no notebook imports them."""
