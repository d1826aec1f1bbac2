"""``python -m ringcheck`` runs the command line."""

from ringcheck.cli import main

main()
