-- Every version of every deal (source_system + deal_id), typed, with the stage mapped to the canonical
-- stages: the deal's stage history. version_number counts versions in time order; stg_deals keeps the
-- current one.
with

source as (
    select * from {{ source('raw', 'deals') }}
),

deal_stage_map as (
    select * from {{ ref('deal_stage_map') }}
),

typed as (
    select
        coalesce(lower({{ blank_to_null('source_system') }}), '{{ var("default_source_system") }}')
            as source_system,
        trim(deal_id) as deal_id,
        {{ blank_to_null('lead_id') }} as lead_id,
        {{ normalize_email('contact_email') }} as contact_email,
        {{ normalize_domain('account_domain') }} as account_domain,
        {{ blank_to_null('account_name') }} as account_name,
        {{ to_utc_timestamp('created_at') }} as created_at,
        coalesce({{ to_utc_timestamp('updated_at') }}, {{ to_utc_timestamp('created_at') }}) as updated_at,
        {{ blank_to_null('stage') }} as deal_stage_raw,
        {{ to_decimal('amount') }} as amount,
        {{ is_invalid('amount', to_decimal('amount')) }} as is_invalid_amount,
        coalesce(upper({{ blank_to_null('currency') }}), '{{ var("reporting_currency") }}') as currency,
        {{ to_date('expected_close_date') }} as expected_close_date,
        {{ to_utc_timestamp('closed_at') }} as closed_at,
        {{ blank_to_null('lost_reason') }} as lost_reason,
        {{ blank_to_null('owner_id') }} as owner_id,
        lower({{ blank_to_null('deal_type') }}) as deal_type,
        {{ extra_columns_json('raw', 'deals') }} as extra_attributes,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

current_versions as (
    select
        *,
        count(*) over (partition by source_system, deal_id) as version_count,
        row_number() over (
            partition by source_system, deal_id
            order by updated_at, _loaded_at, _source_file, _row_number
        ) as version_number,
        row_number() over (
            partition by source_system, deal_id
            order by updated_at desc, _loaded_at desc, _source_file desc, _row_number desc
        ) = 1 as is_current
    from typed
),

final as (
    select
        current_versions.source_system || ':' || current_versions.deal_id as deal_key,
        current_versions.deal_id,
        current_versions.source_system,
        current_versions.lead_id,
        case
            when current_versions.lead_id is not null
                then current_versions.source_system || ':' || current_versions.lead_id
        end as lead_key,
        current_versions.contact_email,
        current_versions.account_domain,
        current_versions.account_name,
        current_versions.created_at,
        current_versions.updated_at,
        deal_stage_map.deal_stage,
        current_versions.deal_stage_raw,
        deal_stage_map.stage_order,
        deal_stage_map.is_closed,
        deal_stage_map.is_won,
        current_versions.amount,
        current_versions.currency,
        current_versions.expected_close_date,
        current_versions.closed_at,
        current_versions.lost_reason,
        current_versions.owner_id,
        current_versions.deal_type,
        nullif(concat_ws(
            ',',
            case when current_versions.is_invalid_amount then 'amount' end,
            case when deal_stage_map.deal_stage is null then 'stage' end
        ), '') as invalid_fields,
        current_versions.extra_attributes,
        current_versions.version_count,
        current_versions.version_number,
        current_versions.is_current,
        current_versions._source_file as source_file,
        current_versions._row_number as source_row_number,
        current_versions._loaded_at as loaded_at
    from current_versions
    left join deal_stage_map
        on {{ map_key('current_versions.deal_stage_raw') }} = deal_stage_map.source_value
)

select * from final
