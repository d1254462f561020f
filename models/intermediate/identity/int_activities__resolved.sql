{{ config(materialized='view') }}
-- Every activity with the person it belongs to: through its lead record, or (for rows that only carry
-- an address) through the email key of the person's records. Scoring, SLAs and attribution read this.
-- A view: its consumers read a few activity types or columns each, which is cheaper than writing 20M rows.
with

-- Read twice (the rows with only an address, and all rows): not materialized, or DuckDB caches every column of
-- every activity inside each model that reads this view (L, same rows: int_lead_score_contributions 21.6-24.7 s
-- -> 14.3-15.7 s, int_lead_sla__clocks 4.5 -> 3.3 s, int_routing__leads 12.6-13.9 s -> 10.5-11.4 s).
activities as not materialized (
    select * from {{ ref('stg_activities') }}
),

clustered as (
    select * from {{ ref('int_leads__clustered') }}
),

email_owners as (
    select * from {{ ref('int_leads__email_owners') }}
),

by_email as (
    select
        activity_key,
        {{ email_match_key('email') }} as email_key
    from activities
    where lead_key is null and email is not null
),

final as (
    select
        activities.activity_key,
        coalesce(clustered.person_id, email_owners.person_id) as person_id,
        case
            when clustered.person_id is not null then 'lead_key'
            when email_owners.person_id is not null then 'email'
        end as person_link_method,
        activities.lead_key,
        activities.activity_type,
        activities.activity_category,
        activities.is_marketing_touch,
        activities.is_rep_touch,
        activities.occurred_at,
        activities.rep_id,
        activities.direction,
        activities.channel,
        activities.utm_source,
        activities.utm_medium,
        activities.utm_campaign,
        activities.page_url,
        activities.outcome,
        activities.new_status,
        activities.reason,
        activities.rating,
        activities.due_at
    from activities
    left join clustered on activities.lead_key = clustered.lead_key
    left join by_email on activities.activity_key = by_email.activity_key
    left join email_owners on by_email.email_key = email_owners.email_key
)

select * from final
