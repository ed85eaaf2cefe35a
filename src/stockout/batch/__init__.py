"""The columnar judge: the pure judge's verdicts as set-based SQL over Parquet (DuckDB, Spark)."""
