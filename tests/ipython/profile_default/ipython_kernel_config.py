# Plain-text tracebacks in notebook kernels started by the tests, so failures read cleanly in CI logs.
c.InteractiveShell.colors = "nocolor"  # noqa: F821
