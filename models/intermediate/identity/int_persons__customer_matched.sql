-- Persons who were already customers when they first arrived: one of their addresses is the contact of
-- a deal won before their first record, or their corporate domain or company name is its account. They go to
-- Customer Success review instead of net-new outreach (kept, and flagged).
with

persons as (
    select * from {{ ref('int_persons__survived') }}
),

deals as (
    select * from {{ ref('stg_deals') }}
),

won_deals as (
    select
        deal_key,
        {{ email_match_key('contact_email') }} as contact_email_key,
        account_domain,
        {{ company_name_key('account_name') }} as account_name_key,
        coalesce(closed_at, updated_at) as won_at
    from deals
    where is_won
),

person_emails as (
    select
        person_id,
        created_at,
        unnest(email_keys) as email_key
    from persons
),

person_domains as (
    select
        person_id,
        created_at,
        unnest(corporate_domains) as corporate_domain
    from persons
),

person_company_names as (
    select
        person_id,
        created_at,
        unnest(company_name_keys) as company_name_key
    from persons
),

matches as (
    select
        person_emails.person_id,
        'contact_email' as customer_match_method,
        1 as method_priority,
        won_deals.deal_key,
        won_deals.won_at
    from person_emails
    inner join won_deals
        on
            person_emails.email_key = won_deals.contact_email_key
            and won_deals.won_at < person_emails.created_at

    union all

    select
        person_domains.person_id,
        'account_domain' as customer_match_method,
        2 as method_priority,
        won_deals.deal_key,
        won_deals.won_at
    from person_domains
    inner join won_deals
        on
            person_domains.corporate_domain = won_deals.account_domain
            and won_deals.won_at < person_domains.created_at

    union all

    -- Weakest evidence (two companies can share a name), used when no address or domain matched.
    select
        person_company_names.person_id,
        'account_name' as customer_match_method,
        3 as method_priority,
        won_deals.deal_key,
        won_deals.won_at
    from person_company_names
    inner join won_deals
        on
            person_company_names.company_name_key = won_deals.account_name_key
            and won_deals.won_at < person_company_names.created_at
),

final as (
    select
        person_id,
        customer_match_method,
        deal_key as customer_deal_key,
        won_at as customer_since_at
    from matches
    qualify row_number() over (partition by person_id order by method_priority, won_at, deal_key) = 1
)

select * from final
