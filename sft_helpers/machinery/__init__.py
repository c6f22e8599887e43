"""What makes the same notebooks run in Colab, on a laptop and in CI; notebook 00 is about it, the others call it.

The tasks and profiles, the device and precision, the Hub probe, the offline stand-ins and the bundled data
sets with their answer key (``facts``, ``scoring``), the environment report, the requirements, the Colab
install, GPU estimates and the learning checks (``expectations``). It imports no lesson helper. This file
imports nothing itself: ``colab`` must load on a fresh Colab runtime before anything is installed.
"""
