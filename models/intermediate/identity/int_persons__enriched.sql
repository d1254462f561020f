-- One row per person with surviving values, enrichment that only fills
-- blanks (and says so), spam and customer flags, and the hygiene status.
{%- set required = "('" ~ var('qualification_required_fields') | join("', '") ~ "')" %}
with

persons as (
    select * from {{ ref('int_persons__survived') }}
),

customers as (
    select * from {{ ref('int_persons__customer_matched') }}
),

companies as (
    select * from {{ ref('stg_companies') }}
),

country_aliases as (
    select * from {{ ref('country_aliases') }}
),

country_regions as (
    select distinct
        country_code,
        region
    from country_aliases
),

enriched as (
    select
        persons.*,
        companies.company_domain is not null as has_enrichment,
        coalesce(persons.industry, companies.industry) as enriched_industry,
        case
            when persons.industry is not null then 'lead'
            when companies.industry is not null then 'enrichment'
        end as industry_source,
        coalesce(persons.employee_count, companies.employee_count) as enriched_employee_count,
        case
            when persons.employee_count is not null then 'lead'
            when companies.employee_count is not null then 'enrichment'
        end as employee_count_source,
        coalesce(persons.annual_revenue, companies.annual_revenue) as enriched_annual_revenue,
        case
            when persons.annual_revenue is not null then 'lead'
            when companies.annual_revenue is not null then 'enrichment'
        end as annual_revenue_source,
        coalesce(persons.country_code, companies.country_code) as enriched_country_code,
        case
            when persons.country_code is not null then 'lead'
            when companies.country_code is not null then 'enrichment'
        end as country_source,
        companies.provider as enrichment_provider,
        companies.enriched_at
    from persons
    left join companies on persons.corporate_domain = companies.company_domain
),

qualified as (
    select
        enriched.*,
        nullif(concat_ws(
            ',',
            case when 'contact' in {{ required }} and (enriched.has_invalid_email or enriched.email is null) and enriched.phone is null then 'contact' end,
            case when 'first_name' in {{ required }} and enriched.first_name is null then 'first_name' end,
            case when 'last_name' in {{ required }} and enriched.last_name is null then 'last_name' end,
            case when 'company' in {{ required }} and enriched.company_name is null and enriched.corporate_domain is null then 'company' end,
            case when 'country' in {{ required }} and enriched.enriched_country_code is null then 'country' end,
            case when 'job_title' in {{ required }} and enriched.job_title is null then 'job_title' end,
            case when 'industry' in {{ required }} and enriched.enriched_industry is null then 'industry' end,
            case when 'employee_count' in {{ required }} and enriched.enriched_employee_count is null then 'employee_count' end
        ), '') as missing_fields
    from enriched
),

final as (
    select
        qualified.person_id,
        qualified.anchor_lead_key,
        qualified.record_count,
        qualified.version_count,
        qualified.source_systems,
        qualified.created_at,
        qualified.last_updated_at,
        qualified.email,
        qualified.first_name,
        qualified.last_name,
        qualified.phone,
        qualified.job_title,
        qualified.company_name,
        qualified.corporate_domain,
        qualified.enriched_industry as industry,
        qualified.industry_source,
        qualified.enriched_employee_count as employee_count,
        qualified.employee_count_source,
        qualified.enriched_annual_revenue as annual_revenue,
        qualified.annual_revenue_source,
        qualified.enriched_country_code as country_code,
        qualified.country_source,
        qualified.region,
        country_regions.region as sales_region,
        case
            when 'enrichment' in (
                qualified.industry_source,
                qualified.employee_count_source,
                qualified.annual_revenue_source,
                qualified.country_source
            ) then qualified.enrichment_provider
        end as enrichment_provider,
        case
            when 'enrichment' in (
                qualified.industry_source,
                qualified.employee_count_source,
                qualified.annual_revenue_source,
                qualified.country_source
            ) then qualified.enriched_at
        end as enriched_at,
        qualified.product_interest,
        qualified.original_lead_key,
        qualified.original_source_system,
        qualified.original_channel,
        qualified.original_channel_group,
        qualified.original_lead_source,
        qualified.original_utm_source,
        qualified.original_utm_medium,
        qualified.original_utm_campaign,
        qualified.original_landing_page,
        qualified.crm_status,
        qualified.crm_owner_id,
        qualified.is_email_opted_out,
        qualified.opt_out_sources,
        qualified.unsubscribed_at,
        qualified.has_invalid_email,
        qualified.is_free_mail,
        qualified.is_role_address,
        qualified.is_spam,
        qualified.spam_reasons,
        customers.person_id is not null as is_existing_customer,
        customers.customer_match_method,
        customers.customer_deal_key,
        customers.customer_since_at,
        qualified.missing_fields,
        case
            when qualified.is_spam then 'Disqualified'
            when customers.person_id is not null then 'Customer Success Review'
            when qualified.missing_fields is not null then 'Needs Info'
            else 'New'
        end as lead_status,
        case when qualified.is_spam then 'spam' end as disqualification_reason,
        not qualified.is_spam and customers.person_id is null as is_net_new
    from qualified
    left join customers on qualified.person_id = customers.person_id
    left join country_regions on qualified.enriched_country_code = country_regions.country_code
)

select * from final
