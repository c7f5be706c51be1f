"""kinechain.report."""
