{{ config(meta={'dagster': {'ref': {'name': 'mart_weekly_kpis'}}}) }}
-- The week in progress measures stale leads at the as-of time, the moment fct_lead_aging describes: the two
-- counts must agree exactly (the weekly figure applies the same definition at each week's end).
with

weekly as (
    select stale_leads
    from {{ ref('mart_weekly_kpis') }}
    where stale_measured_at = (select max(as_of) from {{ ref('fct_lead_aging') }})
),

aging as (
    select count(*) filter (where is_stale) as stale_leads
    from {{ ref('fct_lead_aging') }}
)

select
    weekly.stale_leads as weekly_stale_leads,
    aging.stale_leads as aging_stale_leads
from weekly
cross join aging
where weekly.stale_leads != aging.stale_leads
