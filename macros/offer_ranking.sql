{#- Macros of the offer ranking (README, "Next Best Offers"). The models in
    models/intermediate/offers/ compute every step for all cuts of
    int_offer_cuts at once, so production and backtest run the same SQL;
    these macros hold the pieces two models share. -#}


{#- One row: the fraction of customers in the evaluation sample (ranked at
    past cuts) and in the population sample (product statistics), each
    "about var(...) customers" out of the customers of `customers` (a
    relation or CTE with one row per customer_id), 1 when there are fewer.
    A customer is in a sample when hash_fraction(customer_id) is below its
    fraction: the same customers at every cut, on both engines, and the
    evaluation sample lies inside the population sample. -#}
{% macro offer_sample_fractions(customers) -%}
    select
        least(
            1.0,
            cast({{ var('offer_evaluation_sample_customers') }} as double)
            / greatest(count(*), 1)
        ) as evaluation_fraction,
        least(
            1.0,
            cast({{ var('offer_population_sample_customers') }} as double)
            / greatest(count(*), 1)
        ) as population_fraction
    from {{ customers }}
{%- endmacro %}


{#- The draw a customer's sample membership compares with a fraction. -#}
{% macro offer_sample_draw(customer_id) -%}
    {{ hash_fraction(customer_id) }}
{%- endmacro %}


{#- The value multiplier of the offer score: 1 + var('offer_value_weight') x
    (value percentile - 0.5), so with the default 0.2 value moves a score by
    at most +-10 %: the purchase probability ranks, value breaks near-ties. -#}
{% macro offer_value_multiplier(value_percentile) -%}
    (1 + {{ var('offer_value_weight') }} * ({{ value_percentile }} - 0.5))
{%- endmacro %}


{#- A select over `relation` (one row per list and product, with category)
    that keeps each list's head and numbers it (offer_rank). A list is one
    value of `list_columns` (a customer at a cut; a backtest baseline adds
    its method); products are ordered by `order_by` (SQL over the relation's
    columns, alias-free), equal ones by the smaller product_id. Diversity:
    in the first var('offer_diversity_top_n') ranks at most
    var('offer_max_per_category') products of one category. The head is
    filled with the best products that are among their category's best
    max_per_category, in order; then every other product in order. A list
    with too few categories to fill the head gets only the head (the rule is
    never broken). Lists end at the column `length_column`. The ranking and
    the backtest's filtered baselines both call it: one rule, one code. -#}
{% macro offer_diversified_lists(
    relation,
    list_columns=['cut_date', 'customer_id'],
    order_by='offer_score desc',
    length_column='offers_wanted'
) -%}
    {%- set top_n = var('offer_diversity_top_n') -%}
    {%- set max_per_category = var('offer_max_per_category') -%}
    {%- set lists = list_columns | join(', ') -%}
    select *
    from (
        select
            *,
            cast(row_number() over (
                partition by {{ lists }}
                order by case when is_in_head then 0 else 1 end, {{ order_by }}, product_id asc
            ) as integer) as offer_rank
        from (
            select
                *,
                category_position <= {{ max_per_category }}
                and row_number() over (
                    partition by {{ lists }}
                    order by
                        case when category_position <= {{ max_per_category }} then 0 else 1 end,
                        {{ order_by }},
                        product_id asc
                ) <= {{ top_n }} as is_in_head,
                count(
                    case when category_position <= {{ max_per_category }} then 1 end
                ) over (partition by {{ lists }}) as head_candidates
            from (
                select
                    *,
                    row_number() over (
                        partition by {{ lists }}, category
                        order by {{ order_by }}, product_id asc
                    ) as category_position
                from {{ relation }}
            ) as positioned
        ) as headed
        where is_in_head or head_candidates >= {{ top_n }}
    ) as ordered
    where offer_rank <= {{ length_column }}
{%- endmacro %}


{#- A select of the candidates of `candidates` (int_offer_candidates) at the
    fold and production cuts with their score, given `calibration`
    (int_offer_calibration), and their discount and values from `allowed`
    (int_segment_allowed_products, kept out of the large candidates table):
      predicted_conversion_rate = expected_share x the conversions per unit
        of expected share of the candidate's feature_key at its cut (the
        whole history's when the cell has none), capped at 1;
      offer_score = that x offer_value_multiplier.
    Without any history at the cut (no calibration row) the rate is null and
    the score falls back to expected_share x the value multiplier. -#}
{% macro offer_scored_candidates(candidates, calibration, allowed) -%}
    select
        rated.*,
        scoring_allowed.discount_rate,
        scoring_allowed.expected_order_value,
        scoring_allowed.expected_margin,
        scoring_allowed.value_percentile,
        coalesce(rated.predicted_conversion_rate, rated.expected_share)
        * {{ offer_value_multiplier('scoring_allowed.value_percentile') }} as offer_score
    from (
        select
            scoring_candidates.*,
            -- Trino's least() is null when an argument is: without any
            -- history the rate stays null on both engines.
            case
                when coalesce(
                    scoring_cells.conversions_per_share,
                    scoring_priors.prior_conversions_per_share
                ) is not null
                    then least(
                        1.0,
                        scoring_candidates.expected_share
                        * coalesce(
                            scoring_cells.conversions_per_share,
                            scoring_priors.prior_conversions_per_share
                        )
                    )
            end as predicted_conversion_rate
        from {{ candidates }} as scoring_candidates
        left join {{ calibration }} as scoring_cells
            on
                scoring_candidates.cut_date = scoring_cells.cut_date
                and scoring_candidates.feature_key = scoring_cells.feature_key
        left join (
            select distinct
                cut_date,
                prior_conversions_per_share
            from {{ calibration }}
        ) as scoring_priors
            on scoring_candidates.cut_date = scoring_priors.cut_date
        where scoring_candidates.cut_role in ('fold', 'production')
    ) as rated
    inner join {{ allowed }} as scoring_allowed
        on
            rated.rfm_segment = scoring_allowed.segment_name
            and rated.product_id = scoring_allowed.product_id
{%- endmacro %}
