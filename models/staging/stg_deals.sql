-- Current version of every deal (source_system + deal_id), typed, with the stage mapped to the
-- canonical stages. All versions are stg_deal_versions: they are the deal's stage history.
with

versions as (
    select * from {{ ref('stg_deal_versions') }}
),

final as (
    select
        deal_key,
        deal_id,
        source_system,
        lead_id,
        lead_key,
        contact_email,
        account_domain,
        account_name,
        created_at,
        updated_at,
        deal_stage,
        deal_stage_raw,
        stage_order,
        is_closed,
        is_won,
        amount,
        currency,
        expected_close_date,
        closed_at,
        lost_reason,
        owner_id,
        deal_type,
        invalid_fields,
        extra_attributes,
        version_count,
        source_file,
        source_row_number,
        loaded_at
    from versions
    where is_current
)

select * from final
