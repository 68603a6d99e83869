"""The load benchmark's own arithmetic: a benchmark that cannot see a lost write, or misreads
its latency histogram, reports figures nobody should trust."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.load import audit_writes, lua_script, percentile_of


def test_writes_are_counted_against_the_log_by_token() -> None:
    # Thread 1 sent four writes: acknowledged, acknowledged, rejected, no answer.
    writes = {1: "SPr?"}
    found = Counter({"L-1-1": 1, "L-1-3": 1, "L-1-4": 1, "other-1-1": 0})
    figures = audit_writes(writes, "L", found)
    assert figures["acknowledged"] == 2
    assert figures["lost"] == 1  # L-1-2 was acknowledged and is not in the log
    assert figures["rejected"] == 1 and figures["rejected_but_landed"] == 1
    assert figures["unknown"] == 1 and figures["unknown_landed"] == 1
    assert figures["duplicated"] == 0


def test_a_token_twice_in_the_log_is_a_duplicate() -> None:
    figures = audit_writes({2: "S"}, "L", Counter({"L-2-1": 2}))
    assert figures["duplicated"] == 1 and figures["lost"] == 0


def test_percentiles_come_from_tenths_of_a_millisecond() -> None:
    histogram = Counter({5: 98, 20: 1, 2500: 1})  # 0.5 ms ×98, 2 ms, 250 ms
    assert percentile_of(histogram, 0.50) == 0.6
    assert percentile_of(histogram, 0.99) == 2.1
    assert percentile_of(histogram, 1.0) == 250.1
    assert percentile_of(Counter(), 0.99) is None


def test_a_lua_script_with_a_value_left_out_is_refused() -> None:
    with pytest.raises(ValueError, match="@@ALLOCATION@@"):
        lua_script({"HOUSEHOLDS": '"h"', "PREFIX": "L"})
