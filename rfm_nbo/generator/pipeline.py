"""Run the generator: simulate block by block, write chunk by chunk, plant defects, write truth.

Memory is bounded by one chunk of customers (plus the small catalogue, the
block-0 rows the defects copy from, and the tallies), whatever the total.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES
from rfm_nbo.generator.block import BlockResult, Samplers, simulate_block
from rfm_nbo.generator.campaigns import CampaignPlan, plan_campaigns
from rfm_nbo.generator.defects import CleanCounts, Defects, plant_defects
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.products import CATEGORIES, Catalogue, build_catalogue
from rfm_nbo.generator.response_value import CustomerResponseModel, expected_response_values
from rfm_nbo.generator.rng import (
    BLOCK_SIZE,
    CAMPAIGNS_STREAM,
    DEFECTS_STREAM,
    PRODUCTS_STREAM,
    block_count,
    block_customers,
    stream,
)
from rfm_nbo.generator.schema import CUSTOMER_MIN_WIDTH, TABLES, id_width, table_schema
from rfm_nbo.generator.tables import (
    BGNBD_CUSTOMERS_FILE,
    BGNBD_CUSTOMERS_SCHEMA,
    CUSTOMER_TYPES_SCHEMA,
    IdFormat,
    campaigns_table,
    format_chunk,
)
from rfm_nbo.generator.truth import Tally, build_truth, write_truth
from rfm_nbo.generator.writers import TableWriter, open_writer

DEFAULT_CHUNK_SIZE = 100_000


@dataclass(frozen=True)
class RunSummary:
    """What a run wrote, and how long it took."""

    rows: dict[str, int]
    files: list[Path]
    truth_dir: Path
    seconds: float


@dataclass(frozen=True)
class _World:
    """What every block shares: catalogue, campaign plan, samplers, id widths, response model."""

    catalogue: Catalogue
    plan: CampaignPlan
    samplers: Samplers
    ids: IdFormat
    response_model: CustomerResponseModel

    @staticmethod
    def build(params: GeneratorParams) -> _World:
        k = params.defects_per_class
        catalogue = build_catalogue(stream(params.seed, PRODUCTS_STREAM), params.products, 4 * k)
        samplers = Samplers.for_catalogue(catalogue, len(CATEGORIES))
        return _World(
            catalogue=catalogue,
            plan=plan_campaigns(stream(params.seed, CAMPAIGNS_STREAM), params),
            samplers=samplers,
            ids=IdFormat(
                customer_width=id_width(CUSTOMER_MIN_WIDTH, params.customers + 3 * k),
                product_width=catalogue.id_width,
            ),
            response_model=CustomerResponseModel.build(params, catalogue, samplers),
        )


def generate(
    params: GeneratorParams,
    out_dir: Path,
    truth_dir: Path,
    file_format: str = "csv",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> RunSummary:
    """Write the 8 raw tables to `out_dir` and the planted truth to `truth_dir`.

    `chunk_size` (customers, rounded down to whole blocks of 1,000, at least one)
    only sets how much is held in memory and written at once: the rows are the
    same for any chunk size (Parquet row-group boundaries follow the chunks).
    On any error the unfinished files are deleted and earlier files kept.
    """
    params.validate()
    if out_dir.resolve() == truth_dir.resolve():
        raise ValueError("Write the truth to another folder than the data (models must not see it)")
    began = time.perf_counter()
    world = _World.build(params)
    writers: dict[str, TableWriter] = {
        table: open_writer(out_dir, table, table_schema(table), file_format) for table in TABLES
    }
    truth_writers = {
        "customer_types": open_writer(truth_dir, "customer_types", CUSTOMER_TYPES_SCHEMA, "csv")
    }
    if params.purchase_process == "bgnbd":
        truth_writers[BGNBD_CUSTOMERS_FILE] = open_writer(
            truth_dir, BGNBD_CUSTOMERS_FILE, BGNBD_CUSTOMERS_SCHEMA, "csv"
        )
    every_writer = [*writers.values(), *truth_writers.values()]
    try:
        tally, clean_rows, defects = _write_tables(
            params, world, writers, truth_writers, chunk_size, progress
        )
    except BaseException:
        for writer in every_writer:
            writer.abort()
        raise
    for writer in every_writer:
        writer.close()

    response_value = expected_response_values(params, world.catalogue, world.samplers)
    truth = build_truth(
        params, world.plan, world.catalogue, tally, clean_rows, defects, response_value
    )
    truth_path = write_truth(truth_dir, truth)
    return RunSummary(
        rows={table: writer.rows for table, writer in writers.items()},
        files=[writer.path for writer in every_writer] + [truth_path],
        truth_dir=truth_dir,
        seconds=time.perf_counter() - began,
    )


def _write_tables(
    params: GeneratorParams,
    world: _World,
    writers: dict[str, TableWriter],
    truth_writers: dict[str, TableWriter],
    chunk_size: int,
    progress: bool,
) -> tuple[Tally, dict[str, int], Defects]:
    """Clean rows chunk by chunk, then campaigns, then the planted defects.

    `truth_writers` holds customer_types and, in BG/NBD mode, bgnbd_customers.
    """
    products = world.catalogue.table()
    writers["products"].write(products)
    tally = Tally(cells=world.plan.size * len(BEHAVIOUR_TYPES) * 2)
    blocks_total = block_count(params.customers)
    per_chunk = max(1, chunk_size // BLOCK_SIZE)
    order_offset = 0
    block0: dict[str, pa.Table] = {}
    with tqdm(
        total=params.customers, unit=" customers", unit_scale=True, disable=not progress
    ) as bar:
        for first in range(0, blocks_total, per_chunk):
            blocks: list[BlockResult] = []
            for index in range(first, min(blocks_total, first + per_chunk)):
                blocks.append(
                    simulate_block(params, world.catalogue, world.plan, world.samplers, index)
                )
                bar.update(block_customers(params.customers, index))
            chunk = format_chunk(blocks, order_offset, world.ids, world.response_model)
            order_offset += chunk.orders
            if first == 0:
                block0 = {t: chunk.tables[t].slice(0, blocks[0].rows(t)) for t in chunk.tables}
                block0["customer_types"] = chunk.customer_types.slice(
                    0, blocks[0].rows("customers")
                )
            for table, rows in chunk.tables.items():
                writers[table].write(rows)
            truth_writers["customer_types"].write(chunk.customer_types)
            if chunk.bgnbd_customers is not None:
                truth_writers[BGNBD_CUSTOMERS_FILE].write(chunk.bgnbd_customers)
            _add_to_tally(tally, blocks)

    campaigns = campaigns_table(world.plan, tally.treatment_members(world.plan.size))
    writers["campaigns"].write(campaigns)
    clean_rows = {table: writer.rows for table, writer in writers.items()}
    counts = CleanCounts(
        customers=params.customers,
        products=world.catalogue.size,
        orders=order_offset,
        campaigns=world.plan.size,
        customer_width=world.ids.customer_width,
        product_width=world.ids.product_width,
    )
    defects = plant_defects(
        stream(params.seed, DEFECTS_STREAM),
        params.defects_per_class,
        counts,
        block0,
        products,
        campaigns,
    )
    for table, rows in defects.rows.items():
        writers[table].write(pa.Table.from_pylist(rows, schema=table_schema(table)))
    return tally, clean_rows, defects


def _add_to_tally(tally: Tally, blocks: list[BlockResult]) -> None:
    for block in blocks:
        tally.members += block.cells.members
        tally.conversions += block.cells.conversions
        tally.revenue_cents += block.cells.revenue_cents
        tally.type_counts += np.bincount(
            block.tables["customers"]["behaviour"], minlength=len(BEHAVIOUR_TYPES)
        )
        tally.newest_order_at = max(tally.newest_order_at, block.newest_order_at)
        tally.reachable.update(block.reachable)
        if block.bgnbd is not None:
            tally.bgnbd.update(
                customers=len(block.bgnbd["number"]),
                repeat_purchases=int(block.bgnbd["repeats"].sum()),
                same_day_repeat_purchases=int(block.bgnbd["same_day_repeats"].sum()),
                alive_at_end=int(block.bgnbd["is_alive_at_end"].sum()),
            )
