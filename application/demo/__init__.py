"""Deterministic, realistic demo data: a province's households through the 2021–2025 reviews, and
the money that supported them.

``load_demo(case_files, DemoParameters(households=N, seed=S), progress)`` writes N households in the
province's real communes, with their members, the annual reviews of 2021 to 2025 (surveys dated
1 September – 25 November, recognition decisions by each commune on one day of 5–14 December),
some regular reviews in between (survey on the 15th–20th, decision on the 25th–28th), members born,
married in or out, dying or moving away, supports of every type from 2022 on, and the fund
allocations of 2022–2025 that the supports with money draw on.

Every fact goes through the same checks and aggregate methods as a caseworker's command: what the
command states (``domain.household_inputs``), then the household's own method
(``Household.register``, ``record_survey``, ``record_recognition``, ``record_support``,
``add_member``, ``record_departure``, ``reverse_support``, ``correct_recognition``,
``revoke_recognition``; ``CaseFiles.draft_allocation``) and the allocation's own rules (``draw``,
``adjust``, ``give_back``), so it
passes the same checks; a refusal while generating is a bug in this module, never something to
skip. Supports are given only when eligible on their date (checked first with the same domain rule,
``domain.supports.refusal_reason``).

Money (domain.md §6). Where the programme pays money (livelihood models, agricultural production,
vocational training, information access, housing at 40–60 million VND) a support states its amount,
and what it bought as a quantity and unit, and draws on an allocation of its programme line, for
the year it was provided, whose unit contains the household's commune. Nutrition and health
insurance are given in kind (kg, cards): a quantity and unit, no money. Allocations are made by
decision ("123/QĐ-UBND") in January of each fiscal year 2022–2025, when first needed: each district
gets central recurrent funds for each programme line, with a local counterpart for agricultural
production and vocational training, and mobilized funds with a local counterpart for housing; each
commune gets its livelihood model project; the two poorest districts also get central investment
for livestock models, drawn first. They are sized from the expected number of supports, so they
rarely run out; one that would is topped up by an adjustment (at most twice, June–October). A few,
deterministically, are tight and never topped up: once spent, further requests are refused and
skipped, as the case files would refuse them (``DemoSummary.refused_for_funds``). After the last
household, about half of the allocations with much left are adjusted down in December (never below
what was spent). An allocation is drafted once, keeps its draws across batches, and is saved with
the households of each batch that gave it new facts.

Recording times. Every household fact carries a plausible recording moment
(``FactContext.recorded_at``): its business date plus a short delay (same day to ten days, weekends
skipped) at office hours in Vietnam, strictly increasing within each household, so that ``known_at``
views and the inspection findings see a history rather than the loading instant. No moment is after
``RECORDED_BY``, and loading needs a clock on or after that day. Allocation decisions and
adjustments are recorded just after their decision dates too; draws and give-backs
(``FundAllocation.draw`` and ``give_back`` take no recording time) and household-code claims carry
the loading time.

Anomalies, so that the inspection and audit views have something to show (every finding kind
appears among the default 300 households): supports recorded more than 30 days after they were
provided; supports entered a second time by the district office (same household, member, type and
date), about half of them reversed as duplicates later; a house supported twice; a recognition
recorded with the wrong status and corrected weeks later, which leaves the supports given in
between ineligible as now known; mistyped decision numbers, corrected; decisions entered twice, the
copy revoked; and supports reversed with their reasons, the money given back to the allocation.

Realism, roughly (the province's figures in ``domain.md`` §7): about 6% of households poor after
the 2021 review, falling to about 2% at the end of 2025; near-poor about 4% falling to about 2.3%;
about 38% ethnic-minority households, most in the mountain districts; urban wards and townships
have urban, less often poor households. The first households are scripted "showcases"
(``SHOWCASES``): together they produce every movement kind, escape windows that are open, expired
and cut short as of late 2026, every support type and every anomaly above, so even a small load
shows everything.

Determinism: the facts (codes, names, dates, values, statuses, support types, amounts, the
allocations, their decisions and adjustments) and the household facts' recording times are a pure
function of ``(households, seed)``, whatever the batch size: each household draws from its own
``random.Random`` seeded with the seed and its index, each allocation group from one seeded with its
year, programme line, unit and source, never from the global generator, and everything is dated on
or before 2025-12-31, whatever the clock says. Identifiers (UUIDs) differ between loads, as do the
recording times of draws, give-backs and code claims.

Streaming: households are generated and saved ``batch_size`` at a time, each batch in one
transaction (``CaseFiles.save_drafts``) with the allocations it changed, then dropped, so memory
stays flat up to province scale; only the allocations (about a thousand at province scale) stay.

Loading twice: household codes are ``{code_prefix}{commune code}-{sequence:06d}``, whatever the
seed. A second load with the same prefix into the same database fails with ``Conflict`` before
writing anything (its first code exists); should a later code clash anyway, that batch fails with
``Conflict`` (each batch is all or nothing) and the batches before it stay. Pass another
``code_prefix`` to load a second set beside the first (with allocations of its own).
"""

from __future__ import annotations

from application.demo.loading import holds_demo_data, household_codes, load_demo
from application.demo.parameters import DEMO_ACTOR_PREFIX, DemoParameters, DemoSummary
from application.demo.rates import LAST_DAY, RECORDED_BY
from application.demo.reference import ETHNIC_GROUPS
from application.demo.showcases import SHOWCASES

__all__ = [
    "DEMO_ACTOR_PREFIX",
    "ETHNIC_GROUPS",
    "LAST_DAY",
    "RECORDED_BY",
    "SHOWCASES",
    "DemoParameters",
    "DemoSummary",
    "holds_demo_data",
    "household_codes",
    "load_demo",
]
