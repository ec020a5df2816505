"""The abstrax experiments: task suites, the suite runner, reports, and the command line."""
