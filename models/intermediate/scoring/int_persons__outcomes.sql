-- The known outcome of each net-new person, for calibrating scores: won (a won deal), lost (deals, all
-- lost), aged out (no deal and created more than var scoring_outcome_aging_days before the horizon), or
-- open (not known yet: excluded from calibration).
with

persons as (
    select * from {{ ref('int_persons__enriched') }}
    where is_net_new
),

deals as (
    select * from {{ ref('int_deals__persons') }}
    where person_id is not null
),

horizon as (
    select {{ scoring_horizon() }} as horizon_at
),

person_deals as (
    select
        person_id,
        min(created_at) as first_deal_at,
        min(coalesce(closed_at, updated_at)) filter (where is_won) as won_at,
        bool_or(not is_closed) as has_open_deal,
        max(coalesce(closed_at, updated_at)) filter (where is_closed and not is_won) as lost_at
    from deals
    group by person_id
),

final as (
    select
        persons.person_id,
        persons.created_at,
        person_deals.first_deal_at,
        case
            when person_deals.won_at is not null then 'won'
            when person_deals.has_open_deal then 'open'
            when person_deals.lost_at is not null then 'lost'
            when
                persons.created_at
                < {{ dbt.dateadd('day', '-' ~ var('scoring_outcome_aging_days'), 'horizon.horizon_at') }}
                then 'aged_out'
            else 'open'
        end as outcome,
        case
            when person_deals.won_at is not null then person_deals.won_at
            when person_deals.has_open_deal then null
            when person_deals.lost_at is not null then person_deals.lost_at
            else {{ dbt.dateadd('day', var('scoring_outcome_aging_days'), 'persons.created_at') }}
        end as outcome_at
    from persons
    cross join horizon
    left join person_deals on persons.person_id = person_deals.person_id
)

select * from final
