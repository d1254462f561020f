-- Current version of every lead record (one row per source_system + lead_id), typed and mapped to
-- canonical values. Identity resolution across records happens in intermediate/identity.
with

source as (
    select * from {{ source('raw', 'leads') }}
),

country_aliases as (
    select * from {{ ref('country_aliases') }}
),

industry_map as (
    select * from {{ ref('industry_map') }}
),

lead_source_map as (
    select * from {{ ref('lead_source_map') }}
),

typed as (
    select
        coalesce(lower({{ blank_to_null('source_system') }}), '{{ var("default_source_system") }}')
            as source_system,
        trim(lead_id) as lead_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        coalesce({{ to_utc_timestamp('updated_at') }}, {{ to_utc_timestamp('created_at') }}) as updated_at,
        {{ normalize_email('email') }} as email,
        {{ blank_to_null('first_name') }} as first_name,
        {{ blank_to_null('last_name') }} as last_name,
        {{ blank_to_null('phone') }} as phone,
        {{ blank_to_null('job_title') }} as job_title,
        {{ blank_to_null('company_name') }} as company_name,
        {{ normalize_domain('company_domain') }} as company_domain,
        {{ blank_to_null('industry') }} as industry_raw,
        {{ to_integer('employee_count') }} as employee_count,
        {{ is_invalid('employee_count', to_integer('employee_count')) }} as is_invalid_employee_count,
        {{ to_decimal('annual_revenue') }} as annual_revenue,
        {{ is_invalid('annual_revenue', to_decimal('annual_revenue')) }} as is_invalid_annual_revenue,
        {{ blank_to_null('country') }} as country_raw,
        {{ blank_to_null('region') }} as region,
        {{ blank_to_null('lead_source') }} as lead_source_raw,
        {{ blank_to_null('utm_source') }} as utm_source,
        {{ blank_to_null('utm_medium') }} as utm_medium,
        {{ blank_to_null('utm_campaign') }} as utm_campaign,
        {{ blank_to_null('landing_page') }} as landing_page,
        {{ blank_to_null('product_interest') }} as product_interest,
        {{ to_boolean('email_opt_out') }} as email_opt_out,
        {{ is_invalid('email_opt_out', to_boolean('email_opt_out')) }} as is_invalid_email_opt_out,
        {{ blank_to_null('ip_address') }} as ip_address,
        {{ blank_to_null('crm_status') }} as crm_status,
        {{ blank_to_null('crm_owner_id') }} as crm_owner_id,
        {{ blank_to_null('external_id') }} as external_id,
        {{ extra_columns_json('raw', 'leads') }} as extra_attributes,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

current_versions as (
    select
        *,
        count(*) over (partition by source_system, lead_id) as version_count,
        min(updated_at) over (partition by source_system, lead_id) as first_seen_at
    from typed
    qualify row_number() over (
        partition by source_system, lead_id
        order by {{ latest_version_order('updated_at') }}
    ) = 1
),

final as (
    select
        current_versions.source_system || ':' || current_versions.lead_id as lead_key,
        current_versions.lead_id,
        current_versions.source_system,
        current_versions.created_at,
        current_versions.updated_at,
        current_versions.email,
        nullif(split_part(current_versions.email, '@', 2), '') as email_domain,
        current_versions.first_name,
        current_versions.last_name,
        current_versions.phone,
        current_versions.job_title,
        current_versions.company_name,
        current_versions.company_domain,
        industry_map.industry,
        current_versions.industry_raw,
        current_versions.employee_count,
        current_versions.annual_revenue,
        country_aliases.country_code,
        current_versions.country_raw,
        current_versions.region,
        lead_source_map.channel,
        lead_source_map.channel_group,
        current_versions.lead_source_raw,
        current_versions.utm_source,
        current_versions.utm_medium,
        current_versions.utm_campaign,
        current_versions.landing_page,
        current_versions.product_interest,
        current_versions.email_opt_out,
        current_versions.ip_address,
        current_versions.crm_status,
        current_versions.crm_owner_id,
        current_versions.external_id,
        nullif(concat_ws(
            ',',
            case when current_versions.is_invalid_employee_count then 'employee_count' end,
            case when current_versions.is_invalid_annual_revenue then 'annual_revenue' end,
            case when current_versions.is_invalid_email_opt_out then 'email_opt_out' end,
            case
                when current_versions.country_raw is not null and country_aliases.country_code is null
                    then 'country'
            end,
            case
                when current_versions.industry_raw is not null and industry_map.industry is null
                    then 'industry'
            end,
            case
                when current_versions.lead_source_raw is not null and lead_source_map.channel is null
                    then 'lead_source'
            end
        ), '') as invalid_fields,
        current_versions.extra_attributes,
        current_versions.version_count,
        current_versions.first_seen_at,
        current_versions._source_file as source_file,
        current_versions._row_number as source_row_number,
        current_versions._loaded_at as loaded_at
    from current_versions
    left join country_aliases
        on {{ map_key('current_versions.country_raw') }} = country_aliases.alias
    left join industry_map
        on {{ map_key('current_versions.industry_raw') }} = industry_map.source_value
    left join lead_source_map
        on {{ map_key('current_versions.lead_source_raw') }} = lead_source_map.source_value
)

select * from final
