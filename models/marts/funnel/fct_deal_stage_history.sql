-- Stage history of every deal from its versions (stg_deal_versions), one row per stage spell: entered
-- at the version that moved the deal into the stage (the first version at the deal's creation), exited
-- when a later version moved it on; owner and amount as of entering. A version that repeats the current
-- stage is no change. A move to a lower stage order (a deal reopened or moved back) is flagged.
with

versions as (
    select * from {{ ref('stg_deal_versions') }}
),

changes as (
    select
        deal_key,
        version_number,
        deal_stage,
        stage_order,
        is_closed,
        is_won,
        case when version_number = 1 then created_at else updated_at end as entered_at,
        owner_id,
        amount,
        currency,
        lost_reason,
        lag(stage_order) over (partition by deal_key order by version_number) as previous_stage_order
    from versions
    qualify coalesce(lag(deal_stage) over (partition by deal_key order by version_number) != deal_stage, true)
),

final as (
    select
        deal_key || ':' || cast(row_number() over (partition by deal_key order by version_number) as varchar)
            as deal_stage_spell_id,
        deal_key,
        row_number() over (partition by deal_key order by version_number) as spell_number,
        deal_stage,
        stage_order,
        is_closed,
        is_won,
        entered_at,
        lead(entered_at) over (partition by deal_key order by version_number) as exited_at,
        lead(entered_at) over (partition by deal_key order by version_number) is null as is_current,
        {{ dbt.datediff('entered_at', 'lead(entered_at) over (partition by deal_key order by version_number)', 'second') }}
        / 86400.0 as days_in_stage,
        coalesce(stage_order < previous_stage_order, false) as is_moved_back,
        owner_id,
        amount,
        currency,
        lost_reason
    from changes
)

select * from final
