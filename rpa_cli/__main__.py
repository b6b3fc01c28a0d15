"""``python -m rpa_cli``: the same as the ``rpa`` console script."""

from rpa_cli.main import main

main()
