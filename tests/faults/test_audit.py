"""The fault tests' audit counts what it claims to: a fault test that cannot see a lost or a
duplicated write would pass whatever happened."""

from __future__ import annotations

from tests.faults.harness import Landed, LogIndex, Write, audit


def support(token: str, outcome: str, support_id: str = "s1", position: int = 7) -> Write:
    write = Write("support", token, "/households/h1/supports", {"amount": 5}, "h1")
    write.outcome = outcome  # type: ignore[assignment]
    if outcome == "acknowledged":
        write.status, write.answer = 201, {"support_id": support_id, "position": position}
    elif outcome == "rejected":
        write.status, write.answer = 500, {"text": "Internal Server Error"}
    return write


def log_with(
    *facts: tuple[str, Landed], draws: dict[str, list[tuple[int, int]]] | None = None
) -> LogIndex:
    index = LogIndex(end=100)
    for token, landed in facts:
        index.by_token[token].append(landed)
    for support_id, drawn in (draws or {}).items():
        index.draws[support_id] = drawn
    return index


def test_an_acknowledged_write_in_the_log_as_answered_is_neither_lost_nor_mismatched() -> None:
    index = log_with(("t1", Landed(6, "h1", "s1")), draws={"s1": [(7, 5)]})
    figures = audit("check", [support("t1", "acknowledged")], index)
    assert (figures.acknowledged, figures.lost, figures.mismatched, figures.duplicated) == (
        1,
        0,
        0,
        0,
    )


def test_an_acknowledged_write_missing_from_the_log_is_lost() -> None:
    figures = audit("check", [support("t1", "acknowledged")], log_with())
    assert figures.lost == 1


def test_an_acknowledged_write_under_another_id_or_position_is_mismatched() -> None:
    index = log_with(("t1", Landed(6, "h1", "other")), draws={"other": [(7, 5)]})
    assert audit("check", [support("t1", "acknowledged")], index).mismatched == 1
    index = log_with(("t1", Landed(6, "h1", "s1")), draws={"s1": [(9, 5)]})
    assert audit("check", [support("t1", "acknowledged")], index).mismatched == 1


def test_a_write_twice_in_the_log_or_a_support_drawing_twice_is_duplicated() -> None:
    index = log_with(("t1", Landed(6, "h1", "s1")), ("t1", Landed(8, "h1", "s2")))
    assert audit("check", [support("t1", "unknown")], index).duplicated == 1
    index = log_with(("t1", Landed(6, "h1", "s1")), draws={"s1": [(7, 5), (9, 5)]})
    assert audit("check", [support("t1", "unknown")], index).duplicated == 1
    index = log_with()
    index.code_claims["C-1"] = 2
    index.idempotency_keys[("h1", "k")] = 2
    assert audit("check", [], index).duplicated == 2


def test_a_rejected_write_in_the_log_is_counted_and_an_unknown_one_may_have_landed() -> None:
    index = log_with(("t1", Landed(6, "h1", "s1")), ("t2", Landed(8, "h1", "s2")))
    figures = audit("check", [support("t1", "rejected"), support("t2", "unknown")], index)
    assert figures.rejected_but_landed == 1
    assert (figures.unknown, figures.unknown_landed, figures.lost) == (1, 1, 0)
