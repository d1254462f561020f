{{ config(meta={'dagster': {'ref': {'name': 'lead_crosswalk'}}}) }}
-- A person's record_count (int_persons__enriched, shown in dim_leads) is the number of distinct records the crosswalk gives it.
with

crosswalk as (
    select
        person_id,
        count(distinct lead_key) as record_count
    from {{ ref('lead_crosswalk') }}
    group by person_id
)

select
    persons.person_id,
    persons.record_count,
    crosswalk.record_count as crosswalk_record_count
from {{ ref('int_persons__enriched') }} as persons
left join crosswalk on persons.person_id = crosswalk.person_id
where crosswalk.record_count is distinct from persons.record_count
