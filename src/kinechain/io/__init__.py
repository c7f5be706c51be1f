"""kinechain.io: readers that turn motion files into a :class:`~kinechain.trial.Trial`.

* :func:`read` dispatches on the extension;
* :func:`read_c3d` reads C3D files with a fast NumPy parser (or ezc3d in a child process);
* :func:`read_trc` reads OpenSim TRC marker files;
* :func:`read_mot` reads OpenSim MOT/STO files and maps joint angles to kinechain names;
* :func:`read_mapping` reads a user's marker-name mapping (JSON).
"""

from kinechain.io._c3d import read_c3d
from kinechain.io._mapping import read_mapping
from kinechain.io._opensim import read_mot, read_trc
from kinechain.io._read import read

__all__ = ["read", "read_c3d", "read_mapping", "read_mot", "read_trc"]
