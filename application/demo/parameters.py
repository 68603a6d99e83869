"""What a demo load is asked for (its parameters) and what it reports (its summary)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from domain.status import MOVEMENTS

# Parameters and summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoParameters:
    households: int = 300
    seed: int = 101
    batch_size: int = 500
    """Households saved per transaction."""
    code_prefix: str = ""
    """Prepended to every household code, to load a second set into the same database."""


ANOMALIES = (
    "late_recording",
    "duplicate_support",
    "repeated_housing",
    "recognition_corrected",
    "recognition_revoked",
)


@dataclass
class DemoSummary:
    seed: int | None = None
    households: int = 0
    communes: int = 0
    ethnic_minority_households: int = 0
    urban_households: int = 0
    members_registered: int = 0
    members_joined: Counter[str] = field(default_factory=Counter)
    members_left: Counter[str] = field(default_factory=Counter)
    events: int = 0
    """Events stored: household facts, allocation facts and household-code claims."""
    facts: int = 0
    """Household facts alone."""
    allocation_facts: int = 0
    surveys: Counter[str] = field(default_factory=Counter)  # by standard
    regular_surveys: int = 0
    recognitions: Counter[str] = field(default_factory=Counter)  # by status
    movements: Counter[str] = field(default_factory=Counter)
    escapes_to_near_poor: int = 0
    supports: Counter[str] = field(default_factory=Counter)  # by type
    reversals: int = 0
    money_supports: int = 0
    disbursed: int = 0
    """VND drawn by supports that were not reversed."""
    refused_for_funds: int = 0
    allocations: int = 0
    allocated: int = 0
    """VND allocated, after adjustments."""
    allocation_increases: int = 0
    allocation_reductions: int = 0
    anomalies: Counter[str] = field(default_factory=Counter)
    windows_as_of: date | None = None
    windows: Counter[str] = field(default_factory=Counter)  # open, expired, cut_short
    year_end: dict[int, Counter[str]] = field(default_factory=dict)  # year → status → count
    position: int = 0
    elapsed_seconds: float = 0.0

    @property
    def members(self) -> int:
        return self.members_registered + sum(self.members_joined.values())

    @property
    def events_per_second(self) -> float:
        return self.events / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    def __str__(self) -> str:
        def share(count: int, of: int) -> str:
            return f"{count:,} ({100 * count / of:.1f}%)" if of else f"{count:,}"

        def listing(counter: Counter[str], order: tuple[str, ...] = ()) -> str:
            keys = list(order) + sorted(k for k in counter if k not in order)
            return ", ".join(f"{k} {counter[k]:,}" for k in keys if counter[k] or k in order)

        claims = self.events - self.facts - self.allocation_facts
        drawn = f"{100 * self.disbursed / self.allocated:.0f}%" if self.allocated else "none"
        lines = [
            f"demo data (seed {self.seed}): {self.households:,} households "
            f"in {self.communes} communes; "
            f"ethnic minority {share(self.ethnic_minority_households, self.households)}; "
            f"urban {share(self.urban_households, self.households)}",
            f"members: {self.members:,} ({self.members_registered:,} at registration; "
            f"joined: {listing(self.members_joined) or 'none'}; "
            f"left: {listing(self.members_left) or 'none'})",
            f"events stored: {self.events:,} ({self.facts:,} household facts, "
            f"{self.allocation_facts:,} allocation facts, {claims:,} code claims); "
            f"last position {self.position:,}",
            f"surveys: {sum(self.surveys.values()):,} ({listing(self.surveys)}; "
            f"{self.regular_surveys:,} at regular reviews)",
            f"recognitions: {sum(self.recognitions.values()):,} "
            f"({listing(self.recognitions, ('poor', 'near_poor', 'average', 'none'))})",
            f"movements: {listing(self.movements, MOVEMENTS)} "
            f"(escapes to near-poor {self.escapes_to_near_poor:,})",
            f"escape windows as of {self.windows_as_of}: "
            f"{listing(self.windows, ('open', 'expired', 'cut_short'))}",
            f"supports: {sum(self.supports.values()):,} ({listing(self.supports)}); "
            f"reversed {self.reversals:,}; with money {self.money_supports:,}, "
            f"{self.disbursed:,} VND not reversed; "
            f"refused for lack of funds {self.refused_for_funds:,}",
            f"allocations: {self.allocations:,} ({self.allocated:,} VND after "
            f"{self.allocation_increases:,} increases and {self.allocation_reductions:,} "
            f"reductions; {drawn} drawn)",
            f"anomalies: {listing(self.anomalies, ANOMALIES)}",
            "year end: "
            + "; ".join(
                f"{year} poor {share(counts['poor'], self.households)}, "
                f"near-poor {share(counts['near_poor'], self.households)}"
                for year, counts in sorted(self.year_end.items())
            ),
            f"elapsed {self.elapsed_seconds:.1f} s, {self.events_per_second:,.0f} events/s",
        ]
        return "\n".join(lines)


DEMO_ACTOR_PREFIX = "demo/"  # every demo fact's actor: demo/stc.19, demo/cbgn.05539, …
