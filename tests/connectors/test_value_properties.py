"""Property tests over the connectors' parsing: every accepted value round-trips, every
refused one is refused as a named error (never another exception, never a guess)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from config.rules import load_rules
from connectors.base import Platform, RecordType
from connectors.hubspot import mapping as hubspot
from connectors.hubspot.mapping import MappingRules
from connectors.hubspot.streams import RawObject
from connectors.salesforce import mapping as salesforce
from connectors.timeparse import TimestampError, parse_instant, to_epoch_ms
from connectors.values import BadValue, finite_float, map_each, strict_bool

MANY = settings(max_examples=1000, deadline=None)
RULES = MappingRules.from_rules(load_rules())
# epoch seconds are read from 10**8 on (1973-03-03); ISO values cover the years 2-9998
EPOCH_FROM = datetime(1973, 3, 4, tzinfo=UTC)
LAST = datetime(9998, 12, 31, tzinfo=UTC)
instants = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.just(UTC)
)
epoch_instants = st.datetimes(
    min_value=EPOCH_FROM.replace(tzinfo=None),
    max_value=LAST.replace(tzinfo=None),
    timezones=st.just(UTC),
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)


def _ms(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _salesforce_text(at: datetime) -> str:
    """``2026-11-25T03:10:32.123+0900``, as Salesforce writes it."""
    text = at.isoformat(timespec="milliseconds")
    return text[:-3] + text[-2:]


@MANY
@given(instants, offsets, st.sampled_from(["iso", "z", "salesforce", "naive", "space"]))
def test_iso_forms_round_trip(at: datetime, zone: timezone, form: str) -> None:
    local = at.astimezone(zone)
    text = {
        "iso": local.isoformat(),
        "z": at.isoformat().replace("+00:00", "Z"),
        "salesforce": _salesforce_text(local),
        "naive": at.replace(tzinfo=None).isoformat(),
        "space": at.replace(tzinfo=None).isoformat(sep=" "),
    }[form]  # fmt: skip
    parsed = parse_instant(text)
    assert parsed is not None and parsed.tzinfo is UTC
    assert parsed == (_ms(at) if form == "salesforce" else at)


@MANY
@given(epoch_instants, st.sampled_from(["ms", "ms-text", "s", "s-text", "date"]))
def test_epoch_and_date_forms_round_trip(at: datetime, form: str) -> None:
    ms = to_epoch_ms(at)
    assume(not form.startswith("s") or ms < 10**14)  # from 10**11 on a number is ms (year 5138)
    value: int | str = {
        "ms": ms, "ms-text": str(ms), "s": ms // 1000, "s-text": str(ms // 1000),
        "date": at.date().isoformat(),
    }[form]  # fmt: skip
    want = {
        "ms": _ms(at), "ms-text": _ms(at), "s": at.replace(microsecond=0),
        "s-text": at.replace(microsecond=0),
        "date": datetime(at.year, at.month, at.day, tzinfo=UTC),
    }[form]  # fmt: skip
    assert parse_instant(value) == want


@MANY
@given(
    st.one_of(
        st.text(max_size=40),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.integers(min_value=10**13, max_value=10**30).map(str),
        st.tuples(st.integers(-99999, 999999), st.integers(0, 99), st.integers(0, 99)).map(
            lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}T{t[1]:02d}:{t[2]:02d}:00Z"
        ),
    )
)
def test_anything_is_an_instant_or_a_timestamp_error(value: object) -> None:
    try:
        parsed = parse_instant(value)  # type: ignore[arg-type]
    except TimestampError as exc:
        assert str(exc)  # refused, and the refusal says which value
        return
    if value in (None, ""):
        assert parsed is None
    else:
        assert isinstance(value, int | float | str) and not isinstance(value, bool)
        assert parsed is not None and parsed.tzinfo is UTC


@MANY
@given(st.booleans(), st.sampled_from([str.lower, str.upper, str.title, lambda t: f" {t} "]))
def test_booleans_round_trip(flag: bool, case: object) -> None:
    assert strict_bool(flag, "F") is flag
    assert strict_bool(case(str(flag)), "F") is flag  # type: ignore[operator]


@MANY
@given(st.one_of(st.text(max_size=12), st.integers(), st.floats()))
def test_anything_else_is_no_boolean(value: object) -> None:
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("true", "false", ""):
        return
    try:
        strict_bool(value, "Flag")
    except BadValue as exc:
        assert exc.field == "Flag" and exc.kind == "bad_boolean"
    else:
        raise AssertionError(f"{value!r} was read as a boolean")


@MANY
@given(st.one_of(st.floats(), st.text(max_size=12), st.integers()))
def test_numbers_are_finite_or_refused(value: object) -> None:
    try:
        number = finite_float(value, "score")
    except BadValue as exc:
        assert exc.field == "score" and exc.kind == "bad_number"
        return
    assert number is None or math.isfinite(number)
    if isinstance(value, float):
        assert number == value
    if isinstance(value, str) and number is not None:
        assert finite_float(repr(number), "score") == number


junk = st.one_of(st.text(max_size=20), st.integers(min_value=-(10**25), max_value=10**25))


@MANY
@given(junk, junk, junk)
def test_a_hubspot_contact_is_read_or_skipped_by_name(
    created: object, optout: object, score: object
) -> None:
    props = {"email": "a@b.c", "createdate": str(created), "hs_email_optout": str(optout),
             "hubspotscore": str(score)}  # fmt: skip
    raw = RawObject("501", props)
    items, skips = map_each(
        Platform.HUBSPOT,
        "contacts",
        [raw],
        lambda r: hubspot.contact_records(r, RULES),
        lambda r: r.id,
    )
    assert len(items) + len(skips) >= 1 and not (items and skips)
    for skip in skips:
        assert (skip.platform, skip.object, skip.record_id) == (Platform.HUBSPOT, "contacts", "501")
        assert skip.field in ("createdate", "hs_email_optout", "hubspotscore")


@MANY
@given(junk, st.one_of(junk, st.booleans(), st.none()), junk)
def test_a_salesforce_lead_is_read_or_skipped_by_name(
    created: object, flag: object, close: object
) -> None:
    row = {"Id": "00Q000000000001AAA", "CreatedDate": str(created), "DoNotCall": flag}
    items, skips = map_each(
        Platform.SALESFORCE,
        "Lead",
        [row],
        lambda r: [salesforce.to_record(r, RecordType.SALESFORCE_LEAD)],
        lambda r: str(r["Id"]),
    )
    assert len(items) + len(skips) == 1
    if skips:
        assert skips[0].record_id == "00Q000000000001AAA"
        assert skips[0].field in ("CreatedDate", "DoNotCall")
    else:
        assert items[0].do_not_call is (flag is True or str(flag).strip().lower() == "true")
    deal_row = {"Id": "006000000000001AAA", "CloseDate": str(close), "Amount": "nan"}
    _, refused = map_each(
        Platform.SALESFORCE, "Opportunity", [deal_row], lambda r: [salesforce.to_deal(r, [])],
        lambda r: str(r["Id"]),
    )  # fmt: skip
    assert refused and refused[0].field in ("CloseDate", "Amount")
