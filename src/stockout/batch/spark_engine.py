"""The columnar judge on Apache Spark: SQLGlot's Spark text of `rules.sql` over Parquet files.

Spark is for data that outgrows one machine; `local_session` starts a local one (tests, laptops).
The phrase matchers run as pandas UDFs, only on merchant chats and refund reasons.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from stockout.batch.parquet_io import EventSource
from stockout.batch.rules_sql import rules_query
from stockout.batch.schema import rule_columns
from stockout.batch.udfs import pandas_finder
from stockout.domain.announcements import Announcement
from stockout.domain.rulebook import RuleBook

# Non-ANSI semantics (an array index past the end is NULL, as in DuckDB); times in UTC.
SESSION_CONF = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

_INPUT = "SELECT " + rule_columns("`", "unix_micros") + "{extra} FROM stockout_input"


def local_session(cores: int = 2, shuffle_partitions: int = 8, driver_memory: str = "2g",
                  adaptive: bool = True) -> Any:
    """A local SparkSession on `cores` cores, without the web UI (`adaptive=False` saves
    planning time on the small inputs of tests)."""
    from pyspark.sql import SparkSession

    # The Python workers must be this interpreter, the one that has stockout installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(f"local[{cores}]").appName("stockout")
               .config("spark.pyspark.python", sys.executable)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
               .config("spark.driver.memory", driver_memory)
               .config("spark.sql.adaptive.enabled", str(adaptive).lower()))
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _input_frame(spark: Any, source: EventSource | None, table: pa.Table | None) -> Any:
    if table is not None:
        try:
            return spark.createDataFrame(table)
        except (TypeError, ValueError):  # pyspark before 4 takes pandas, not Arrow
            return spark.createDataFrame(table.to_pandas())
    assert source is not None
    return spark.read.parquet(*(str(f) for f in source.files))


def judge(spark: Any, book: RuleBook, now: datetime,
          announcements: Sequence[Announcement] = (), *, source: EventSource | None = None,
          table: pa.Table | None = None, unique: bool = False) -> pa.Table:
    """Every verdict as an Arrow table of `records.RESULT_COLUMNS`, unsorted."""
    from pyspark.sql.pandas.functions import pandas_udf
    from pyspark.util import PythonEvalType

    for key, value in SESSION_CONF.items():
        spark.conf.set(key, value)
    layout = False
    if source is not None and table is None:
        unique, layout = source.unique, source.layout
    _input_frame(spark, source, table).createOrReplaceTempView("stockout_input")
    spark.sql(_INPUT.format(extra=", ok, eid, kr" if layout else "")
              ).createOrReplaceTempView("events")
    query = rules_query(book, now, announcements, unique=unique, layout=layout)
    for fn in query.functions:
        warnings.filterwarnings("ignore", "In Python 3", UserWarning)
        spark.udf.register(fn.name, pandas_udf(pandas_finder(fn.matcher), "string",
                                                PythonEvalType.SQL_SCALAR_PANDAS_UDF))
    frame = spark.sql(query.spark())
    if hasattr(frame, "toArrow"):
        result = frame.toArrow()
    else:  # pyspark before 4
        result = pa.Table.from_pandas(frame.toPandas(), preserve_index=False)
    assert isinstance(result, pa.Table)
    return result
