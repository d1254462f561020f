-- Fit attributes of each person in long form (person, attribute, value, known_at), so scoring rules can
-- name any attribute without a SQL change. A value filled by enrichment is known only from the time
-- the enrichment row was produced (no look-ahead); typed values from the person's creation.
{%- set attributes = [
    ('employee_count', 'number', 'employee_count_source'),
    ('annual_revenue', 'number', 'annual_revenue_source'),
    ('industry', 'text', 'industry_source'),
    ('country_code', 'text', 'country_source'),
    ('sales_region', 'text', 'country_source'),
    ('seniority', 'text', none),
    ('seniority_rank', 'number', none),
    ('job_title', 'text', none),
    ('original_channel', 'text', none),
    ('product_interest', 'text', none),
    ('is_free_mail', 'text', none),
] %}
with

persons as (
    select * from {{ ref('int_persons__enriched') }}
),

job_title_seniority as (
    select * from {{ ref('job_title_seniority') }}
),

-- Titles repeat a lot: classify each distinct title once (first matching pattern by priority).
titles as (
    select distinct lower(job_title) as title
    from persons
    where job_title is not null
),

title_seniorities as (
    select
        titles.title,
        coalesce(arg_min(job_title_seniority.seniority, job_title_seniority.priority), 'individual') as seniority,
        coalesce(arg_min(job_title_seniority.seniority_rank, job_title_seniority.priority), 1) as seniority_rank
    from titles
    left join job_title_seniority on regexp_matches(titles.title, job_title_seniority.pattern)
    group by titles.title
),

attributed as (
    select
        persons.*,
        title_seniorities.seniority,
        title_seniorities.seniority_rank
    from persons
    left join title_seniorities on lower(persons.job_title) = title_seniorities.title
    where not persons.is_spam
),

final as (
    {%- for name, kind, source_column in attributes %}
        select
            person_id,
            '{{ name }}' as attribute,
            cast({{ name }} as varchar) as value_text,
            {% if kind == 'number' %}cast({{ name }} as double){% else %}cast(null as double){% endif %} as value_number,
            {%- if source_column %}
                case
                    when {{ source_column }} = 'enrichment' then greatest(created_at, coalesce(enriched_at, created_at))
                    else created_at
                end as known_at
            {%- else %}
                created_at as known_at
            {%- endif %}
        from attributed
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from final
