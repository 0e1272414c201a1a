"""`python -m bench`: the throughput and memory benchmark (see bench/throughput.py)."""

from bench.throughput import main

if __name__ == "__main__":
    main()
