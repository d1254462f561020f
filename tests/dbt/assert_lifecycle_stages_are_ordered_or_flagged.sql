-- Every person's stage timestamps are in funnel order (created <= MQL <= SAL <= SQL <= opportunity <=
-- won, skipping stages not reached), or the stages out of order are flagged in out_of_order_stages.
with

lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
),

checked as (
    select
        person_id,
        out_of_order_stages,
        coalesce(mql_at >= created_at, true)
        and coalesce(sal_at >= greatest(created_at, coalesce(mql_at, created_at)), true)
        and coalesce(sql_at >= greatest(created_at, coalesce(mql_at, created_at), coalesce(sal_at, created_at)), true)
        and coalesce(opportunity_at >= greatest(
            created_at, coalesce(mql_at, created_at), coalesce(sal_at, created_at), coalesce(sql_at, created_at)
        ), true)
        and coalesce(won_at >= coalesce(opportunity_at, created_at), true) as is_ordered
    from lifecycle
)

select * from checked
where
    (not is_ordered and out_of_order_stages is null)
    or (is_ordered and out_of_order_stages is not null)
