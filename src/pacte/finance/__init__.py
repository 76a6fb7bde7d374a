"""Local finance: the DCRTP cut simulator.

- :mod:`pacte.finance.law`: dated law parameters (``parameters/*.yaml``, legal references,
  ``verified`` flags), :func:`load_law`.
- :mod:`pacte.finance.simulator`: pure allocation core (integer cents, cap, redistribution).
- :mod:`pacte.finance.burden`: quintile shares of the cut and the « double peine » index.
- :mod:`pacte.finance.inputs`: DGCL critères de répartition / AMP fixture -> inputs.
- :mod:`pacte.finance.demo`: fictional national-size input (« données fictives »).

Entry points: :func:`simulate` and :func:`compare_keys`.
"""

from pacte.finance.law import Law, UnknownYearError, load_law
from pacte.finance.scenario import (
    FICTIONAL,
    Comparison,
    Simulation,
    SimulationInputs,
    compare_keys,
    simulate,
)
from pacte.finance.simulator import KEYS, ROW_COLUMNS

__all__ = ["FICTIONAL", "KEYS", "ROW_COLUMNS", "Comparison", "Law", "Simulation",
           "SimulationInputs", "UnknownYearError", "compare_keys", "load_law", "simulate"]
