{#- The landing contract keeps columns it does not know. Raw tables grow a column per new name; staging
    carries them as one JSON object (null when every extra column is blank on that row) so analysts still
    reach them. The documented source columns in _raw__sources.yml define what is "known". -#}
{% macro extra_columns_json(source_name, table_name) -%}
    {{ return(adapter.dispatch('extra_columns_json', 'leadflow')(source_name, table_name)) }}
{%- endmacro %}

{% macro default__extra_columns_json(source_name, table_name) -%}
    cast(null as {{ dbt.type_string() }})
{%- endmacro %}

{#- adapter.quote does not double a quote inside the name; a column may be called `we"ird`. -#}
{% macro lf_quote_ident(name) -%}
    "{{ name | replace('"', '""') }}"
{%- endmacro %}

{% macro duckdb__extra_columns_json(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return("cast(null as json)") }}
    {%- endif -%}
    {%- set documented = [] -%}
    {%- for node in graph.sources.values() if node.source_name == source_name and node.name == table_name -%}
        {%- for column in node.columns.keys() -%}{%- do documented.append(column | lower) -%}{%- endfor -%}
    {%- endfor -%}
    {#- The sources document ingest's lineage columns too (tests/test_definitions.py checks it): any other name,
        underscores or quotes included, is the export's own. -#}
    {%- set extras = [] -%}
    {%- for column in adapter.get_columns_in_relation(source(source_name, table_name)) -%}
        {%- if column.name | lower not in documented -%}
            {%- do extras.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if extras -%}
        case when coalesce(
            {%- for column in extras %}{{ lf_quote_ident(column) }}{{ ", " if not loop.last }}{% endfor -%}
        ) is not null then to_json(struct_pack(
            {%- for column in extras %}
            {{ lf_quote_ident(column) }} := {{ lf_quote_ident(column) }}{{ "," if not loop.last }}
            {%- endfor %}
        )) end
    {%- else -%}
        cast(null as json)
    {%- endif -%}
{%- endmacro %}
