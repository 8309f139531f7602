-- How much each ranked customer leans toward each category at each cut,
-- smoothed so that a few signals do not overfit:
--
--   smoothed_share = (affinity_score + w x population_share) / (total + w)
--
-- affinity_score is the customer's recency-weighted attention on the
-- category before the cut (int_offer_customer_products.signal_weight),
-- total its sum over categories, population_share the category's share of
-- the population sample's attention, w = var('affinity_prior_weight') signal
-- units. A customer with no signal gets the population shares (the
-- cold-start list). affinity_lift = smoothed_share / population_share,
-- clamped to var('affinity_lift_min')..var('affinity_lift_max').
--
-- Rows: the categories the customer has signal on, plus the
-- var('offer_candidate_categories') most popular categories they have none
-- on (no other category can rank above those), so category_rank (1 = the
-- customer's strongest) is exact for every row while a customer never
-- costs more rows than their categories plus a few.

{%- set w = var('affinity_prior_weight') %}
{%- set k = var('offer_candidate_categories') %}

with

cut_customers as (
    select * from {{ ref('int_offer_cut_customers') }}
),

customer_products as (
    select * from {{ ref('int_offer_customer_products') }}
),

customer_categories as (
    select
        customer_products.cut_date,
        customer_products.customer_id,
        customer_products.category,
        sum(customer_products.signal_weight) as affinity_score
    from customer_products
    inner join cut_customers
        on
            customer_products.cut_date = cut_customers.cut_date
            and customer_products.customer_id = cut_customers.customer_id
    group by customer_products.cut_date, customer_products.customer_id, customer_products.category
),

population_categories as (
    select
        cut_date,
        category,
        sum(signal_weight) as population_score
    from customer_products
    where is_population_sample
    group by cut_date, category
),

-- Doubles from the exact decimal sums: Trino would divide decimals as
-- decimals, rounding to their scale, and the engines would disagree.
population_shares as (
    select
        cut_date,
        category,
        cast(population_score as double)
        / cast(sum(population_score) over (partition by cut_date) as double) as population_share,
        row_number() over (
            partition by cut_date order by population_score desc, category asc
        ) as population_rank
    from population_categories
),

customer_totals as (
    select
        cut_customers.cut_date,
        cut_customers.customer_id,
        coalesce(cast(sum(customer_categories.affinity_score) as double), 0) as signal_total,
        count(customer_categories.category) as signal_categories
    from cut_customers
    left join customer_categories
        on
            cut_customers.cut_date = customer_categories.cut_date
            and cut_customers.customer_id = customer_categories.customer_id
    group by cut_customers.cut_date, cut_customers.customer_id
),

signal_rows as (
    select
        customer_categories.cut_date,
        customer_categories.customer_id,
        customer_categories.category,
        cast(customer_categories.affinity_score as double) as affinity_score
    from customer_categories
),

unsignalled_rows as (
    select
        customer_totals.cut_date,
        customer_totals.customer_id,
        population_shares.category,
        cast(0 as double) as affinity_score
    from customer_totals
    inner join population_shares
        on
            customer_totals.cut_date = population_shares.cut_date
            and population_shares.population_rank <= {{ k }} + customer_totals.signal_categories
    left join customer_categories
        on
            customer_totals.cut_date = customer_categories.cut_date
            and customer_totals.customer_id = customer_categories.customer_id
            and population_shares.category = customer_categories.category
    where customer_categories.category is null
),

candidate_rows as (
    select * from signal_rows
    union all
    select * from unsignalled_rows
),

smoothed as (
    select
        candidate_rows.cut_date,
        candidate_rows.customer_id,
        candidate_rows.category,
        candidate_rows.affinity_score,
        customer_totals.signal_total,
        case
            when customer_totals.signal_total > 0
                then candidate_rows.affinity_score / customer_totals.signal_total
            else 0.0
        end as customer_share,
        coalesce(population_shares.population_share, 0.0) as population_share,
        case
            when customer_totals.signal_total + {{ w }} > 0
                then
                    (
                        candidate_rows.affinity_score
                        + {{ w }} * coalesce(population_shares.population_share, 0.0)
                    )
                    / (customer_totals.signal_total + {{ w }})
            else coalesce(population_shares.population_share, 0.0)
        end as smoothed_share
    from candidate_rows
    inner join customer_totals
        on
            candidate_rows.cut_date = customer_totals.cut_date
            and candidate_rows.customer_id = customer_totals.customer_id
    left join population_shares
        on
            candidate_rows.cut_date = population_shares.cut_date
            and candidate_rows.category = population_shares.category
),

final as (
    select
        cut_date,
        customer_id,
        category,
        affinity_score,
        signal_total,
        customer_share,
        population_share,
        smoothed_share,
        cast(least(
            {{ var('affinity_lift_max') }},
            greatest(
                {{ var('affinity_lift_min') }},
                coalesce(
                    smoothed_share / nullif(population_share, 0), {{ var('affinity_lift_max') }}
                )
            )
        ) as double) as affinity_lift,
        cast(row_number() over (
            partition by cut_date, customer_id
            order by smoothed_share desc, category asc
        ) as integer) as category_rank
    from smoothed
)

select * from final
