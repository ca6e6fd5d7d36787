"""The one internal unit system of cevnsjax, and the physical constants.

Internal units (every function below the API edge uses these):

* energy, mass, momentum: **MeV** (neutrino energy ``E``, nuclear recoil ``T``,
  ionisation energy ``E_ee``, nuclear masses ``M``; momentum transfer ``q`` in MeV)
* length: **cm**; time: **s**; exposure: **kg·day**
* fluxes: antineutrinos cm⁻² s⁻¹ (differential: cm⁻² s⁻¹ MeV⁻¹)
* cross sections never appear as bare cm² numbers in the hot path: the
  constants that carry cm² (``G_F² (ħc)²`` ≈ 5e-50 cm² keV⁻²) are folded, in
  float64 Python arithmetic, with the target density, the exposure time unit and
  the flux normalisation into one O(1) prefactor per isotope (see
  :mod:`cevnsjax.rates`), so the model is float32-safe.

At the API edge (data files, CLI, plots) the conventional units are used and
named in the field: ``threshold_eVee``, ``sigma0_eVee``, recoil energies in keV.
Use the conversion factors below, never literal ``1e-3``.
"""

from __future__ import annotations

# --- unit conversions (to internal MeV) ---------------------------------------
MeV = 1.0
keV = 1.0e-3
eV = 1.0e-6
GeV = 1.0e3

SECONDS_PER_DAY = 86400.0
METRE = 100.0  # cm

# --- physical constants (CODATA 2018 unless stated) ---------------------------
#: Fermi constant [MeV^-2]; PDG 2024 G_F/(ħc)^3 = 1.1663788(6)e-5 GeV^-2
#: (physics spec uses 1.1663787e-5 GeV^-2, the CODATA 2018 value).
G_FERMI = 1.1663787e-5 / GeV**2
#: ħc [MeV·cm] (CODATA 2018: 197.3269804 MeV fm)
HBARC_MEV_CM = 197.3269804e-13
#: ħc [MeV·fm], converts q[MeV] -> q[fm^-1] = q / HBARC_MEV_FM
HBARC_MEV_FM = 197.3269804
#: fine-structure constant (CODATA 2018)
ALPHA_EM = 7.2973525693e-3
#: electron mass [MeV] (CODATA 2018)
M_ELECTRON = 0.51099895000
#: atomic mass unit [MeV] (CODATA 2018)
ATOMIC_MASS_UNIT = 931.49410242
#: atomic mass unit [g] (CODATA 2018)
ATOMIC_MASS_UNIT_G = 1.66053906660e-24
#: Avogadro constant [1/mol] (exact, SI 2019)
AVOGADRO = 6.02214076e23
#: MeV -> J
MEV_TO_JOULE = 1.602176634e-13

#: Low-energy MS-bar weak mixing angle sin²θW(Q->0) = 0.23857, the value the
#: physics specification fixes (PDG electroweak review; Erler & Ferro-Hernández,
#: JHEP 03 (2018) 196, arXiv:1712.09146).
SIN2_THETA_W_LOW_ENERGY = 0.23857
