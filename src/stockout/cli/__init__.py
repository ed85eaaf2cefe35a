"""The `stockout` command: `main.py` holds the app and its callback, `common.py` what every
command shares (consoles, options, failures), and one module per command group."""


def main() -> None:
    """The `stockout` console script (imports the commands only when run)."""
    from stockout.cli.main import main as run

    run()
