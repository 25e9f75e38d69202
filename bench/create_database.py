"""Create the PostgreSQL database a benchmark URL names, if it does not exist yet.

python bench/create_database.py postgresql://postgres@127.0.0.1:5432/kubat_quota_bench
"""

import sys

import psycopg


def main() -> None:
    url = sys.argv[1]
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    print(f'{{"database": "{name}", "created": {str(not exists).lower()}}}')


if __name__ == "__main__":
    main()
