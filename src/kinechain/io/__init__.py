"""kinechain.io."""
