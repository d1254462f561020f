-- One row per person with the surviving value of every field (survivorship, docs/identity.md):
-- identity and firmographic fields from the most recent non-blank value a person typed (list imports
-- only when no typed value exists), created_at from the earliest record, the original source and UTM
-- from the earliest record as a whole, and consent from the most restrictive evidence anywhere.
{%- set typed_fields = [
    'email', 'first_name', 'last_name', 'phone', 'job_title', 'company_name', 'industry',
    'employee_count', 'annual_revenue', 'country_code', 'region', 'product_interest'
] %}
{%- set person_entered = var('person_entered_source_systems') %}
with

leads as (
    select * from {{ ref('stg_leads') }}
),

validated as (
    select * from {{ ref('int_leads__validated') }}
),

clustered as (
    select * from {{ ref('int_leads__clustered') }}
),

activities as (
    select * from {{ ref('stg_activities') }}
),

records as (
    select
        clustered.person_id,
        clustered.anchor_lead_key,
        validated.anchor_rank,
        leads.*,
        validated.email_key,
        validated.corporate_domain,
        validated.is_free_mail,
        validated.is_role_address,
        validated.is_spam,
        validated.spam_reasons,
        case when validated.has_invalid_email then null else leads.email end as valid_email,
        -- Survivor rank: values a person typed beat list imports, then the most recent wins (1 = best).
        row_number() over (
            partition by clustered.person_id
            order by
                leads.source_system in (
                    {%- for system in person_entered %}'{{ system }}'{{ ", " if not loop.last }}{% endfor -%}
                ) desc,
                leads.updated_at desc,
                validated.anchor_rank desc
        ) as survivor_rank,
        -- CRM fields follow the most recent version whatever its source
        row_number() over (
            partition by clustered.person_id order by leads.updated_at desc, validated.anchor_rank desc
        ) as recency_rank
    from leads
    inner join validated on leads.lead_key = validated.lead_key
    inner join clustered on leads.lead_key = clustered.lead_key
),

-- An unsubscribe is consent evidence wherever it is recorded: on a record of the person, or by an
-- address that one of the person's records uses.
unsubscribes as (
    select
        lead_key,
        {{ email_match_key('email') }} as email_key,
        occurred_at
    from activities
    where activity_type = 'unsubscribe'
),

unsubscribed_persons as (
    select
        person_id,
        min(occurred_at) as unsubscribed_at
    from (
        select
            records.person_id,
            unsubscribes.occurred_at
        from unsubscribes
        inner join records on unsubscribes.lead_key = records.lead_key

        union all

        select
            records.person_id,
            unsubscribes.occurred_at
        from unsubscribes
        inner join records on unsubscribes.email_key = records.email_key
        where unsubscribes.lead_key is null
    ) as evidence
    group by person_id
),

earliest_records as (
    select
        person_id,
        lead_key as original_lead_key,
        source_system as original_source_system,
        channel as original_channel,
        channel_group as original_channel_group,
        lead_source_raw as original_lead_source,
        utm_source as original_utm_source,
        utm_medium as original_utm_medium,
        utm_campaign as original_utm_campaign,
        landing_page as original_landing_page
    from records
    qualify row_number() over (partition by person_id order by created_at, anchor_rank) = 1
),

survived as (
    select
        person_id,
        any_value(anchor_lead_key) as anchor_lead_key,
        count(*) as record_count,
        sum(version_count) as version_count,
        string_agg(distinct source_system, ',' order by source_system) as source_systems,
        min(created_at) as created_at,
        max(updated_at) as last_updated_at,
        {%- for field in typed_fields %}
            arg_min({{ 'valid_email' if field == 'email' else field }}, survivor_rank)
            filter (where {{ 'valid_email' if field == 'email' else field }} is not null) as {{ field }},
        {%- endfor %}
        arg_min(email, survivor_rank) filter (where email is not null) as latest_email_as_entered,
        arg_min(is_role_address, survivor_rank) filter (where valid_email is not null) as is_role_address,
        arg_min(is_free_mail, survivor_rank) filter (where valid_email is not null) as is_free_mail,
        arg_min(corporate_domain, survivor_rank) filter (where corporate_domain is not null)
            as corporate_domain,
        arg_min(crm_status, recency_rank) filter (where crm_status is not null) as crm_status,
        arg_min(crm_owner_id, recency_rank) filter (where crm_owner_id is not null)
            as crm_owner_id,
        bool_or(email_opt_out) as has_opt_out_on_record,
        bool_and(valid_email is null) and bool_or(email is not null) as has_invalid_email,
        bool_or(is_spam) as is_spam,
        string_agg(distinct spam_reasons, ',') as spam_reasons,
        list(email_key order by email_key) filter (where email_key is not null) as email_keys,
        list(distinct corporate_domain) filter (where corporate_domain is not null) as corporate_domains,
        list(distinct {{ company_name_key('company_name') }}) filter (where company_name is not null)
            as company_name_keys
    from records
    group by person_id
),

final as (
    select
        survived.person_id,
        survived.anchor_lead_key,
        survived.record_count,
        survived.version_count,
        survived.source_systems,
        survived.created_at,
        survived.last_updated_at,
        {%- for field in typed_fields %}
            {%- if field == 'email' %}
                coalesce(survived.email, survived.latest_email_as_entered) as email,
            {%- else %}
                survived.{{ field }},
            {%- endif %}
        {%- endfor %}
        coalesce(survived.is_role_address, false) as is_role_address,
        coalesce(survived.is_free_mail, false) as is_free_mail,
        survived.corporate_domain,
        survived.crm_status,
        survived.crm_owner_id,
        earliest_records.original_lead_key,
        earliest_records.original_source_system,
        earliest_records.original_channel,
        earliest_records.original_channel_group,
        earliest_records.original_lead_source,
        earliest_records.original_utm_source,
        earliest_records.original_utm_medium,
        earliest_records.original_utm_campaign,
        earliest_records.original_landing_page,
        coalesce(survived.has_opt_out_on_record, false) or unsubscribed_persons.person_id is not null
            as is_email_opted_out,
        nullif(concat_ws(
            ',',
            case when survived.has_opt_out_on_record then 'lead_record' end,
            case when unsubscribed_persons.person_id is not null then 'unsubscribe_activity' end
        ), '') as opt_out_sources,
        unsubscribed_persons.unsubscribed_at,
        survived.has_invalid_email,
        survived.is_spam,
        survived.spam_reasons,
        survived.email_keys,
        survived.corporate_domains,
        survived.company_name_keys
    from survived
    inner join earliest_records on survived.person_id = earliest_records.person_id
    left join unsubscribed_persons on survived.person_id = unsubscribed_persons.person_id
)

select * from final
