"""kinechain.gait."""
