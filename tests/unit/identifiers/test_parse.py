"""parse_identifier, parse_prefix and prefix coverage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identifiers import covers, parse_identifier, parse_prefix, verify_covered
from identifiers.digital_link import DigitalLink
from identifiers.errors import (
    DidError,
    DidKeyError,
    DidWebError,
    Gs1Error,
    GtinError,
    HandleError,
    IdentifierError,
    PrefixError,
    TextError,
    UnknownSchemeError,
    UrnError,
    UsccError,
)
from identifiers.gtin import Gs1CompanyPrefix, Gtin
from identifiers.handle import Handle, HandlePrefix, parse_handle_prefix
from identifiers.urn import PactUrn
from tests.unit.identifiers.strategies import gtin_check, gtins, handle_prefixes, handle_suffixes, usccs

KEY = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


@pytest.mark.parametrize(
    ("text", "scheme", "canonical"),
    [
        ("88.118.8/LFP-280Ah", "handle", "88.118.8/LFP-280Ah"),
        ("88.118.8", "handle-prefix", "88.118.8"),
        ("88.ABC.8", "handle-prefix", "88.abc.8"),
        ("gs1:4712345", "gs1-company-prefix", "gs1:4712345"),
        ("4712345060507", "gtin", "04712345060507"),
        ("96385074", "gtin", "00000096385074"),
        ("https://id.gs1.org/01/04712345060507", "gs1-digital-link", "https://id.gs1.org/01/04712345060507"),
        ("/01/04712345060507/10/L1", "gs1-digital-link", "https://id.gs1.org/01/04712345060507/10/L1"),
        ("(01)04712345060507(10)L1", "gs1-element-string", "(01)04712345060507(10)L1"),
        ("010471234506050710L1", "gs1-element-string", "(01)04712345060507(10)L1"),
        ("]C1010471234506050710L1", "gs1-element-string", "(01)04712345060507(10)L1"),
        ("0104712345060507\x1d10L1", "gs1-element-string", "(01)04712345060507(10)L1"),
        ("0104712345060507" + "17251231", "gs1-element-string", "(01)04712345060507(17)251231"),
        ("91350100M000100Y43", "uscc", "91350100M000100Y43"),
        ("91350100m000100y43", "uscc", "91350100M000100Y43"),
        ("914403001922038216", "uscc", "914403001922038216"),
        (KEY, "did:key", KEY),
        ("did:web:Example.com", "did:web", "did:web:example.com"),
        ("urn:gtin:4712345060507", "gtin", "04712345060507"),
        ("urn:pact:sample.com:product-id:1", "pact-urn", "urn:pact:sample.com:product-id:1"),
        ("urn:pathfinder:product:id:cas:64-17-5", "pathfinder-urn", "urn:pathfinder:product:id:cas:64-17-5"),
        ("urn:uuid:abc", "urn", "urn:uuid:abc"),
    ],
)
def test_recognises_every_scheme(text: str, scheme: str, canonical: str) -> None:
    parsed = parse_identifier(text)
    assert parsed.scheme == scheme
    assert parsed.canonical == canonical
    assert str(parsed) == canonical
    assert parse_identifier(canonical) == parsed


@pytest.mark.parametrize(
    ("text", "error", "code"),
    [
        ("", UnknownSchemeError, "identifiers.unknown_scheme"),
        ("hello", UnknownSchemeError, "identifiers.unknown_scheme"),
        ("LFP-280Ah", UnknownSchemeError, "identifiers.unknown_scheme"),
        ("电池/1", UnknownSchemeError, "identifiers.unknown_scheme"),
        ("did:example:123", DidError, "identifiers.did"),
        ("did:key:z6Mk", DidKeyError, "identifiers.did.key"),
        ("did:web:127.0.0.1", DidWebError, "identifiers.did.web.ip_address"),
        ("10.1000/182", HandleError, "identifiers.handle.prefix_root"),
        ("88.118/x", HandleError, "identifiers.handle.prefix_too_short"),
        ("88.118.8/", HandleError, "identifiers.handle.suffix_empty"),
        ("88.118.8/a\u202eb", TextError, "identifiers.text.bidi"),
        ("4712345060508", GtinError, "identifiers.gtin.check_digit"),
        ("471234506050", GtinError, "identifiers.gtin.check_digit"),
        ("12345", GtinError, "identifiers.gtin.length"),
        ("999999999999999", GtinError, "identifiers.gtin.length"),
        ("https://id.gs1.org/01/04712345060507/21/S/10/L", Gs1Error, "identifiers.gs1.qualifier_order"),
        ("(01)04712345060507(10)A(10)B", Gs1Error, "identifiers.gs1.duplicate_ai"),
        ("gs1:0212345", Gs1Error, "identifiers.gs1.company_prefix"),
        ("91350100M000100Y44", UsccError, "identifiers.uscc.check_character"),
        ("91350100M000100O43", UsccError, "identifiers.uscc.character"),
        ("urn:pact:x", UrnError, "identifiers.urn.pact"),
        ("urn:gtin:4712345060508", GtinError, "identifiers.gtin.check_digit"),
    ],
)
def test_precise_errors(text: str, error: type[IdentifierError], code: str) -> None:
    with pytest.raises(error) as info:
        parse_identifier(text)
    assert type(info.value) is error
    assert info.value.code == code


@given(
    st.one_of(
        st.builds(lambda p, s: f"{p}/{s}", handle_prefixes(), handle_suffixes()),
        handle_prefixes(),
        gtins(),
        usccs(),
        st.builds(lambda g: f"https://id.gs1.org/01/{g}", gtins((14,))),
        st.builds(lambda g: f"(01){g}", gtins((14,))),
    )
)
def test_parse_format_round_trip(text: str) -> None:
    parsed = parse_identifier(text)
    assert parse_identifier(parsed.canonical) == parsed
    assert parse_identifier(parse_identifier(parsed.canonical).canonical).canonical == parsed.canonical


def test_parse_prefix() -> None:
    assert parse_prefix("88.118.8") == HandlePrefix(("88", "118", "8"))
    assert parse_prefix("gs1:4712345") == Gs1CompanyPrefix("4712345")
    with pytest.raises(HandleError):
        parse_prefix("88.118.8/x")
    with pytest.raises(Gs1Error):
        parse_prefix("gs1:12")


@pytest.mark.parametrize(
    ("prefix", "identifier", "covered"),
    [
        ("88.118.8", "88.118.8/X", True),
        ("88.118.8", "88.118.8.5/X", True),
        ("88.118.8", "88.118.8", True),
        ("88.118.8", "88.118.8.5", True),
        ("88.118.8", "88.118.80/X", False),
        ("88.118.8", "88.118.9/X", False),
        ("88.118.8", "88.118.80", False),
        ("88.118.8.5", "88.118.8/X", False),
        ("88.118.8", "4712345060507", False),
        ("88.118.8", "urn:pact:example.cn:handle:88.118.8/X", True),
        ("88.118.8", "urn:pact:example.cn:handle:88.118.80/X", False),
        ("88.118.8", "urn:pact:example.cn:product-id:88.118.8/X", False),
        ("gs1:4712345", "4712345060507", True),
        ("gs1:4712345", "14712345060504", True),
        ("gs1:4712345", "https://id.gs1.org/01/04712345060507/10/L1", True),
        ("gs1:4712345", "(01)04712345060507(21)S1", True),
        ("gs1:4712345", "urn:gtin:4712345060507", True),
        ("gs1:4712345", "gs1:47123456", True),
        ("gs1:4712345", "gs1:4712345", True),
        ("gs1:47123456", "gs1:4712345", False),
        ("gs1:4712345", "471234600000" + gtin_check("471234600000"), False),
        ("gs1:4712345", "147123406050" + gtin_check("147123406050"), False),
        ("gs1:0614141", "61414100041" + gtin_check("61414100041"), True),
        ("gs1:0614141", "61414200041" + gtin_check("61414200041"), False),
        ("gs1:4712345", "88.118.8/4712345", False),
        ("gs1:4712345", "91350100M000100Y43", False),
    ],
)
def test_coverage_cases(prefix: str, identifier: str, covered: bool) -> None:
    assert covers(parse_prefix(prefix), parse_identifier(identifier)) is covered
    if covered:
        verify_covered(parse_prefix(prefix), parse_identifier(identifier))
    else:
        with pytest.raises(PrefixError) as info:
            verify_covered(parse_prefix(prefix), parse_identifier(identifier))
        assert info.value.code == "identifiers.prefix.not_covered"


@given(handle_prefixes(), st.lists(st.from_regex(r"\A[0-9a-z]{1,4}\Z"), max_size=2), handle_suffixes())
def test_handle_prefix_covers_its_handles_and_derived_prefixes(
    prefix: str, more: list[str], suffix: str
) -> None:
    p = parse_handle_prefix(prefix)
    derived = parse_handle_prefix(".".join([prefix, *more]))
    handle = Handle(derived, suffix)
    assert covers(p, handle)
    assert covers(p, derived)


@given(handle_prefixes(), st.from_regex(r"\A[0-9a-z]{1,3}\Z"), handle_suffixes())
def test_string_prefix_is_not_coverage(prefix: str, extra: str, suffix: str) -> None:
    """``88.118.8`` never covers ``88.118.8<more>`` (the last segment merely starting the same)."""
    p = parse_handle_prefix(prefix)
    longer = parse_handle_prefix(prefix + extra)
    assert not covers(p, longer)
    assert not covers(p, Handle(longer, suffix))


@given(handle_prefixes(), handle_prefixes(), handle_prefixes())
def test_handle_coverage_is_a_partial_order(a: str, b: str, c: str) -> None:
    pa, pb, pc = (parse_handle_prefix(x) for x in (a, b, c))
    assert covers(pa, pa)
    if covers(pa, pb) and covers(pb, pa):
        assert pa == pb
    if covers(pa, pb) and covers(pb, pc):
        assert covers(pa, pc)
    chained = parse_handle_prefix(f"{a}.{b.split('.', 1)[1]}")
    assert covers(pa, chained)
    assert covers(pa, pb) == (pb.segments[: len(pa.segments)] == pa.segments)


@st.composite
def company_gtins(draw: st.DrawFn) -> tuple[str, str]:
    """A company prefix and a GTIN-14 carrying it after the indicator digit."""
    first = draw(st.sampled_from("13456789"))
    gcp = first + draw(st.text("0123456789", min_size=3, max_size=11))
    indicator = draw(st.sampled_from("012345678"))
    item = draw(st.text("0123456789", min_size=12 - len(gcp), max_size=12 - len(gcp)))
    payload = indicator + gcp + item
    return gcp, payload + gtin_check(payload)


@given(company_gtins(), st.data())
def test_gs1_prefix_covers_digits_two_onwards(pair: tuple[str, str], data: st.DataObject) -> None:
    gcp, gtin = pair
    prefix = parse_prefix(f"gs1:{gcp}")
    assert covers(prefix, parse_identifier(gtin))
    assert covers(prefix, parse_identifier(f"https://id.gs1.org/01/{gtin}/21/S1"))
    assert covers(prefix, parse_identifier(f"(01){gtin}(10)L"))
    position = data.draw(st.integers(1, len(gcp)))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != gtin[position]]))
    payload = gtin[:position] + digit + gtin[position + 1 : 13]
    other = Gtin(payload + gtin_check(payload))
    assert not covers(prefix, other)
    shifted = Gtin(gtin[1:13] + "0")
    assert covers(prefix, shifted) == shifted.digits[1:].startswith(gcp)


@given(company_gtins(), company_gtins())
def test_gs1_prefix_transitivity(first: tuple[str, str], second: tuple[str, str]) -> None:
    a = Gs1CompanyPrefix(first[0])
    b = Gs1CompanyPrefix(first[0] + second[0][: max(0, 12 - len(first[0]))])
    gtin = Gtin(first[1])
    assert covers(a, b)
    if covers(b, gtin):
        assert covers(a, gtin)


def test_kinds_do_not_cross() -> None:
    assert not covers(parse_prefix("gs1:8811880"), parse_identifier("88.118.8/X"))
    assert not covers(parse_prefix("88.118.8"), parse_identifier("gs1:8811880"))
    assert isinstance(parse_identifier("https://id.gs1.org/01/04712345060507"), DigitalLink)
    assert isinstance(parse_identifier("urn:pact:example.cn:handle:88.118.8/X"), PactUrn)
