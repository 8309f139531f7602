{#- The registry of every dbt var of this project: its type, the values it
    may take, its default and what it does. One source for the run-start
    check below, the README "Configuration" table and dbt_project.yml `vars:`
    (pytests/dbt_project/test_vars_registry.py keeps the three in step).
    A new var is registered here in the same change that reads it.

    Per var: `type` (below), `default` (as in dbt_project.yml; null is then
    allowed and means what the description says), optional `values` (an
    enumeration), `min` / `max` (bounds of a number), and `in_dbt_project:
    false` for a var whose default depends on the target, so it is computed
    where it is read instead of being set in dbt_project.yml.

    Types: integer, number, string, date (YYYY-MM-DD), timestamp (YYYY-MM-DD
    with an optional time and UTC offset), timezone (an IANA name), list (or
    one comma-separated string), mapping.

    `renamed` maps an old var name to its new one, so a user of the old name
    is told what to write instead. -#}
{% macro var_registry() %}
{%- set registry_yaml -%}
vars:
  as_of_date:
    type: date
    default: null
    description: RFM is measured as of this date (exclusive); null = the day after the newest valid order.
  rfm_lookback_days:
    type: integer
    default: 730
    min: 1
    description: Orders on or after as_of_date minus this many days count.
  rfm_score_buckets:
    type: integer
    default: 5
    min: 2
    description: N in NTILE(N) for the R, F and M scores.
  rfm_scoring_method:
    type: string
    values: [quantile, fixed, hybrid]
    default: quantile
    description: "quantile: NTILE on every measure; fixed: thresholds from seed rfm_score_thresholds; hybrid: fixed recency, quantile frequency and monetary."
  rfm_fixed_monetary:
    type: string
    values: [thresholds, quantile]
    default: thresholds
    description: "Under fixed: monetary by the seed's thresholds, or by quantile."
  rfm_quantile_ties:
    type: string
    values: [lowest, spread]
    default: lowest
    description: "Quantile scores: a run of equal values gets the lowest score any of them would get (lowest), or the distinct values are spread over the levels (spread)."
  max_valid_at:
    type: timestamp
    default: null
    description: Timestamps later than this are quarantined as future_*; null = now.
  raw_files:
    type: mapping
    default: null
    description: "DuckDB only: raw table -> path, or {path: ..., encoding: ...}; null = the demo seeds."
  raw_schema:
    type: string
    default: null
    in_dbt_project: false
    description: Schema of the raw tables (your Glue database on Athena); null = <schema>_raw, or <schema>_raw_files with raw_files.
  reporting_timezone:
    type: timezone
    default: UTC
    description: The calendar in which an order's day is counted for as_of_date, recency and lookback.
  customer_ids_are_personal:
    type: string
    values: [auto, "true", "false"]
    default: auto
    description: "auto: ids shaped like email addresses are personal data and the marts carry their salted hash."
  kmeans_k_min:
    type: integer
    default: 4
    description: Smallest k the K-Means k selection tries.
  kmeans_k_max:
    type: integer
    default: 8
    description: Largest k the K-Means k selection tries.
  kmeans_k:
    type: integer
    default: null
    description: Fixes k and skips the selection; null = select k.
  kmeans_seed:
    type: integer
    default: 42
    description: Seed of the K-Means sample and initialisation.
  kmeans_sample_size:
    type: integer
    default: 20000
    description: Customers the fit and the k selection see.
  kmeans_silhouette_sample_size:
    type: integer
    default: 5000
    description: At most this many customers per silhouette (the full sample and each of the 5 subsamples).
  kmeans_silhouette_tolerance:
    type: number
    default: 0.03
    description: The largest k whose mean silhouette over 5 seeded subsamples is within this of the best mean is chosen.
  kmeans_n_init:
    type: integer
    default: 10
    description: K-Means restarts per k.
  kmeans_chunk_size:
    type: integer
    default: 200000
    description: Customers assigned per batch (bounds memory).
  kmeans_extra_features:
    type: list
    default: []
    description: More int_customers_rfm_scored columns to cluster on.
  rfm_nbo_package_uri:
    type: string
    default: null
    description: "Athena Spark: S3 URI of the rfm_nbo zip added with addPyFile."
  athena_spark_max_dpus:
    type: integer
    default: 20
    min: 1
    description: "Athena Spark: DPUs the K-Means and CLV session may scale to."
  llm_provider:
    type: string
    values: [template, bedrock]
    default: template
    description: Who writes the offer copy.
  bedrock_model_id:
    type: string
    default: amazon.nova-lite-v1:0
    description: The Bedrock model of the bedrock provider.
  bedrock_region:
    type: string
    default: null
    description: Bedrock's AWS region; null = the AWS default region.
  llm_max_calls_per_build:
    type: integer
    default: 20
    min: 0
    description: LLM call budget; the run stops before the first call if it needs more.
  llm_cache_dir:
    type: string
    default: null
    description: Answer cache, a folder or s3:// prefix; null = $RFM_LLM_CACHE_DIR or warehouse/llm_cache.
  spark_python_deps_s3_uri:
    type: string
    default: null
    description: "Athena Spark: S3 URI of the boto3/botocore zip (scripts/build_spark_deps.py)."
  attribution_window_days:
    type: integer
    default: 14
    min: 0
    description: Days after a send in which a completed order counts as a conversion.
  campaign_design_treatment_share:
    type: number
    default: 0.8
    min: 0
    max: 1
    description: Planned share of members in the treatment group, for the sample-ratio check; the default for campaigns without a treatment_share.
  campaign_small_cell_members:
    type: integer
    default: 30
    min: 1
    description: A cell with fewer members than this in either group, or an expected count below 5, is flagged is_small_cell.
  segment_uplift_prior_members:
    type: number
    default: 500
    min: 0
    description: Pooled segment effects are shrunk toward the overall effect by a prior worth this many members.
  contact_cost_per_channel:
    type: mapping
    default: {email: 0.01, sms: 0.06, push: 0.005}
    description: Cost of one message per channel, in the shop's currency; a segment is contacted when its expected incremental margin per contact exceeds it.
  holdout_share:
    type: number
    default: 0.1
    min: 0
    max: 0.5
    description: Share of each segment's audience kept out of the next send as a control group (by a hash of customer id and audience_campaign_id).
  audience_campaign_id:
    type: string
    default: null
    description: Id of the campaign fct_campaign_audience is built for (the holdout rotates with it); null = nbo-<as_of_date>.
  offer_min_inventory:
    type: integer
    default: 5
    min: 0
    description: Products with less stock are never offered.
  offer_min_margin_rate:
    type: number
    default: 0.10
    max: 1
    description: Margin floor after the segment's largest discount, as a share of price.
  offer_exclude_bought_days:
    type: integer
    default: 30
    min: 0
    description: No offer of a product the customer bought this recently.
  offer_candidates_per_segment:
    type: integer
    default: 10
    min: 1
    description: "Deprecated, unused (removed in the next release): the copy writer gets the products actually offered (llm_products_per_segment caps the LLM)."
  offer_score_basis:
    type: string
    values: [margin, revenue]
    default: margin
    description: What the offer score multiplies the conversion rate by.
  offer_prior_conversion_rate:
    type: number
    default: 0.05
    min: 0
    max: 1
    description: "Deprecated, unused (removed in the next release): the offer ranking reads incremental effects (int_segment_uplift). Was the mean of the Beta prior of a segment x category conversion rate."
  offer_prior_strength:
    type: number
    default: 20
    min: 0
    description: "Deprecated, unused (removed in the next release): see segment_uplift_prior_members. Was the weight of that prior, in pseudo-members."
  offer_horizon_days:
    type: integer
    default: 30
    min: 1
    description: "A candidate counts as bought when the customer buys it within this many days of the cut: the calibration target and the backtest window."
  offer_backtest_folds:
    type: integer
    default: 6
    min: 1
    description: Monthly folds of the offer backtest (the newest month starts whose window closed before as_of_date).
  offer_evaluation_sample_customers:
    type: integer
    default: 20000
    min: 100
    description: Customers ranked at each past cut for calibration and the backtest (a hash sample; everyone when fewer).
  offer_population_sample_customers:
    type: integer
    default: 20000
    min: 100
    description: Customers whose purchases estimate product popularity, co-purchase and repurchase at each cut (a hash sample; everyone when fewer).
  offer_candidate_categories:
    type: integer
    default: 3
    min: 1
    description: A customer's top categories by smoothed affinity that nominate candidates.
  offer_products_per_category:
    type: integer
    default: 2
    min: 1
    description: Most popular allowed products nominated per top category.
  offer_popularity_days:
    type: integer
    default: 90
    min: 1
    description: Popularity = distinct buyers in this many days before the cut.
  offer_copurchase_basket_size:
    type: integer
    default: 5
    min: 2
    description: A customer's most recently bought distinct products that count for co-purchase.
  offer_copurchase_neighbours:
    type: integer
    default: 5
    min: 1
    description: Co-purchase neighbours kept per product.
  offer_copurchase_candidates:
    type: integer
    default: 5
    min: 0
    description: Candidates per customer nominated by co-purchase.
  offer_repeat_min_rate:
    type: number
    default: 0.10
    min: 0
    max: 1
    description: A product is a repeat candidate when at least this share of its buyers bought it on two or more days.
  offer_repeat_candidates:
    type: integer
    default: 3
    min: 0
    description: Candidates per customer from their own repeat purchases.
  affinity_prior_weight:
    type: number
    default: 2.0
    min: 0
    description: Category affinity is smoothed toward the category's overall share with this many signal units (a purchase line is 1).
  offer_calibration_prior:
    type: number
    default: 20
    min: 0
    description: Pseudo-candidates that shrink each calibration cell toward the overall candidate conversion rate.
  offer_value_weight:
    type: number
    default: 0.2
    min: 0
    max: 1
    description: "Bounded value multiplier: score = predicted conversion x (1 + weight x (value percentile - 0.5))."
  offer_diversity_top_n:
    type: integer
    default: 3
    min: 0
    description: The first ranks in which the per-category limit applies.
  offer_max_per_category:
    type: integer
    default: 2
    min: 1
    description: At most this many products of one category in the first offer_diversity_top_n ranks.
  offer_capacity_safety_factor:
    type: number
    default: 1.5
    min: 0
    description: A product goes to customers while this factor x their summed predicted conversion stays within its stock.
  offer_capacity_passes:
    type: integer
    default: 3
    min: 1
    max: 10
    description: "Allocation passes: customers whose offer ran out of stock get their next candidate."
  llm_products_per_segment:
    type: integer
    default: 20
    min: 1
    description: Offered products per segment the LLM writes copy for (most offered first); the rest get template copy.
  affinity_half_life_days:
    type: number
    default: 90
    min: 1
    description: A browsing or purchase signal this old counts half.
  affinity_lift_min:
    type: number
    default: 0.5
    min: 0
    description: Lower clamp of the customer x category affinity lift.
  affinity_lift_max:
    type: number
    default: 3.0
    min: 0
    description: Upper clamp of the customer x category affinity lift.
  clv_fit_sample_size:
    type: integer
    default: 200000
    min: 1
    description: Customers (a seeded hash sample) BG/NBD and Gamma-Gamma are fitted on; every customer is scored.
  clv_seed:
    type: integer
    default: 42
    min: 0
    description: Seed of the CLV fit sample's customer hash.
  clv_min_customers:
    type: integer
    default: 50
    min: 2
    description: Fewer customers than this (with a repeat purchase of positive value, for Gamma-Gamma) and a model is not fitted; its scores fall back (README).
  clv_chunk_size:
    type: integer
    default: 200000
    min: 1
    description: Customers scored per batch (bounds memory).
  clv_horizon_days:
    type: integer
    default: 365
    min: 1
    description: Expected purchases and CLV count this many days ahead.
  clv_annual_discount_rate:
    type: number
    default: 0.10
    min: 0
    max: 0.99
    description: Expected CLV discounts future purchases at this rate per year.
  clv_holdout_days:
    type: integer
    default: 182
    min: 7
    description: fct_clv_calibration fits on the data before as_of_date minus this many days and predicts these days.
  churn_risk_band_thresholds:
    type: list
    default: [0.2, 0.5, 0.8]
    description: "P(alive) cut points of churn_risk_band: below the first very_high, then high, medium, from the last low."

# old name: new name
renamed: {}
{%- endset -%}
    {%- set registry = fromyaml(registry_yaml) -%}
    {%- if registry is none -%}
        {#- fromyaml returns none on a YAML error; never check against nothing. -#}
        {{ exceptions.raise_compiler_error("macros/var_registry.sql: the registry is not valid YAML.") }}
    {%- endif -%}
    {{ return(registry) }}
{% endmacro %}


{#- on-run-start hook, first in dbt_project.yml so a mistake stops the run
    before anything is built (hooks run on run, build, seed, snapshot and
    test; this renders nothing at parse time). Raises var_problems() as one
    error. `registry` is for tests (dbt run-operation check_vars --args ...). -#}
{% macro check_vars(registry=none) %}
    {%- if execute -%}
        {%- set problems = var_problems(registry) -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(problems) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- var(name), for the few places that compute with a var in Jinja, where a
    wrong type would fail while dbt parses the project, before check_vars()
    runs: a wrong value raises var_problems() there instead. -#}
{% macro checked_var(name) %}
    {%- set value = var(name) -%}
    {%- if var_value_problem(name, value, var_registry()['vars'][name]) -%}
        {{ exceptions.raise_compiler_error(var_problems()) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- Every problem with the vars of this run, as one message ('' when none).
    Names given with --vars must be registered: an unknown one gets a "did
    you mean", a renamed one its new name. Every registered var's value, from
    --vars or dbt_project.yml, must have its type and allowed values.
    `registry` and `cli_vars` default to the project's and this run's. -#}
{% macro var_problems(registry=none, cli_vars=none) %}
    {%- set registry = registry if registry is not none else var_registry() -%}
    {%- set known = registry['vars'] -%}
    {%- set renamed = registry.get('renamed') or {} -%}
    {%- set cli_vars = cli_vars if cli_vars is not none else invocation_args_dict.get('vars') or {} -%}
    {%- if cli_vars is string -%}
        {#- dbt 1.11 passes a mapping; older versions the --vars YAML text. -#}
        {%- set cli_vars = fromyaml(cli_vars) or {} -%}
    {%- endif -%}

    {%- set problems = [] -%}
    {%- set unmatched = [] -%}
    {%- for name in cli_vars if name not in known -%}
        {%- if name in renamed -%}
            {%- do problems.append("var '" ~ name ~ "' was renamed to '" ~ renamed[name] ~ "'") -%}
        {%- else -%}
            {%- set suggestion = closest_name(name, known.keys() | list) -%}
            {%- do problems.append("unknown var '" ~ name ~ "'"
                ~ (": did you mean '" ~ suggestion ~ "'?" if suggestion else "")) -%}
            {%- do unmatched.append(name) if not suggestion -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name, spec in known.items() -%}
        {%- set value = cli_vars[name] if name in cli_vars else var(name, spec.get('default')) -%}
        {%- set problem = var_value_problem(name, value, spec) -%}
        {%- if problem -%}
            {%- do problems.append(problem) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if not problems -%}
        {{ return('') }}
    {%- endif -%}
    {%- set lines = [problems[0] if problems | length == 1
        else "vars: " ~ problems | length ~ " problems:\n  - " ~ problems | join("\n  - ")] -%}
    {%- if unmatched -%}
        {%- do lines.append("The vars of this project: " ~ known.keys() | sort | join(', ')) -%}
    {%- endif -%}
    {%- do lines.append("(README.md, Configuration, lists every var; macros/var_registry.sql registers them.)") -%}
    {{ return(lines | join("\n")) }}
{% endmacro %}


{#- What is wrong with one var's value, as a sentence; '' when it is fine. -#}
{% macro var_value_problem(name, value, spec) %}
    {%- set got = " (got " ~ var_value_repr(value) ~ ")" -%}
    {%- if value is none -%}
        {{ return('' if spec.get('default') is none else name ~ " must not be null" ~ got) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set is_number = value is number and value is not boolean -%}
    {#- YAML reads an unquoted 2026-03-31 as a date object: accept those too. -#}
    {%- set is_date_like = value is string or value.isoformat is defined -%}
    {%- set date_pattern = '[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' -%}
    {%- set time_pattern = '([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?' -%}
    {%- set checks = {
        'integer': ('an integer', value is integer),
        'number': ('a number', is_number),
        'string': ('a string', value is string),
        'date': ('a date (YYYY-MM-DD)',
            is_date_like and modules.re.fullmatch(date_pattern, text) is not none),
        'timestamp': ('a timestamp (YYYY-MM-DD, optionally with HH:MM:SS and a UTC offset)',
            is_date_like and modules.re.fullmatch(date_pattern ~ time_pattern, text) is not none),
        'timezone': ('an IANA time zone name such as UTC or Europe/Paris',
            value is string and text in modules.pytz.all_timezones_set),
        'list': ('a list', value is string or (value is iterable and value is not mapping)),
        'mapping': ('a mapping', value is mapping),
    } -%}
    {%- set type_words, type_ok = checks[spec['type']] -%}
    {%- if 'values' in spec -%}
        {#- YAML reads true / false as booleans: compare them as the words. -#}
        {%- if (text | lower if value is boolean else text) not in spec['values'] -%}
            {{ return(name ~ " must be one of: " ~ spec['values'] | join(', ') ~ got) }}
        {%- endif -%}
    {%- elif not type_ok -%}
        {%- set suggestion = closest_name(text, modules.pytz.common_timezones)
            if spec['type'] == 'timezone' and value is string else none -%}
        {{ return(name ~ " must be " ~ type_words ~ got
            ~ ("; did you mean '" ~ suggestion ~ "'?" if suggestion else "")) }}
    {%- elif spec.get('min') is not none and value < spec['min'] -%}
        {{ return(name ~ " must be at least " ~ spec['min'] ~ got) }}
    {%- elif spec.get('max') is not none and value > spec['max'] -%}
        {{ return(name ~ " must be at most " ~ spec['max'] ~ got) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- A value as the user would have typed it: 'text', 12, true, null. -#}
{% macro var_value_repr(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is boolean -%}
        {{ return(value | string | lower) }}
    {%- elif value is string or value.isoformat is defined -%}
        {{ return("'" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value | string) }}
{% endmacro %}


{#- The candidate nearest to `name` by edit distance (case-insensitive), or
    none when even the nearest needs more than a third of the name changed
    (at least 2 edits are always allowed). -#}
{% macro closest_name(name, candidates) %}
    {%- set name = name | lower -%}
    {%- set best = {'name': none, 'distance': [2, (name | length) // 3] | max + 1} -%}
    {%- for candidate in candidates -%}
        {%- set distance = edit_distance(name, candidate | lower) -%}
        {%- if distance < best['distance'] -%}
            {%- do best.update({'name': candidate, 'distance': distance}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(best['name']) }}
{% endmacro %}


{#- Levenshtein distance: the fewest insertions, deletions and substitutions
    that turn `a` into `b`. Row by row; `rows` grows because a Jinja loop
    cannot reassign a variable outside it. -#}
{% macro edit_distance(a, b) %}
    {%- set rows = [range(b | length + 1) | list] -%}
    {%- for i in range(1, a | length + 1) -%}
        {%- set previous = rows[-1] -%}
        {%- set current = [i] -%}
        {%- for j in range(1, b | length + 1) -%}
            {%- do current.append([
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (0 if a[i - 1] == b[j - 1] else 1),
            ] | min) -%}
        {%- endfor -%}
        {%- do rows.append(current) -%}
    {%- endfor -%}
    {{ return(rows[-1][-1]) }}
{% endmacro %}
