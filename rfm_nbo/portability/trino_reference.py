"""What Athena SQL (Trino) accepts, and the DuckDB spellings that must not reach it.

Every list here was checked against a source; keep them true when you edit:

- Trino functions: the alphabetical "List of functions and operators" of the
  Trino documentation (``docs/src/main/sphinx/functions/list.md`` in
  trinodb/trino). Athena's engine version 3 documentation sends readers to the
  Trino documentation for "an exhaustive list of SQL query operators and
  functions". Athena follows Trino with a lag, so a function Trino added very
  recently may still be missing on Athena: this list catches DuckDB-only
  names, not Athena's lag.
- Trino types: ``docs/src/main/sphinx/language/types.md``.
- Trino query syntax: ``docs/src/main/sphinx/sql/select.md``.
- DuckDB: duckdb.org documentation (e.g. "PostgreSQL compatibility" for `/`
  being float division on integers and `//` integer division).
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    """The whitespace-separated names of a block of text."""
    return frozenset(text.split())


# Every name of the Trino function list (list.md), lower-cased, except the
# navigation functions `first`, `last`, `next`, `prev`, `classifier`,
# `match_number` and `permute`: they exist only inside MATCH_RECOGNIZE, while
# DuckDB's `first()`/`last()` are ordinary aggregates.
TRINO_FUNCTIONS: frozenset[str] = _names(
    """
    abs acos all_match any_match any_value approx_distinct approx_most_frequent
    approx_percentile approx_set arbitrary array_agg array_distinct array_except
    array_first array_histogram array_intersect array_join array_last array_max
    array_min array_position array_remove array_sort array_union arrays_overlap asin
    at_timezone atan atan2 avg
    bar beta_cdf bing_tile bing_tile_at bing_tile_coordinates bing_tile_polygon
    bing_tile_quadkey bing_tile_zoom_level bing_tiles_around bit_count bitwise_and
    bitwise_and_agg bitwise_left_shift bitwise_not bitwise_or bitwise_or_agg
    bitwise_right_shift bitwise_right_shift_arithmetic bitwise_xor bool_and bool_or
    cardinality cast cbrt ceil ceiling char2hexint checksum chr classify coalesce
    codepoint collect color combinations concat concat_ws contains contains_sequence
    convex_hull_agg corr cos cosh cosine_distance cosine_similarity count count_if
    covar_pop covar_samp crc32 cume_dist current_date current_groups current_time
    current_timestamp current_timezone current_user
    date date_add date_diff date_format date_parse date_trunc day day_of_month
    day_of_week day_of_year degrees dense_rank dow doy
    e element element_at empty_approx_set ends_with evaluate_classifier_predictions
    every exclude_columns extract exp
    features filter first_value flatten floor format format_datetime format_number
    from_base from_base32 from_base64 from_base64url from_big_endian_32
    from_big_endian_64 from_encoded_polyline from_geojson_geometry from_hex
    from_ieee754_32 from_ieee754_64 from_iso8601_date from_iso8601_timestamp
    from_iso8601_timestamp_nanos from_unixtime from_unixtime_nanos from_utf8 fusion
    geometric_mean geometry_collect_agg geometry_from_hadoop_shape
    geometry_invalid_reason geometry_nearest_points geometry_to_bing_tiles
    geometry_union geometry_union_agg great_circle_distance greatest
    hamming_distance hash_counts histogram hmac_md5 hmac_sha1 hmac_sha256 hmac_sha512
    hour human_readable_seconds
    if index infinity intersection intersection_cardinality inverse_beta_cdf
    inverse_normal_cdf is_finite is_infinite is_json_scalar is_nan
    jaccard_index json json_array json_array_contains json_array_get
    json_array_length json_exists json_extract json_extract_scalar json_format
    json_object json_parse json_query json_scalar json_serialize json_size json_value
    kurtosis
    lag last_day_of_month last_value lead learn_classifier learn_libsvm_classifier
    learn_libsvm_regressor learn_regressor least length levenshtein_distance
    line_interpolate_point line_interpolate_points line_locate_point listagg ln
    localtime localtimestamp log log10 log2 lower lpad ltrim luhn_check
    make_set_digest map map_agg map_concat map_entries map_filter map_from_entries
    map_keys map_union map_values map_zip_with max max_by md5 merge merge_set_digest
    millisecond min min_by minute mod month multimap_agg multimap_from_entries murmur3
    nan ngrams none_match normal_cdf normalize now nth_value ntile nullif
    numeric_histogram
    objectid objectid_timestamp
    parse_datetime parse_duration parse_data_size percent_rank pi position pow power
    qdigest_agg quarter
    radians rand random random_string rank reduce reduce_agg regexp_count
    regexp_extract regexp_extract_all regexp_like regexp_position regexp_replace
    regexp_split regress regr_intercept regr_slope render repeat replace reverse rgb
    round row_number rpad rtrim
    second sequence set sha1 sha256 sha512 shuffle sign simplify_geometry sin sinh
    skewness slice soundex spatial_partitioning spatial_partitions split split_part
    split_to_map split_to_multimap spooky_hash_v2_32 spooky_hash_v2_64 sqrt
    st_area st_asbinary st_asewkb st_asewkt st_astext st_boundary st_buffer
    st_centroid st_collect st_contains st_convexhull st_coorddim st_crosses
    st_difference st_dimension st_disjoint st_distance st_endpoint st_envelope
    st_envelopeaspts st_equals st_exteriorring st_force2d st_force3d st_geometries
    st_geometryfromtext st_geometryn st_geometrytype st_geomfrombinary
    st_geomfromewkt st_geomfromkml st_interiorringn st_interiorrings st_intersection
    st_intersects st_isclosed st_isempty st_isring st_issimple st_isvalid st_length
    st_linefromtext st_linemerge st_linestring st_makeline st_makepolygon
    st_minimumboundingcircle st_multi st_multipoint st_normalize st_numgeometries
    st_numinteriorring st_numpoints st_orientedenvelope st_overlaps st_point
    st_pointn st_pointonsurface st_points st_polygon st_polygonize st_relate
    st_reduceprecision st_setsrid st_srid st_startpoint st_symdifference st_touches
    st_transform st_union st_voronoipolygons st_within st_x st_xmax st_xmin st_y
    st_ymax st_ymin st_z starts_with stddev stddev_pop stddev_samp strpos substr
    substring sum
    tan tanh tdigest_agg theta_sketch_cardinality theta_sketch_union
    timestamp_objectid timezone timezone_hour timezone_minute title_case to_base
    to_base32 to_base64 to_base64url to_big_endian_32 to_big_endian_64 to_char
    to_date to_encoded_polyline to_geojson_geometry to_geometry to_hex
    to_ieee754_32 to_ieee754_64 to_iso8601 to_milliseconds to_spherical_geography
    to_timestamp to_unixtime to_utf8 transform transform_keys transform_values
    translate trim trim_array truncate try try_cast typeof
    upper url_decode url_encode url_extract_fragment url_extract_host
    url_extract_parameter url_extract_path url_extract_protocol url_extract_port
    url_extract_query uuid
    value_at_quantile values_at_quantiles var_pop var_samp variance version
    week week_of_year width_bucket wilson_interval_lower wilson_interval_upper
    with_timezone word_stem
    xxhash64
    year year_of_week yow
    zip zip_with
    """
)

# Words a SQL query puts before "(" that are syntax, not function calls
# (select.md; `grouping()` is documented with GROUPING SETS, not in list.md).
SYNTAX_WORDS: frozenset[str] = _names(
    """
    all and any array as between by case char cube current_date current_time
    current_timestamp decimal define distinct else end except exists extract filter
    from group grouping having in intersect interval is join json_table lateral like
    limit localtime localtimestamp map match_recognize measures nearest not offset on
    or order over partition pattern position recursive returns rollup row
    select sets some table tablesample then time timestamp union unnest using values
    varbinary varchar when where window with within
    """
)

# Words a type may be spelled with in `cast(x as <type>)` (types.md).
TRINO_TYPE_WORDS: frozenset[str] = _names(
    """
    boolean tinyint smallint integer int bigint real double decimal varchar char
    varbinary json date time timestamp with without zone interval year month day
    hour minute second to array map row ipaddress uuid hyperloglog p4hyperloglog
    setdigest qdigest tdigest
    """
)

# DuckDB type names Trino lacks, with the Trino type to use. Note that `int8`
# is BIGINT in DuckDB while sqlglot's Trino tokenizer reads it as TINYINT: a
# reason to check the spelling in the compiled text, not sqlglot's AST.
DUCKDB_TYPES: dict[str, str] = {
    "text": "varchar ({{ dbt.type_string() }})",
    "string": "varchar ({{ dbt.type_string() }})",
    "bpchar": "varchar or char(n)",
    "int1": "tinyint",
    "int2": "smallint",
    "short": "smallint",
    "int4": "integer",
    "int32": "integer",
    "signed": "integer",
    "int8": "bigint (int8 is 8 bytes in DuckDB)",
    "int64": "bigint",
    "long": "bigint",
    "hugeint": "decimal(38, 0)",
    "int128": "decimal(38, 0)",
    "uhugeint": "decimal(38, 0)",
    "utinyint": "smallint",
    "usmallint": "integer",
    "uinteger": "bigint",
    "ubigint": "decimal(20, 0)",
    "float": "real (32-bit) or double",
    "float4": "real",
    "float8": "double",
    "precision": "double (Trino documents `double`, not `double precision`)",
    "numeric": "decimal(p, s)",
    "bool": "boolean",
    "logical": "boolean",
    "blob": "varbinary",
    "bytea": "varbinary",
    "binary": "varbinary",
    "datetime": "timestamp",
    "timestamptz": "timestamp with time zone",
    "timetz": "time with time zone",
    "list": "array(type)",
    "struct": "row(name type, ...)",
    "enum": "varchar",
}

# DuckDB-only function names (all absent from the Trino list), with what to
# write instead. Every suggested function is in TRINO_FUNCTIONS.
DUCKDB_FUNCTIONS: dict[str, str] = {
    "quantile": "approx_percentile(x, p)",
    "quantile_cont": "approx_percentile(x, p)",
    "quantile_disc": "approx_percentile(x, p)",
    "percentile_cont": "approx_percentile(x, p)",
    "percentile_disc": "approx_percentile(x, p)",
    "median": "approx_percentile(x, 0.5)",
    "list": "array_agg(x)",
    "list_value": "ARRAY[...]",
    "list_pack": "ARRAY[...]",
    "array_length": "cardinality(array)",
    "len": "length(string) or cardinality(array)",
    "array_to_string": "array_join(array, separator)",
    "struct_pack": "cast(row(...) as row(name type, ...))",
    "struct_extract": "row field access: value.field",
    "strftime": "date_format(ts, format) or format_datetime(ts, format)",
    "strptime": "date_parse(text, format) or parse_datetime(text, format)",
    "epoch": "to_unixtime(ts)",
    "epoch_ms": "from_unixtime(ms / 1000.0) or to_unixtime(ts) * 1000",
    "epoch_us": "from_unixtime(us / 1e6) or to_unixtime(ts) * 1e6",
    "make_date": "date_parse(...) or date(...)",
    "make_timestamp": "date_parse(...) or from_unixtime(...)",
    "today": "current_date",
    "datediff": "{{ dbt.datediff(start, end, part) }} (Trino: date_diff(unit, start, end))",
    "date_sub": "{{ dbt.dateadd(part, -n, date) }} (Trino: date_add(unit, -n, date))",
    "datepart": "extract(field from x) or year(x), month(x), ...",
    "date_part": "extract(field from x) or year(x), month(x), ...",
    "dayname": "date_format(ts, '%W')",
    "monthname": "date_format(ts, '%M')",
    "regexp_matches": "regexp_like(text, pattern)",
    "regexp_full_match": "regexp_like(text, '^...$')",
    "string_agg": "listagg(x, sep) within group (order by ...) or array_join(array_agg(x), sep)",
    "group_concat": "listagg(x, sep) within group (order by ...)",
    "arg_max": "max_by(x, by)",
    "argmax": "max_by(x, by)",
    "arg_min": "min_by(x, by)",
    "argmin": "min_by(x, by)",
    "first": "arbitrary(x), or min_by/max_by(x, order) for a deterministic pick",
    "last": "arbitrary(x), or max_by(x, order) for a deterministic pick",
    "read_csv": "a source() over a Glue table (DuckDB file readers do not exist on Athena)",
    "read_csv_auto": "a source() over a Glue table",
    "read_parquet": "a source() over a Glue table",
    "parquet_scan": "a source() over a Glue table",
    "read_json": "a source() over a Glue table",
    "read_json_auto": "a source() over a Glue table",
    "ifnull": "coalesce(a, b)",
    "instr": "strpos(text, substring)",
    "left": "substr(text, 1, n)",
    "right": "substr(text, -n)",
    "prefix": "starts_with(text, prefix)",
    "suffix": "ends_with(text, suffix)",
    "string_split": "split(text, separator)",
    "str_split": "split(text, separator)",
    "trunc": "truncate(x)",
    "printf": "format(format, args...)",
    "generate_series": "sequence(start, stop) with cross join unnest",
    "range": "sequence(start, stop) with cross join unnest",
    "hash": "xxhash64(to_utf8(x)) or murmur3(to_utf8(x))",
    "columns": "an explicit column list",
}

# Prefixes of DuckDB function families that have no Trino counterpart by name.
DUCKDB_FUNCTION_PREFIXES: dict[str, str] = {
    "list_": "Trino array functions: array_*, contains, element_at, transform, filter, reduce",
    "array_": "Trino array functions: array_*, contains, element_at, transform, filter, reduce",
    "struct_": "row values: cast(row(...) as row(name type, ...)) and value.field",
    "map_": "Trino map functions: map_keys, map_values, element_at, map_filter",
    "json_": "Trino JSON functions: json_extract_scalar, json_value, json_query",
    "read_": "a source() over a Glue table",
}

# Trino hash functions take varbinary (binary.md: `sha256(binary) -> varbinary`).
HASH_FUNCTIONS: frozenset[str] = _names(
    "md5 sha1 sha256 sha512 xxhash64 murmur3 crc32 spooky_hash_v2_32 spooky_hash_v2_64"
)

# Functions returning varchar: a hash of their result needs to_utf8() first.
VARCHAR_FUNCTIONS: frozenset[str] = _names(
    """
    lower upper trim ltrim rtrim concat concat_ws replace substr substring lpad rpad
    format date_format format_datetime json_format to_iso8601 reverse translate
    """
)

# Functions documented to return an integer type (bigint): `/` between two of
# them truncates on Trino. count, count_if, approx_distinct (aggregate.md);
# row_number, rank, dense_rank, ntile (window.md); date_diff and the date
# field functions (datetime.md); length, strpos (string.md); cardinality (array.md).
INTEGER_FUNCTIONS: frozenset[str] = _names(
    """
    count count_if approx_distinct row_number rank dense_rank ntile date_diff length
    strpos cardinality year quarter month week day day_of_week day_of_year hour minute
    second
    """
)

# Integer types in casts (types.md).
INTEGER_TYPES: frozenset[str] = _names("tinyint smallint integer int bigint")

# Interval units of `INTERVAL '<n>' <unit>` (types.md: INTERVAL '3' MONTH).
INTERVAL_UNITS: frozenset[str] = _names("year month day hour minute second")
