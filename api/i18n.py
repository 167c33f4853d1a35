"""The passport page's languages: English and Simplified Chinese, chosen from ``Accept-Language`` (RFC 9110
section 12.5.4, language ranges of RFC 4647 section 2.1 with q-values) or ``?lang=`` (docs/passport-page.md).

``negotiate`` picks the language; ``strings(lang)`` is the page's text in it. Both tables have the same keys
(a unit test holds them to it), so a template never shows a key for want of a translation. The figures
themselves (decimals, identifiers, digests, codes) are not translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

LANGUAGES = ("en", "zh")
"""Supported languages, the default first."""
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    """A page language: its key (``en``, ``zh``), the BCP 47 tag for ``lang=`` and ``Content-Language``."""

    key: str
    tag: str


_TAGS = {"en": "en", "zh": "zh-CN"}
LANGUAGE_TAGS = tuple(_TAGS[key] for key in LANGUAGES)
"""The BCP 47 tags of the supported languages (``hreflang`` of the page's link in the resolver)."""


def _ranges(header: str) -> list[tuple[str, float, int]]:
    """The header's language ranges as (range lowercased, q, position); a malformed q counts as 0."""
    out = []
    for position, part in enumerate(header.split(",")):
        name, *params = (p.strip() for p in part.split(";"))
        if not name:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        out.append((name.lower(), q, position))
    return out


def _primary(language_range: str) -> str | None:
    """The supported language a range names by its primary subtag: ``zh``, ``zh-CN``, ``zh-Hans-CN`` and
    ``zh-TW`` are Chinese (the page is in simplified characters, still the closest we have), ``en-*``
    English."""
    primary = language_range.split("-", 1)[0]
    return primary if primary in LANGUAGES else None


def negotiate(accept_language: str | None, override: str | None = None) -> Language:
    """The page's language.

    A language named in the header takes the highest q of the ranges naming it (``zh-TW;q=0.3, zh;q=0.9``
    is 0.9); ``*`` gives its q to the supported languages the header does not name (RFC 4647 section 2.1).
    The highest q above 0 wins, ties going to the range named first, then to English.

    Args:
        accept_language: the request's ``Accept-Language`` header, if any.
        override: the ``lang`` query parameter; ``en`` or ``zh`` wins over the header, anything else is
            ignored (a page is better than an error for a hand-typed link).

    Returns:
        The chosen language; English when the header names nothing supported with q above 0.
    """
    if override is not None and override.lower() in LANGUAGES:
        return Language(override.lower(), _TAGS[override.lower()])
    named: dict[str, tuple[float, int]] = {}
    wildcard: tuple[float, int] | None = None
    for language_range, q, position in _ranges(accept_language or ""):
        if language_range == "*":
            if wildcard is None or q > wildcard[0]:
                wildcard = (q, position)
            continue
        key = _primary(language_range)
        if key is not None:
            seen = named.get(key)
            named[key] = (q, position) if seen is None else (max(seen[0], q), min(seen[1], position))
    weights = dict(named)
    if wildcard is not None:
        for key in LANGUAGES:
            weights.setdefault(key, wildcard)
    ranked = sorted(
        ((q, -position, -LANGUAGES.index(key), key) for key, (q, position) in weights.items() if q > 0.0),
        reverse=True,
    )
    key = ranked[0][3] if ranked else DEFAULT
    return Language(key, _TAGS[key])


_EN: dict[str, str] = {
    "title": "Product carbon passport",
    "identifier": "Identifier",
    "batch": "Batch",
    "serial": "Serial number",
    "facility": "Made at",
    "issuer": "Issued by",
    "log_index": "Log index",
    "valid_from": "Valid from",
    "status": "Status",
    "status_valid": "valid",
    "status_superseded": "superseded",
    "footprint": "Carbon footprint",
    "per": "per",
    "boundary": "Boundary",
    "cradle-to-gate": "cradle to gate",
    "cradle-to-grave": "cradle to grave",
    "period": "Reference period",
    "grade": "Grade",
    "not_graded": "Not graded: the product names no benchmark category.",
    "graded_against": "against the benchmark",
    "illustrative": "illustrative values, not an official benchmark",
    "top_runner": "top runner",
    "baseline": "baseline",
    "limit": "limit",
    "conforms": "within the limit",
    "exceeds": "above the limit",
    "graded_value": "Graded value",
    "uncertainty": "Uncertainty (95 %)",
    "primary_share": "Primary data",
    "stages": "Life-cycle stages",
    "stage_chart": "Footprint by life-cycle stage",
    "rawMaterialAcquisition": "Raw materials",
    "manufacturing": "Manufacturing",
    "distribution": "Distribution",
    "use": "Use",
    "endOfLife": "End of life",
    "supply_chain": "Supply chain",
    "supply_chain_note": "Shares are of the footprint above, by absolute contribution, where the passport "
    "discloses them.",
    "no_components": "This passport names no components.",
    "tier": "Tier",
    "share": "share",
    "share_undisclosed": "share not disclosed",
    "kind_passport": "supplier passport",
    "kind_attestation": "supplier attestation",
    "kind_material": "background data",
    "kind_process": "own process",
    "kind_unknown": "credential not stored here",
    "credential": "credential",
    "downloads": "Downloads",
    "download_json_ld": "Signed passport (JSON-LD)",
    "download_bundle": "Verification bundle (JSON)",
    "verification": "Verification",
    "verification_unavailable": "Verification is not available for this passport on this server.",
    "verified_ok": "Verified: every check that the bundle allows passed.",
    "verified_failed": "Verification failed.",
    "checks_counts": "checks",
    "passed": "passed",
    "failed": "failed",
    "not-checked": "not checked",
    "judged_by": "Judged by the checkpoint",
    "tree_size": "tree size",
    "checkpoint_time": "witnessed at",
    "no_witness": "no witness required",
    "no_checkpoint": "No checkpoint was verified.",
    "bundle_checks": "Bundle checks",
    "document_checks": "Documents",
    "language": "Language",
    "footer": "Every figure on this page is from a signed credential recorded in a public, append-only log.",
}

_ZH: dict[str, str] = {
    "title": "产品碳足迹护照",
    "identifier": "标识",
    "batch": "批次",
    "serial": "序列号",
    "facility": "生产地点",
    "issuer": "签发方",
    "log_index": "日志序号",
    "valid_from": "生效时间",
    "status": "状态",
    "status_valid": "有效",
    "status_superseded": "已被取代",
    "footprint": "碳足迹",
    "per": "每",
    "boundary": "系统边界",
    "cradle-to-gate": "从摇篮到大门",
    "cradle-to-grave": "从摇篮到坟墓",
    "period": "核算周期",
    "grade": "等级",
    "not_graded": "未评级：该产品未指定基准类别。",
    "graded_against": "对照基准",
    "illustrative": "示意数值，非官方基准",
    "top_runner": "领跑值",
    "baseline": "基准值",
    "limit": "限值",
    "conforms": "未超过限值",
    "exceeds": "超过限值",
    "graded_value": "评级数值",
    "uncertainty": "不确定度（95 %）",
    "primary_share": "初级数据占比",
    "stages": "生命周期阶段",
    "stage_chart": "各生命周期阶段的碳足迹",
    "rawMaterialAcquisition": "原材料获取",
    "manufacturing": "生产制造",
    "distribution": "分销运输",
    "use": "使用",
    "endOfLife": "报废处理",
    "supply_chain": "供应链",
    "supply_chain_note": "占比为占上方碳足迹的比例（按绝对贡献计），仅在护照披露时显示。",
    "no_components": "该护照未列出组件。",
    "tier": "层级",
    "share": "占比",
    "share_undisclosed": "占比未披露",
    "kind_passport": "供应商护照",
    "kind_attestation": "供应商声明",
    "kind_material": "背景数据",
    "kind_process": "自有工序",
    "kind_unknown": "本服务器未存储该凭证",
    "credential": "凭证",
    "downloads": "下载",
    "download_json_ld": "已签名护照（JSON-LD）",
    "download_bundle": "验证包（JSON）",
    "verification": "验证",
    "verification_unavailable": "本服务器暂不提供该护照的验证结果。",
    "verified_ok": "验证通过：验证包可支持的各项检查全部通过。",
    "verified_failed": "验证未通过。",
    "checks_counts": "项检查",
    "passed": "通过",
    "failed": "未通过",
    "not-checked": "未检查",
    "judged_by": "依据的检查点",
    "tree_size": "树大小",
    "checkpoint_time": "见证时间",
    "no_witness": "无需见证",
    "no_checkpoint": "未验证任何检查点。",
    "bundle_checks": "验证包检查",
    "document_checks": "文档",
    "language": "语言",
    "footer": "本页所有数字均来自已签名的凭证，并记录在公开、只可追加的日志中。",
}

_TABLES: dict[str, Mapping[str, str]] = {"en": MappingProxyType(_EN), "zh": MappingProxyType(_ZH)}


def strings(lang: str) -> Mapping[str, str]:
    """The page's text in ``lang`` (``en`` or ``zh``), read-only.

    Raises:
        KeyError: ``lang`` is not a supported language.
    """
    return _TABLES[lang]
