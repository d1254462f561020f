-- Reconciliation: every record id that reached raw appears exactly once in staging, and nothing else
-- does. Returns the offending keys.
with raw_keys as (
    select distinct
        coalesce(lower(nullif(trim(source_system), '')), '{{ var("default_source_system") }}')
        || ':' || trim(lead_id) as record_key,
        'leads' as entity
    from {{ source('raw', 'leads') }}
    union all
    select distinct
        coalesce(lower(nullif(trim(source_system), '')), '{{ var("default_source_system") }}')
        || ':' || trim(deal_id),
        'deals'
    from {{ source('raw', 'deals') }}
    union all
    select distinct
        coalesce(lower(nullif(trim(source_system), '')), '{{ var("default_source_system") }}')
        || ':' || trim(activity_id),
        'activities'
    from {{ source('raw', 'activities') }}
),

staged_keys as (
    select lead_key as record_key, 'leads' as entity from {{ ref('stg_leads') }}
    union all
    select deal_key, 'deals' from {{ ref('stg_deals') }}
    union all
    select activity_key, 'activities' from {{ ref('stg_activities') }}
)

select coalesce(r.entity, s.entity) as entity, coalesce(r.record_key, s.record_key) as record_key
from raw_keys as r
full outer join staged_keys as s on r.entity = s.entity and r.record_key = s.record_key
where r.record_key is null or s.record_key is null
