-- Latest enrichment record per company domain. Enrichment only fills blanks downstream, and every
-- filled field keeps this provider and date as provenance.
with

source as (
    select * from {{ source('raw', 'companies') }}
),

country_aliases as (
    select * from {{ ref('country_aliases') }}
),

industry_map as (
    select * from {{ ref('industry_map') }}
),

typed as (
    select
        {{ normalize_domain('company_domain') }} as company_domain,
        {{ blank_to_null('industry') }} as industry_raw,
        {{ to_integer('employee_count') }} as employee_count,
        {{ to_decimal('annual_revenue') }} as annual_revenue,
        {{ blank_to_null('country') }} as country_raw,
        lower({{ blank_to_null('provider') }}) as provider,
        {{ to_utc_timestamp('enriched_at') }} as enriched_at,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

current_versions as (
    select *
    from typed
    where company_domain is not null
    qualify row_number() over (
        partition by company_domain
        order by enriched_at desc nulls last, _loaded_at desc, _source_file desc, _row_number desc
    ) = 1
),

final as (
    select
        current_versions.company_domain,
        industry_map.industry,
        current_versions.industry_raw,
        current_versions.employee_count,
        current_versions.annual_revenue,
        country_aliases.country_code,
        current_versions.country_raw,
        current_versions.provider,
        current_versions.enriched_at,
        current_versions._source_file as source_file,
        current_versions._row_number as source_row_number,
        current_versions._loaded_at as loaded_at
    from current_versions
    left join country_aliases
        on {{ map_key('current_versions.country_raw') }} = country_aliases.alias
    left join industry_map
        on {{ map_key('current_versions.industry_raw') }} = industry_map.source_value
)

select * from final
