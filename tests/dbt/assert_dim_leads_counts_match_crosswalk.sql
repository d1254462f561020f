-- A person's record_count in dim_leads is the number of distinct records the crosswalk gives it.
with

crosswalk as (
    select
        person_id,
        count(distinct lead_key) as record_count
    from {{ ref('lead_crosswalk') }}
    group by person_id
)

select
    dim_leads.person_id,
    dim_leads.record_count,
    crosswalk.record_count as crosswalk_record_count
from {{ ref('dim_leads') }} as dim_leads
left join crosswalk on dim_leads.person_id = crosswalk.person_id
where crosswalk.record_count is distinct from dim_leads.record_count
