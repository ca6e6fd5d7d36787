"""Vector non-standard interactions (physics spec §3.4).

Flavour-diagonal ε_αα^{qV} add to the weak charge of a neutrino of flavour α
(α = e for ν_e and ν̄_e, μ for ν_μ and ν̄_μ); off-diagonal ε_αβ (α ≠ β) add
incoherently, |Z(2ε^u + ε^d) F_p + N(ε^u + 2ε^d) F_n|², to every flavour they
connect (ε_eμ to ν_e and ν_μ, ε_eτ to ν_e).
"""

from __future__ import annotations


def nsi_charge(Z, N, eps_u, eps_d):
    """Z (2ε^u + ε^d) + N (ε^u + 2ε^d): the NSI contribution to a weak charge."""
    return Z * (2.0 * eps_u + eps_d) + N * (eps_u + 2.0 * eps_d)
