-- Every loaded lead row -> its person, with the rule that put it there and the evidence. Older versions
-- of a record are the same record (rule `same_record`), never a duplicate.
with

lead_versions as (
    select * from {{ ref('stg_lead_versions') }}
),

clustered as (
    select * from {{ ref('int_leads__clustered') }}
),

final as (
    select
        lead_versions.source_file,
        lead_versions.source_row_number,
        lead_versions.lead_key,
        lead_versions.source_system,
        lead_versions.lead_id,
        lead_versions.updated_at,
        lead_versions.is_current_version,
        clustered.person_id,
        case when lead_versions.is_current_version then clustered.match_rule else 'same_record' end as match_rule,
        case when lead_versions.is_current_version then clustered.rule_priority else 1 end as rule_priority,
        case
            when lead_versions.is_current_version then clustered.matched_lead_key else lead_versions.lead_key
        end as matched_lead_key,
        case
            when lead_versions.is_current_version then clustered.match_evidence
            else 'older version ' || lead_versions.version_rank || ' of ' || lead_versions.lead_key
        end as match_evidence,
        case when lead_versions.is_current_version then clustered.match_score else 1.0 end as match_score,
        clustered.is_person_anchor and lead_versions.is_current_version as is_person_anchor,
        lead_versions.loaded_at
    from lead_versions
    inner join clustered on lead_versions.lead_key = clustered.lead_key
)

select * from final
