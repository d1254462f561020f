"""Score identity resolution against the generator's ground truth.

The warehouse never sees the ground truth; this module compares the published marts with it, so the
matching rules can be judged (and tuned) by figures rather than by eye: pairwise duplicate precision and
recall, recall per kind of duplicate, false merges of colleagues who share a company domain, the spam
flag, and the existing-customer flag. Pairs are counted from group sizes (n·(n−1)/2), never enumerated.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.resources import sql_literal


@dataclass
class IdentityScores:
    records: int  # lead records scored (non-spam, current versions of loaded rows)
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int
    pair_precision: float
    pair_recall: float
    false_merges_sharing_domain: int  # predicted pairs of two different people on the same corporate domain
    recall_by_duplicate_kind: dict[str, float] = field(default_factory=dict)
    spam_records: int = 0
    spam_flagged: int = 0
    spam_precision: float = 0.0
    spam_recall: float = 0.0
    customers: int = 0
    customers_flagged: int = 0
    customer_precision: float = 0.0
    customer_recall: float = 0.0
    unmatched_rows: int = 0  # loaded rows missing from lead_crosswalk (must be 0)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else 1.0


def evaluate_identity(analytics_path: Path, ground_truth_dir: Path) -> IdentityScores:
    """Compare marts.lead_crosswalk and marts.dim_leads in the published file with the ground truth."""
    records_file = ground_truth_dir / "lead_records.parquet"
    persons_file = ground_truth_dir / "persons.parquet"
    for path in (analytics_path, records_file, persons_file):
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
    con = duckdb.connect(str(analytics_path), read_only=True)
    try:
        con.execute(
            f"""
            create temp table scored as
            select
                truth.person_id as true_person,
                truth.is_spam as true_spam,
                truth.dup_kind,
                persons.is_existing_customer as true_customer,
                persons.account_domain as true_domain,
                crosswalk.lead_key,
                crosswalk.person_id as predicted_person,
                dim.is_spam as predicted_spam,
                dim.is_existing_customer as predicted_customer
            from read_parquet({sql_literal(str(records_file))}) as truth
            inner join read_parquet({sql_literal(str(persons_file))}) as persons
                on truth.person_id = persons.person_id
            left join marts.lead_crosswalk as crosswalk
                on truth.landing_file = crosswalk.source_file and truth.file_row = crosswalk.source_row_number
            left join marts.dim_leads as dim on crosswalk.person_id = dim.person_id
            where truth.expected_reject_reason is null
            """
        )
        unmatched = con.execute("select count(*) from scored where lead_key is null").fetchone()[0]
        # one row per non-spam record (its later versions share the lead_key)
        con.execute(
            """
            create temp table one_per_record as
            select lead_key, any_value(true_person) as true_person, any_value(predicted_person) as predicted_person,
                   any_value(dup_kind) filter (where dup_kind is not null) as dup_kind,
                   any_value(true_domain) as true_domain
            from scored
            where not true_spam and lead_key is not null
            group by lead_key
            """
        )
        n_records, true_pairs, predicted_pairs, tp = con.execute(
            """
            select
                (select count(*) from one_per_record),
                (select coalesce(sum(n * (n - 1) // 2), 0) from
                    (select count(*) as n from one_per_record group by true_person)),
                (select coalesce(sum(n * (n - 1) // 2), 0) from
                    (select count(*) as n from one_per_record group by predicted_person)),
                (select coalesce(sum(n * (n - 1) // 2), 0) from
                    (select count(*) as n from one_per_record group by true_person, predicted_person))
            """
        ).fetchone()
        # merged pairs of two different people who work at the same company (share its domain)
        false_domain = con.execute(
            """
            select
                (select coalesce(sum(n * (n - 1) // 2), 0) from (select count(*) as n from one_per_record
                    where true_domain is not null group by predicted_person, true_domain))
                - (select coalesce(sum(n * (n - 1) // 2), 0) from (select count(*) as n from one_per_record
                    where true_domain is not null group by predicted_person, true_domain, true_person))
            """
        ).fetchone()[0]
        by_kind = dict(
            con.execute(
                """
                with first_records as (
                    select true_person, any_value(predicted_person) as first_predicted
                    from one_per_record where dup_kind is null group by true_person
                )
                select dup_kind, avg(case when predicted_person = first_predicted then 1.0 else 0.0 end)
                from one_per_record
                inner join first_records using (true_person)
                where dup_kind is not null
                group by dup_kind order by dup_kind
                """
            ).fetchall()
        )
        spam_true, spam_pred, spam_both = con.execute(
            """
            with per_record as (
                select lead_key, bool_or(true_spam) as true_spam, bool_or(predicted_spam) as predicted_spam
                from scored where lead_key is not null group by lead_key
            )
            select count(*) filter (where true_spam), count(*) filter (where predicted_spam),
                   count(*) filter (where true_spam and predicted_spam)
            from per_record
            """
        ).fetchone()
        cust_true, cust_pred, cust_both = con.execute(
            """
            with per_record as (
                select lead_key, bool_or(true_customer) as true_customer,
                       bool_or(predicted_customer) as predicted_customer
                from scored where lead_key is not null and not true_spam group by lead_key
            )
            select count(*) filter (where true_customer), count(*) filter (where predicted_customer),
                   count(*) filter (where true_customer and predicted_customer)
            from per_record
            """
        ).fetchone()
    finally:
        con.close()
    return IdentityScores(
        records=n_records,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        true_positive_pairs=tp,
        pair_precision=_ratio(tp, predicted_pairs),
        pair_recall=_ratio(tp, true_pairs),
        false_merges_sharing_domain=false_domain,
        recall_by_duplicate_kind={k: float(v) for k, v in by_kind.items()},
        spam_records=spam_true,
        spam_flagged=spam_pred,
        spam_precision=_ratio(spam_both, spam_pred),
        spam_recall=_ratio(spam_both, spam_true),
        customers=cust_true,
        customers_flagged=cust_pred,
        customer_precision=_ratio(cust_both, cust_pred),
        customer_recall=_ratio(cust_both, cust_true),
        unmatched_rows=unmatched,
    )


def format_scores(scores: IdentityScores) -> str:
    kinds = "\n".join(f"    {kind:<24} {value:.4f}" for kind, value in scores.recall_by_duplicate_kind.items())
    return (
        f"identity resolution vs ground truth ({scores.records:,} non-spam lead records)\n"
        f"  duplicate pairs: precision {scores.pair_precision:.4f}, recall {scores.pair_recall:.4f} "
        f"({scores.true_positive_pairs:,} of {scores.true_pairs:,} true pairs found, "
        f"{scores.predicted_pairs - scores.true_positive_pairs:,} wrong)\n"
        f"  false merges of people sharing a corporate domain: {scores.false_merges_sharing_domain:,}\n"
        f"  recall by duplicate kind:\n{kinds}\n"
        f"  spam: precision {scores.spam_precision:.4f}, recall {scores.spam_recall:.4f} "
        f"({scores.spam_flagged:,} flagged, {scores.spam_records:,} true)\n"
        f"  existing customers: precision {scores.customer_precision:.4f}, recall {scores.customer_recall:.4f} "
        f"({scores.customers_flagged:,} flagged, {scores.customers:,} true)\n"
        f"  loaded rows missing from lead_crosswalk: {scores.unmatched_rows:,}"
    )
