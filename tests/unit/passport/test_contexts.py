"""The context allow-list: pinned digests, operator overrides, named-only contexts, URL discovery."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from pathlib import Path

import pytest

from passport import contexts
from passport.contexts import ALLOW_LIST, ContextStore, check_context_urls, context_urls
from passport.errors import ContextDigestError, ContextNotAllowedError

SHIPPED = Path(str(importlib.resources.files("contexts")))
README = (SHIPPED / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry", [e for e in ALLOW_LIST.values() if e.loadable], ids=lambda e: e.url)
def test_every_shipped_context_matches_its_pin_and_is_documented(entry: contexts.ContextEntry) -> None:
    assert entry.filename is not None
    assert entry.sha256 is not None
    data = (SHIPPED / entry.filename).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry.sha256
    assert json.loads(data)["@context"]
    assert contexts.DEFAULT_STORE.read(entry.url) == data
    assert entry.url in README
    assert entry.sha256 in README
    assert entry.filename in README


def test_credentials_v2_digest_is_the_one_the_recommendation_publishes() -> None:
    assert ALLOW_LIST[contexts.CREDENTIALS_V2].sha256 == (
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    )


def test_carbontrail_context_is_protected_json_ld_1_1_with_stable_iris() -> None:
    context = json.loads((SHIPPED / "carbontrail-v1.jsonld").read_bytes())["@context"]
    assert context["@version"] == 1.1
    assert context["@protected"] is True
    assert context["ct"] == "https://carbontrail.dev/ns/v1#"
    for term, definition in context.items():
        if not term.startswith("@") and term not in {"ct", "xsd"}:
            iri = definition if isinstance(definition, str) else definition["@id"]
            assert iri == f"ct:{term}"


def test_verify_all_passes_on_the_shipped_files() -> None:
    ContextStore().verify_all()


def test_operator_directory_overrides_files_but_not_digests(tmp_path: Path) -> None:
    url = contexts.CREDENTIALS_V2
    original = (SHIPPED / "credentials-v2.jsonld").read_bytes()
    (tmp_path / "credentials-v2.jsonld").write_bytes(original)
    assert ContextStore(tmp_path).read(url) == original
    tampered = original.replace(b"https://schema.org/name", b"https://evil.example/name")
    (tmp_path / "credentials-v2.jsonld").write_bytes(tampered)
    store = ContextStore(tmp_path)
    with pytest.raises(ContextDigestError) as info:
        store.read(url)
    assert info.value.code == "passport.context_digest"
    assert (info.value.url, info.value.expected) == (url, ALLOW_LIST[url].sha256)
    assert info.value.computed == hashlib.sha256(tampered).hexdigest()
    with pytest.raises(ContextDigestError):
        store.verify_all()
    # A file the operator did not override still comes from the package.
    assert store.read(contexts.MULTIKEY_V1) == (SHIPPED / "multikey-v1.jsonld").read_bytes()


def test_an_override_that_is_not_a_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "credentials-v2.jsonld").mkdir()
    assert (
        ContextStore(tmp_path).read(contexts.CREDENTIALS_V2)
        == (SHIPPED / "credentials-v2.jsonld").read_bytes()
    )


@pytest.mark.parametrize("url", [contexts.UNTP_DPP_0_6_1, "https://evil.example/v1", "credentials-v2.jsonld"])
def test_store_loads_only_loadable_allow_listed_urls(url: str) -> None:
    with pytest.raises(ContextNotAllowedError) as info:
        ContextStore().read(url)
    assert info.value.code == "passport.context_not_allowed"
    assert info.value.url == url


def test_urls_are_compared_exactly() -> None:
    for near_miss in ("https://www.w3.org/ns/credentials/v2/", "http://www.w3.org/ns/credentials/v2"):
        with pytest.raises(ContextNotAllowedError):
            check_context_urls({"@context": [near_miss]}, require_loadable=False)


def test_context_urls_finds_every_reference() -> None:
    document = {
        "@context": [
            "https://a.example/1",
            {
                "@import": "https://a.example/2",
                "T": {"@id": "https://x/T", "@context": "https://a.example/3"},
            },
        ],
        "proof": {"@context": ["https://a.example/4"]},
        "credentialSubject": [{"@context": {"@context": "https://a.example/5"}}],
        "data": {"@import": "not a context here"},
    }
    assert context_urls(document) == [f"https://a.example/{i}" for i in range(1, 6)]


def test_named_only_contexts_pass_unless_loading_is_required() -> None:
    document = {"@context": [contexts.CREDENTIALS_V2, contexts.UNTP_DPP_0_6_1]}
    check_context_urls(document, require_loadable=False)
    with pytest.raises(ContextNotAllowedError) as info:
        check_context_urls(document, require_loadable=True)
    assert info.value.url == contexts.UNTP_DPP_0_6_1
