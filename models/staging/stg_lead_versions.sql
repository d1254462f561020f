-- Every loaded lead row (each version of each record), keyed like stg_leads, so identity resolution can
-- account for every raw row: older versions are the same record (match rule 1), never a duplicate.
with

source as (
    select * from {{ source('raw', 'leads') }}
),

keyed as (
    select
        coalesce(lower({{ blank_to_null('source_system') }}), '{{ var("default_source_system") }}')
            as source_system,
        trim(lead_id) as lead_id,
        coalesce({{ to_utc_timestamp('updated_at') }}, {{ to_utc_timestamp('created_at') }}) as updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        _load_id
    from source
),

numbered as (
    select
        *,
        row_number() over (
            partition by source_system, lead_id
            order by {{ latest_version_order('updated_at') }}
        ) as version_rank,
        min(_loaded_at) over (partition by _load_id) as load_started_at
    from keyed
),

final as (
    select
        source_system || ':' || lead_id as lead_key,
        _source_file as source_file,
        _row_number as source_row_number,
        source_system,
        lead_id,
        updated_at,
        version_rank,
        version_rank = 1 as is_current_version,
        _load_id as load_id,
        load_started_at,
        _loaded_at as loaded_at
    from numbered
)

select * from final
