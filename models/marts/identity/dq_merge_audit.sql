-- One row per lead record merged into a person founded by another record: which rule merged it, the
-- evidence, and which of its values lost to the surviving ones (so RevOps can review every merge).
with

clustered as (
    select * from {{ ref('int_leads__clustered') }}
),

leads as (
    select * from {{ ref('stg_leads') }}
),

persons as (
    select * from {{ ref('int_persons__enriched') }}
),

merged as (
    select * from clustered
    where not is_person_anchor
),

final as (
    select
        merged.person_id,
        merged.lead_key,
        merged.anchor_lead_key,
        merged.matched_lead_key,
        merged.match_rule,
        merged.rule_priority,
        merged.match_evidence,
        merged.match_score,
        merged.person_record_count,
        leads.source_system,
        leads.created_at,
        nullif(concat_ws(
            ',',
            case when leads.email is distinct from persons.email and leads.email is not null then 'email' end,
            case when leads.first_name is distinct from persons.first_name and leads.first_name is not null then 'first_name' end,
            case when leads.last_name is distinct from persons.last_name and leads.last_name is not null then 'last_name' end,
            case when leads.phone is distinct from persons.phone and leads.phone is not null then 'phone' end,
            case when leads.job_title is distinct from persons.job_title and leads.job_title is not null then 'job_title' end,
            case when leads.company_name is distinct from persons.company_name and leads.company_name is not null then 'company_name' end,
            case when leads.country_code is distinct from persons.country_code and leads.country_code is not null then 'country_code' end
        ), '') as overridden_fields
    from merged
    inner join leads on merged.lead_key = leads.lead_key
    inner join persons on merged.person_id = persons.person_id
)

select * from final
