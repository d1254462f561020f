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
