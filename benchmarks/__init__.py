"""The performance harness (DESIGN §11): each benchmark measures a platform path
against a baseline run in the same process tree at the same time, and reports
ratios. See README.md here for how to run them and RESULTS.md for the figures."""
