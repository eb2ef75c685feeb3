#!/usr/bin/env python3
"""The pandas baseline of Benchmarks/run.sh: read every CSV file of a folder with pandas, all
columns as text (dtype=str, no NA guessing), and print the number of rows.

    pandas_read.py FOLDER [--sep ';' --encoding cp1250]
"""
import glob
import os
import sys

import pandas as pd


def main():
    folder = sys.argv[1]
    sep, encoding = ",", "utf-8"
    args = sys.argv[2:]
    while args:
        flag, value, args = args[0], args[1], args[2:]
        if flag == "--sep":
            sep = value
        elif flag == "--encoding":
            encoding = value
        else:
            sys.exit("unknown option " + flag)
    rows = 0
    for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
        frame = pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False)
        rows += len(frame)
    print(rows)


if __name__ == "__main__":
    main()
