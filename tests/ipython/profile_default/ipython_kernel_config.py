# Plain-text tracebacks in notebook kernels started by the tests, so failures read cleanly in CI logs.
c.InteractiveShell.colors = "nocolor"  # noqa: F821
c.HistoryManager.enabled = False  # noqa: F821  (no history.sqlite next to the tests)
