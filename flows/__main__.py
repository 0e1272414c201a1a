"""`python -m flows` is the `newsfacts` command."""

from flows.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
