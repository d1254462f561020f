-- One row per lead record with its matching keys, validation flags and spam verdict (with reasons).
-- Nothing is deleted here: spam is a flag, and every flag says why.
with

leads as (
    select * from {{ ref('stg_leads') }}
),

lead_versions as (
    select * from {{ ref('stg_lead_versions') }}
),

free_email_domains as (
    select * from {{ ref('free_email_domains') }}
),

disposable_email_domains as (
    select * from {{ ref('disposable_email_domains') }}
),

suppression_list as (
    select * from {{ ref('suppression_list') }}
),

role_email_prefixes as (
    select * from {{ ref('role_email_prefixes') }}
),

first_loads as (
    select
        lead_key,
        min(load_started_at) as first_loaded_at
    from lead_versions
    group by lead_key
),

keyed as (
    select
        leads.lead_key,
        leads.source_system,
        leads.created_at,
        leads.updated_at,
        first_loads.first_loaded_at,
        leads.email,
        {{ is_valid_email('leads.email') }} as is_valid_email,
        {{ email_match_key('leads.email') }} as email_key,
        case when {{ is_valid_email('leads.email') }} then {{ email_domain_key('leads.email') }} end
            as email_domain,
        split_part(leads.email, '@', 1) as email_local_part,
        {{ phone_match_key('leads.phone') }} as phone_key,
        {{ name_key('leads.first_name') }} as first_name_key,
        {{ name_key('leads.last_name') }} as last_name_key,
        leads.company_domain,
        nullif(trim(leads.external_id), '') as external_id,
        leads.ip_address
    from leads
    left join first_loads on leads.lead_key = first_loads.lead_key
),

flagged as (
    select
        keyed.*,
        free_email_domains.domain is not null as is_free_mail,
        disposable_email_domains.domain is not null as is_disposable_domain,
        role_email_prefixes.local_part is not null as is_role_address,
        suppressed_emails.value is not null or suppressed_domains.value is not null as is_suppressed,
        company_free_mail.domain is null and company_disposable.domain is null as is_company_domain_corporate
    from keyed
    left join free_email_domains on keyed.email_domain = free_email_domains.domain
    left join disposable_email_domains on keyed.email_domain = disposable_email_domains.domain
    left join role_email_prefixes on keyed.is_valid_email and keyed.email_local_part = role_email_prefixes.local_part
    left join suppression_list as suppressed_emails
        on suppressed_emails.match_type = 'email' and keyed.email_key = suppressed_emails.value
    left join suppression_list as suppressed_domains
        on suppressed_domains.match_type = 'domain' and keyed.email_domain = suppressed_domains.value
    left join free_email_domains as company_free_mail on keyed.company_domain = company_free_mail.domain
    left join disposable_email_domains as company_disposable on keyed.company_domain = company_disposable.domain
),

-- A burst: at least bot_burst_min_submissions submissions within bot_burst_window_seconds of one
-- another, from one IP address or under one name. First count forwards from each submission, then flag
-- every submission inside a window that reached the threshold. Each signal is windowed over the rows that
-- have it only: on L 44% of leads carry no IP address, one partition DuckDB windows on a single thread.
ip_windows as (
    select
        lead_key,
        ip_address,
        created_at,
        count(*) over (
            partition by ip_address order by created_at
            range between current row and interval '{{ var("bot_burst_window_seconds") }} seconds' following
        ) as submissions_ahead
    from flagged
    where ip_address is not null
),

ip_bursts as (
    select
        lead_key,
        max(submissions_ahead >= {{ var("bot_burst_min_submissions") }}) over (
            partition by ip_address order by created_at
            range between interval '{{ var("bot_burst_window_seconds") }} seconds' preceding and current row
        ) as is_ip_burst
    from ip_windows
),

name_windows as (
    select
        lead_key,
        first_name_key,
        last_name_key,
        created_at,
        count(*) over (
            partition by first_name_key, last_name_key order by created_at
            range between current row and interval '{{ var("bot_burst_window_seconds") }} seconds' following
        ) as submissions_ahead
    from flagged
    where first_name_key is not null and last_name_key is not null
),

name_bursts as (
    select
        lead_key,
        max(submissions_ahead >= {{ var("bot_burst_min_submissions") }}) over (
            partition by first_name_key, last_name_key order by created_at
            range between interval '{{ var("bot_burst_window_seconds") }} seconds' preceding and current row
        ) as is_name_burst
    from name_windows
),

judged as (
    select
        flagged.*,
        coalesce(ip_bursts.is_ip_burst, false) as is_ip_burst,
        coalesce(name_bursts.is_name_burst, false) as is_name_burst,
        coalesce(
            regexp_matches(flagged.first_name_key, '[bcdfghjklmnpqrstvwxz]{{ "{" }}{{ var("gibberish_min_consonant_run") }},}')
            and regexp_matches(flagged.last_name_key, '[bcdfghjklmnpqrstvwxz]{{ "{" }}{{ var("gibberish_min_consonant_run") }},}'),
            false
        ) as has_gibberish_name
    from flagged
    left join ip_bursts on flagged.lead_key = ip_bursts.lead_key
    left join name_bursts on flagged.lead_key = name_bursts.lead_key
),

final as (
    select
        lead_key,
        source_system,
        created_at,
        updated_at,
        first_loaded_at,
        email_key,
        email_domain,
        case
            when email_domain is not null and not is_free_mail and not is_disposable_domain and not is_suppressed
                then email_domain
            when is_company_domain_corporate then company_domain
        end as corporate_domain,
        phone_key,
        first_name_key,
        last_name_key,
        external_id,
        email is not null and not is_valid_email as has_invalid_email,
        is_free_mail,
        is_role_address,
        is_disposable_domain,
        is_suppressed,
        is_ip_burst,
        is_name_burst,
        has_gibberish_name,
        is_disposable_domain or is_suppressed or is_ip_burst or is_name_burst or has_gibberish_name as is_spam,
        nullif(concat_ws(
            ',',
            case when is_disposable_domain then 'disposable_domain' end,
            case when is_suppressed then 'suppression_list' end,
            case when is_ip_burst then 'ip_burst' end,
            case when is_name_burst then 'name_burst' end,
            case when has_gibberish_name then 'gibberish_name' end
        ), '') as spam_reasons,
        row_number() over (order by first_loaded_at, created_at, lead_key) as anchor_rank
    from judged
)

select * from final
