"""Targets: compounds of elements, elements of isotopes.

A target file ``data/targets/NAME.json`` (``schema_version`` 2) gives a
compound by stoichiometry, ``"composition": {"Cs": 1, "I": 1}``, and the
material constants its detector response may need (``fano``,
``pair_energy_eV``). Each element is ``data/elements/SYMBOL.json``: atomic
number, isotopes with abundances and atomic masses, and optionally electron
shells (for the electron channel's stepping approximation). A target may also
be given by the path of a file in the same format (its elements are looked up
among the shipped ones unless the file defines them inline under
``"elements"``).

Names are names: a target or element name must match ``[A-Za-z0-9_+-]+``; a
path is recognised only by a ``.json`` suffix or a path separator.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import units
from ..datafiles import data_root, read_json_file

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_+-]+$")


class TargetError(ValueError):
    """A malformed target or element file, or an unknown name."""


@dataclass(frozen=True)
class Isotope:
    """One isotope: mass number ``A``, atomic number ``Z``, fractional abundance
    within its element (sums to 1 over the element) and atomic mass [u]."""

    A: int
    Z: int
    abundance: float
    atomic_mass_u: float

    @property
    def N(self) -> int:
        return self.A - self.Z

    @property
    def nuclear_mass(self) -> float:
        """Nuclear mass [MeV]: atomic mass minus Z electron masses (electron
        binding, ≲ 100 keV in all, neglected: < 2e-6 relative)."""
        return self.atomic_mass_u * units.ATOMIC_MASS_UNIT - self.Z * units.M_ELECTRON


@dataclass(frozen=True)
class Element:
    """An element: symbol, atomic number, isotopes, and electron shells
    ((binding energy [MeV], electrons), ...) for the stepping approximation."""

    symbol: str
    Z: int
    isotopes: tuple[Isotope, ...]
    shells: tuple[tuple[float, int], ...] = ()

    @property
    def mean_atomic_mass_u(self) -> float:
        return float(sum(i.abundance * i.atomic_mass_u for i in self.isotopes))

    @property
    def mean_A(self) -> float:
        return float(sum(i.abundance * i.A for i in self.isotopes))


@dataclass(frozen=True)
class Target:
    """A detector material: a compound of elements with material constants."""

    name: str
    formula: str
    composition: tuple[tuple[Element, int], ...]
    material: dict = field(default_factory=dict)

    @property
    def elements(self) -> tuple[Element, ...]:
        return tuple(el for el, _ in self.composition)

    @property
    def formula_mass_u(self) -> float:
        return float(sum(n * el.mean_atomic_mass_u for el, n in self.composition))

    @property
    def formula_units_per_kg(self) -> float:
        return 1000.0 / (self.formula_mass_u * units.ATOMIC_MASS_UNIT_G)

    @property
    def isotopes(self) -> tuple[Isotope, ...]:
        """Every isotope of every element (see :meth:`isotope_table` for densities)."""
        return tuple(iso for el, _ in self.composition for iso in el.isotopes)

    def isotope_table(self) -> list[tuple[Element, Isotope, float]]:
        """Every isotope with its atoms per kg of target: ``(element, isotope, atoms/kg)``."""
        per_kg = self.formula_units_per_kg
        return [(el, iso, per_kg * n * iso.abundance) for el, n in self.composition for iso in el.isotopes]

    @property
    def shells(self) -> tuple[tuple[float, int], ...]:
        """Electron shells per formula unit ((binding [MeV], electrons), ...)."""
        return tuple((b, n * count) for el, count in self.composition for b, n in el.shells)

    @property
    def atoms_per_kg(self) -> float:
        """Formula units per kg (atoms per kg for an element target)."""
        return self.formula_units_per_kg

    @property
    def fano(self) -> float | None:
        return self.material.get("fano")

    @property
    def pair_energy_eV(self) -> float | None:
        return self.material.get("pair_energy_eV")

    @property
    def Z(self) -> int:
        """Atomic number of a single-element target (compounds: see :attr:`elements`)."""
        if len(self.composition) != 1:
            raise TargetError(f"target {self.name!r} is a compound; use target.elements for its atomic numbers")
        return self.composition[0][0].Z


def _check_name(name: str, what: str) -> None:
    if not NAME_PATTERN.match(name):
        raise TargetError(
            f"{what} {name!r} is not a valid name (letters, digits, _ + -); give a path ending in .json for a file"
        )


def _number(value, where: str, *, positive=False, lo=None, hi=None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TargetError(f"{where}: expected a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or (positive and v <= 0) or (lo is not None and v < lo) or (hi is not None and v > hi):
        bounds = "a positive finite number" if positive else f"a finite number in [{lo}, {hi}]"
        raise TargetError(f"{where}: {value!r} is not {bounds}")
    return v


def parse_element(data: dict, origin: str) -> Element:
    """An :class:`Element` from its JSON object (validated; errors name the field)."""
    if not isinstance(data, dict):
        raise TargetError(f"{origin}: an element must be a JSON object")
    for key in ("symbol", "Z", "isotopes"):
        if key not in data:
            raise TargetError(f"{origin}: field {key}: missing")
    Z = int(_number(data["Z"], f"{origin}: field Z", lo=1, hi=120))
    isos = data["isotopes"]
    if not isinstance(isos, list) or not isos:
        raise TargetError(f"{origin}: field isotopes: must be a non-empty list")
    isotopes = []
    for i, iso in enumerate(isos):
        where = f"{origin}: field isotopes[{i}]"
        if not isinstance(iso, dict) or not {"A", "abundance", "atomic_mass_u"} <= set(iso):
            raise TargetError(f"{where}: needs A, abundance and atomic_mass_u")
        A = int(_number(iso["A"], f"{where}.A", lo=Z, hi=400))
        isotopes.append(
            Isotope(
                A=A,
                Z=Z,
                abundance=_number(iso["abundance"], f"{where}.abundance", lo=0, hi=1),
                atomic_mass_u=_number(iso["atomic_mass_u"], f"{where}.atomic_mass_u", lo=0.5 * A, hi=1.5 * A),
            )
        )
    total = sum(i.abundance for i in isotopes)
    if not math.isclose(total, 1.0, abs_tol=1e-3):
        raise TargetError(f"{origin}: field isotopes: abundances sum to {total:.5f}; they must sum to 1 (±0.001)")
    shells = tuple(
        (
            _number(sh.get("binding_keV"), f"{origin}: field electron_shells_keV[{k}].binding_keV", positive=True)
            * units.keV,
            int(_number(sh.get("electrons"), f"{origin}: field electron_shells_keV[{k}].electrons", lo=1, hi=32)),
        )
        for k, sh in enumerate(data.get("electron_shells_keV", []))
    )
    return Element(symbol=str(data["symbol"]), Z=Z, isotopes=tuple(isotopes), shells=shells)


def load_element(symbol: str) -> Element:
    """The shipped element ``data/elements/SYMBOL.json``."""
    _check_name(symbol, "element")
    path = data_root() / "elements" / f"{symbol}.json"
    if not path.is_file():
        shipped = sorted(p.stem for p in (data_root() / "elements").glob("*.json"))
        raise TargetError(
            f"unknown element {symbol!r}; shipped elements: {', '.join(shipped)} (or define it under 'elements' in "
            "the target file)"
        )
    return parse_element(read_json_file(path, "element file", TargetError), str(path))


def available_targets() -> list[str]:
    return sorted(p.stem for p in (data_root() / "targets").glob("*.json"))


def resolve_target_path(name_or_path: str | Path, base_dir: Path | None = None) -> Path:
    """The file of a shipped target name, or a path (``.json`` suffix or a separator)."""
    text = str(name_or_path)
    if text.endswith(".json") or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise TargetError(f"target file {str(path)!r} does not exist")
        return path
    _check_name(text, "target")
    path = data_root() / "targets" / f"{text}.json"
    if not path.is_file():
        raise TargetError(
            f"unknown target {text!r}; shipped targets: {', '.join(available_targets())}, or give the path of a .json "
            "file"
        )
    return path


def load_target(name_or_path: str | Path, base_dir: Path | None = None) -> Target:
    """Load a target by shipped name or path (see the module docstring)."""
    path = resolve_target_path(name_or_path, base_dir)
    data = read_json_file(path, "target file", TargetError)
    origin = str(path)
    comp = data.get("composition")
    if not isinstance(comp, dict) or not comp:
        raise TargetError(f'{origin}: field composition: must be an object such as {{"Cs": 1, "I": 1}}')
    inline = data.get("elements", {})
    composition = []
    for symbol, count in comp.items():
        n = int(_number(count, f"{origin}: field composition.{symbol}", lo=1, hi=100))
        if n != count:
            raise TargetError(
                f"{origin}: field composition.{symbol}: stoichiometric counts must be whole numbers, got {count!r}"
            )
        element = (
            parse_element(inline[symbol], f"{origin}: elements.{symbol}") if symbol in inline else load_element(symbol)
        )
        composition.append((element, n))
    material = data.get("material", {})
    if not isinstance(material, dict):
        raise TargetError(f"{origin}: field material: must be an object")
    for key in ("fano", "pair_energy_eV"):
        if key in material:
            _number(material[key], f"{origin}: field material.{key}", lo=0, hi=100)
    return Target(
        name=str(data.get("name", path.stem)),
        formula=str(data.get("formula", "")),
        composition=tuple(composition),
        material=dict(material),
    )
