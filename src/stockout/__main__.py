"""`python -m stockout`: the same as the `stockout` command."""

from stockout.cli.main import main

main()
