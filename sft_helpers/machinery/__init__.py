"""What makes the same notebooks run in Colab, on a laptop and in CI; no lesson is about it.

Profiles and the Hub probe, the offline stand-ins and the bundled data sets, the environment report, the
Colab install, GPU estimates and the learning checks. It imports nothing itself: ``colab`` must load on a
fresh Colab runtime before anything is installed.
"""
