{{ config(meta={'dagster': {'ref': {'name': 'stg_activities'}}}) }}
-- Reconciliation: every record id that reached raw appears exactly once in staging, and nothing else
-- does. Returns the offending keys.
with

raw_keys as (
    select distinct
        'leads' as entity,
        coalesce(lower(nullif(trim(source_system), '')), '{{ var("default_source_system") }}')
        || ':' || trim(lead_id) as record_key
    from {{ source('raw', 'leads') }}
    union all
    select distinct
        'deals' as entity,
        coalesce(lower(nullif(trim(source_system), '')), '{{ var("default_source_system") }}')
        || ':' || trim(deal_id) as record_key
    from {{ source('raw', 'deals') }}
    union all
    select distinct
        'activities' as entity,
        coalesce(lower(nullif(trim(source_system), '')), '{{ var("default_source_system") }}')
        || ':' || trim(activity_id) as record_key
    from {{ source('raw', 'activities') }}
),

staged_keys as (
    select
        'leads' as entity,
        lead_key as record_key
    from {{ ref('stg_leads') }}
    union all
    select
        'deals' as entity,
        deal_key as record_key
    from {{ ref('stg_deals') }}
    union all
    select
        'activities' as entity,
        activity_key as record_key
    from {{ ref('stg_activities') }}
)

select
    coalesce(raw_keys.entity, staged_keys.entity) as entity,
    coalesce(raw_keys.record_key, staged_keys.record_key) as record_key
from raw_keys
full outer join staged_keys
    on
        raw_keys.entity = staged_keys.entity
        and raw_keys.record_key = staged_keys.record_key
where raw_keys.record_key is null or staged_keys.record_key is null
