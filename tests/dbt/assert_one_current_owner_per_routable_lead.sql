{{ config(meta={'dagster': {'ref': {'name': 'fct_lead_assignments'}}}) }}
-- Every routable lead (net-new, non-spam person in dim_leads) has exactly one current owner.
with

routable as (
    select person_id from {{ ref('dim_leads') }}
    where is_net_new and not is_spam
),

current_owners as (
    select
        person_id,
        count(*) as current_rows,
        count(owner_id) as owners
    from {{ ref('fct_lead_assignments') }}
    where is_current
    group by person_id
)

select
    coalesce(routable.person_id, current_owners.person_id) as person_id,
    current_owners.current_rows,
    current_owners.owners
from routable
full outer join current_owners on routable.person_id = current_owners.person_id
where
    routable.person_id is null
    or current_owners.person_id is null
    or current_owners.current_rows != 1
    or current_owners.owners != 1
