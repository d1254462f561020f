{#- Shared normalisations; identity resolution builds its stricter matching keys on top of these. -#}

{% macro normalize_email(expr) -%}
    lower({{ blank_to_null(expr) }})
{%- endmacro %}

{#- "https://www.Acme.com/about" -> "acme.com" -#}
{% macro normalize_domain(expr) -%}
    nullif(
        split_part(
            regexp_replace(regexp_replace(lower({{ blank_to_null(expr) }}), '^[a-z]+://', ''), '^www\.', ''),
            '/', 1
        ),
        ''
    )
{%- endmacro %}

{#- Text used to look up a seed map: case and surrounding spaces never decide a mapping. -#}
{% macro map_key(expr) -%}
    lower({{ blank_to_null(expr) }})
{%- endmacro %}

{#- The one ordering that decides which version of a record is current (first row wins): the newest
    version time, then the most recently loaded file and row. stg_leads and stg_lead_versions share it. -#}
{% macro latest_version_order(version_at) -%}
    {{ version_at }} desc, _loaded_at desc, _source_file desc, _row_number desc
{%- endmacro %}

{#- Email syntax check on an address already lower-cased and trimmed: one @, a local part of the usual
    characters, a dotted domain ending in a letters-only top-level domain. -#}
{% macro is_valid_email(email) -%}
    coalesce(regexp_full_match({{ email }}, '[a-z0-9._%+''-]+@([a-z0-9-]+\.)+[a-z]{2,}'), false)
{%- endmacro %}

{#- Domain of an address with provider aliases resolved (googlemail.com -> gmail.com, var
    email_domain_aliases). -#}
{% macro email_domain_key(email) -%}
    {%- set aliases = var('email_domain_aliases', {}) -%}
    {%- if aliases -%}
    case split_part({{ email }}, '@', 2)
        {%- for alias, domain in aliases.items() %} when '{{ alias }}' then '{{ domain }}'{% endfor %}
        else split_part({{ email }}, '@', 2)
    end
    {%- else -%}
    split_part({{ email }}, '@', 2)
    {%- endif -%}
{%- endmacro %}

{#- The key two addresses of one person share (identity rule 2): valid syntax only, plus-tag stripped,
    dots removed where the provider ignores them (var email_dot_insensitive_domains), domain aliases
    resolved. Null for an invalid address, which never matches anything. -#}
{% macro email_match_key(email) -%}
    {%- set dotless = var('email_dot_insensitive_domains', []) -%}
    case
        when {{ is_valid_email(email) }} then
            case
                {%- if dotless %}
                when {{ email_domain_key(email) }} in ({% for d in dotless %}'{{ d }}'{{ ", " if not loop.last }}{% endfor %})
                    then replace(split_part(split_part({{ email }}, '@', 1), '+', 1), '.', '')
                {%- endif %}
                else split_part(split_part({{ email }}, '@', 1), '+', 1)
            end || '@' || {{ email_domain_key(email) }}
    end
{%- endmacro %}

{#- Phone as E.164 digits without the plus: punctuation dropped, 10-digit numbers without a country
    code taken as North American (+1). Fewer than 7 digits is not a phone number. -#}
{% macro phone_match_key(phone) -%}
    case
        when length(regexp_replace({{ phone }}, '[^0-9]', '', 'g')) < 7 then null
        when length(regexp_replace({{ phone }}, '[^0-9]', '', 'g')) = 10 and not starts_with(trim({{ phone }}), '+')
            then '1' || regexp_replace({{ phone }}, '[^0-9]', '', 'g')
        else regexp_replace({{ phone }}, '[^0-9]', '', 'g')
    end
{%- endmacro %}

{#- Names compare case- and space-insensitively. -#}
{% macro name_key(expr) -%}
    lower({{ blank_to_null(expr) }})
{%- endmacro %}

{#- Company name for matching: lower case, punctuation dropped, one trailing legal suffix removed
    ("Acme Systems Inc." -> "acme systems"; suffixes in var company_legal_suffixes). -#}
{% macro company_name_key(expr) -%}
    nullif(trim(regexp_replace(
        regexp_replace(lower({{ blank_to_null(expr) }}), '[^a-z0-9 ]', '', 'g'),
        '\s+({{ var("company_legal_suffixes") | join("|") }})$',
        ''
    )), '')
{%- endmacro %}

{#- A compact hash of a composite key, to find the few keys that repeat without grouping on text. Equal keys
    always hash alike; a collision only sends a key down the exact path, so no result depends on it. -#}
{% macro key_hash(exprs) -%}
    {{ return(adapter.dispatch('key_hash', 'leadflow')(exprs)) }}
{%- endmacro %}

{% macro default__key_hash(exprs) -%}
    {{ dbt.hash(exprs | join(" || '|' || ")) }}
{%- endmacro %}

{% macro duckdb__key_hash(exprs) -%}
    hash({{ exprs | join(', ') }})
{%- endmacro %}
