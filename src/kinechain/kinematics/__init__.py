"""kinechain.kinematics."""
