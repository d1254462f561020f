{#- The few generic tests the project needs (the dbt package hub is unreachable, so no dbt_utils). -#}

{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}

{% test at_least_one_not_null(model, columns) %}
select *
from {{ model }}
where {% for column in columns %}{{ column }} is null{{ " and " if not loop.last }}{% endfor %}
{% endtest %}

{#- Every value of the column is a key of a seed map (or null): a new spelling must be added to the
    map by RevOps rather than silently becoming "unknown". -#}
{% test mapped_through(model, column_name, to, field) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (select {{ field }} from {{ to }} where {{ field }} is not null)
{% endtest %}

{#- No two rows share the same values of the columns (a composite key). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_with_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
