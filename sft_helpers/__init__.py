"""Shared helpers of the SFT course: profiles and offline stand-ins, device and precision, masking, plots.

Each notebook imports what it needs from the submodules, for example
``from sft_helpers.device import precision_kwargs``.
"""

__version__ = "0.1.0"
