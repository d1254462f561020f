{{ config(meta={'dagster': {'ref': {'name': 'mart_outreach_list'}}}) }}
-- Consent before outreach: no person who opted out of email in any record, or unsubscribed at any time,
-- is on an outreach or nurture list. Checked against the persons' raw consent facts (every lead record and
-- every unsubscribe activity), not against the flag the list itself filters on.
with

opted_out as (
    select crosswalk.person_id
    from {{ ref('stg_leads') }} as leads
    inner join {{ ref('lead_crosswalk') }} as crosswalk on leads.lead_key = crosswalk.lead_key
    where leads.email_opt_out
    union
    select person_id
    from {{ ref('int_activities__resolved') }}
    where activity_type = 'unsubscribe'
)

select
    lists.person_id,
    lists.list_name
from {{ ref('mart_outreach_list') }} as lists
inner join opted_out on lists.person_id = opted_out.person_id
