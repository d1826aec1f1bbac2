"""Many numbers at once: what their first digits say, by vectorised longest-prefix lookup.

``check()`` reads one number at a time. A call log or an operator's call records hold
millions, so this module looks up the same ranges the checker uses (calling codes, the
regions of shared codes by prefix and +1 area code, high-risk destinations, satellite and
global networks, UK number ranges) for a whole column at once, with one Polars join per
prefix length. Numbers whose longest matching prefixes are the same get the same answer,
so the answer is worked out once for each such group, by the checker's own functions
(``destinations.destination`` and the risk rules): the two can't disagree, and a test holds
them equal over 100,000 numbers of every kind.

Only what prefixes decide is here: a number's validity and phonenumbers' line type need
its whole digits (``check()``). ``PrefixFrame.rows`` is the table both engines use:
Polars here, Spark in ``ringcheck.scan.engines.spark`` (broadcast, equi-join on prefixes).

>>> import polars as pl
>>> found = classify(pl.DataFrame({"number": ["+18768123456", "+447400123456"]}), "number")
>>> found["dest_country"].to_list(), found["dest_level"].to_list()
(['Jamaica', 'United Kingdom'], ['very_high', 'low'])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NamedTuple

import polars as pl

from ringcheck import phonemeta
from ringcheck.datatables import Tables, tables
from ringcheck.destinations import _home, destination, spoken_country
from ringcheck.risk import COSTLY_NETWORKS, NumberFacts, level_for, number_reasons

# The columns ``classify`` adds, each prefixed "dest_".
FIELDS = (
    "country_code",
    "region",
    "country",
    "domestic",
    "line_type",
    "cost_band",
    "high_risk",
    "network",
    "reasons",
    "texts",
    "score",
    "level",
)
# Which table each key column of ``PrefixFrame.rows`` comes from (both engines read it).
KEYS = _KEYS = ("code", "region", "risk", "network", "uk", "foreign", "cost")


class Found(NamedTuple):
    """What a group of numbers with the same longest prefixes has in common."""

    country_code: int | None
    region: str | None
    country: str | None
    domestic: bool
    line_type: str
    cost_band: str
    high_risk: str | None
    network: str | None  # the network's kind: satellite, global_network…
    reasons: tuple[str, ...]  # the checker's reasons for a valid number with these facts
    texts: tuple[str, ...]  # and their sentences
    score: int
    level: str


@dataclass(frozen=True, eq=False)
class PrefixFrame:
    """Every prefix the checker looks numbers up by, one row each (E.164 digits).

    Columns: ``prefix``, ``length`` and one key column per table, null where the prefix
    is not in that table: ``code`` (calling code), ``region`` (the region the prefix is
    in: a code's one region, a +1 area code, a prefix of a shared code), ``risk``
    (high-risk destinations), ``network`` (international networks), ``uk`` (UK
    ranges, as the UK table keys them: "070"), ``foreign`` (other countries' ranges)
    and ``cost`` (premium-rate and shared-cost prefixes from phonenumbers).
    """

    rows: pl.DataFrame
    lengths: tuple[int, ...]  # longest first


@cache
def _prefix_table(data: Tables) -> PrefixFrame:
    rows: dict[str, dict[str, Any]] = {}

    def put(prefix: str, key: str, value: Any) -> None:
        rows.setdefault(prefix, {})[key] = value

    for code in phonemeta.calling_codes():
        main = phonemeta.main_region(code)  # None: a code not in use
        if main is None:
            continue
        put(str(code), "code", code)
        # +1 has two main countries, so a +1 number outside every area code is nowhere.
        if code != 1:
            put(str(code), "region", main)
    for area, region in phonemeta.nanp_areas().items():
        if area.isdigit():  # 'area:length' keys: see _nanp_other_lengths
            put("1" + area, "region", region)
    for prefix, region in phonemeta.region_prefixes().items():
        put(prefix, "region", region)
    for prefix in data.high_risk:
        put(prefix, "risk", prefix)
    for prefix in data.networks:
        put(prefix, "network", prefix)
    for national in data.uk_ranges:
        if national.startswith("0"):  # 118 and 116 are dialled as they are, not after +44
            put("44" + national[1:], "uk", national)
    for prefix in data.foreign_ranges:
        put(prefix, "foreign", prefix)
    for prefix, kind in phonemeta.cost_prefixes().items():
        put(prefix, "cost", kind)
    frame = pl.DataFrame(
        [{"prefix": p, "length": len(p), **{k: v.get(k) for k in _KEYS}} for p, v in rows.items()],
        schema={
            "prefix": pl.String,
            "length": pl.Int32,
            "code": pl.Int32,
            **{k: pl.String for k in _KEYS[1:]},
        },
    )
    lengths = tuple(sorted(set(frame["length"].to_list()), reverse=True))
    return PrefixFrame(frame, lengths)


def prefix_table(data: Tables | None = None) -> PrefixFrame:
    """The prefix table of ``data`` (the shipped tables by default), built once."""
    return _prefix_table(data or tables())


def longest_keys(frame: pl.LazyFrame, digits: pl.Expr, table: PrefixFrame) -> pl.LazyFrame:
    """``frame`` with the key columns of the longest prefixes of ``digits`` (``_k_code``…).

    One left join per prefix length, each on the first ``length`` digits; per key, the
    longest length that has one wins.
    """
    frame = frame.with_columns(_k_digits=digits)
    for length in table.lengths:
        part = table.rows.filter(pl.col("length") == length).drop("length")
        named = part.rename({k: f"_k{length}_{k}" for k in _KEYS}).lazy()
        frame = frame.join(
            named,
            left_on=pl.col("_k_digits").str.slice(0, length),
            right_on="prefix",
            how="left",
            coalesce=False,
            maintain_order="left",
        ).drop("prefix")
    return frame.with_columns(
        pl.coalesce([pl.col(f"_k{n}_{k}") for n in table.lengths]).alias(f"_k_{k}") for k in _KEYS
    ).drop(f"_k{n}_{k}" for n in table.lengths for k in _KEYS)


def _nanp_other_lengths(frame: pl.LazyFrame) -> pl.LazyFrame:
    """+1 numbers whose national number isn't 10 digits long, placed by 'area:length'
    as ``phonemeta.nanp_region`` places them ('310' then 4 digits is Canada)."""
    other = {k: v for k, v in phonemeta.nanp_areas().items() if not k.isdigit()}
    if not other:
        return frame
    keys = pl.DataFrame({"_k_other": list(other), "_k_other_region": list(other.values())})
    digits = pl.col("_k_digits")
    key = pl.when(digits.str.starts_with("1") & (digits.str.len_chars() != 11)).then(
        digits.str.slice(1, 3) + ":" + (digits.str.len_chars() - 1).cast(pl.String)
    )
    return (
        frame.join(keys.lazy(), left_on=key, right_on="_k_other", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_k_other_region", "_k_region").alias("_k_region"))
        .drop("_k_other_region", "_k_other", strict=False)
    )


def classify(
    frame: pl.DataFrame,
    column: str,
    home: str = "GB",
    data: Tables | None = None,
) -> pl.DataFrame:
    """``frame`` with ``dest_*`` columns (``FIELDS``) for the E.164 numbers in ``column``.

    A value that is not '+' and digits gets nulls (and ``dest_level`` null).
    """
    data = data or tables()
    table = prefix_table(data)
    digits = (
        pl.when(pl.col(column).str.contains(r"^\+[0-9]{2,17}$"))
        .then(pl.col(column).str.slice(1))
        .otherwise(None)
    )
    keyed = _nanp_other_lengths(longest_keys(frame.lazy(), digits, table)).collect()
    key_columns = [f"_k_{k}" for k in _KEYS]
    groups = (
        keyed.filter(pl.col("_k_code").is_not_null())
        .group_by(key_columns)
        .agg(pl.col("_k_digits").first().alias("_k_example"))
    )
    example = len(key_columns)
    answers = [_found(row[0], row[1], row[example], home, data) for row in groups.iter_rows()]
    found = pl.DataFrame(
        {
            **{k: groups[k] for k in key_columns},
            **{f"dest_{name}": [getattr(a, name) for a in answers] for name in FIELDS},
        },
        schema_overrides={
            "dest_country_code": pl.Int32,
            "dest_reasons": pl.List(pl.String),
            "dest_texts": pl.List(pl.String),
            "dest_score": pl.Int32,
        },
    )
    return keyed.join(found, on=key_columns, how="left", nulls_equal=True).drop(
        [*key_columns, "_k_digits"]
    )


@lru_cache(maxsize=65536)
def _found(code: int, region: str | None, example: str, home: str, data: Tables) -> Found:
    """The answer for every number whose longest prefixes are those of ``example``."""
    found_at = destination(code, region, example, None, _home(home), data)
    line_type, country, domestic, band, uk_range, network, high_risk, shared = found_at[:8]
    region = found_at[9]
    # As check() sees a valid number with these facts: the reasons its prefixes give.
    facts = NumberFacts(
        withheld=False,
        trusted=False,
        domestic=domestic,
        valid=True,
        country=spoken_country(country, network),
        country_code=code,
        region=region,
        line_type=line_type,
        uk_reason=uk_range.reason if uk_range else None,
        costly_network=network is not None and network.kind in COSTLY_NETWORKS,
        high_risk=high_risk.destination if high_risk else None,
        shared_with=shared,
        fictional=False,
        cost_band=band,
    )
    reasons = [r for r in number_reasons(facts, data) if r.code in PREFIX_REASONS]
    score = max(0, min(100, sum(r.points for r in reasons)))
    return Found(
        country_code=code,
        region=region,
        country=country,
        domestic=domestic,
        line_type=line_type,
        cost_band=band,
        high_risk=high_risk.destination if high_risk else None,
        network=network.kind if network else None,
        reasons=tuple(r.code for r in reasons),
        texts=tuple(r.text for r in reasons),
        score=score,
        level=level_for(score),
    )


# Reasons a number's prefixes alone decide (the others need its whole digits: whether it
# can exist, and phonenumbers' line type).
PREFIX_REASONS = frozenset(
    {
        "international",
        "high_risk_destination",
        "looks_domestic",
        "satellite_or_global_network",
        "premium_rate",
        "directory_enquiries",
        "personal_number",
        "service_number",
        "service_charge",
        "pager",
        "crown_dependency",
    }
)
