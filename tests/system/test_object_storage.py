"""What the object-storage work (issue 19) builds on, against a real S3 API on 127.0.0.1: Parquet
written through fsspec reads back with polars and pyarrow, and an object can be created only
if it is absent (the conditional write a commit record and a writer's lease rely on where rename
is not atomic). DuckDB is left out: its S3 support is the `httpfs` extension, which DuckDB 2.0
downloads from its own site at run time (the `duckdb-ext-*` packages on PyPI are built for DuckDB
1.4), out of reach of a machine that reaches only the package registries."""

from __future__ import annotations

import polars as pl
import pyarrow.fs
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow


def test_parquet_on_s3_reads_back_with_polars_and_pyarrow(s3_server):
    import s3fs

    fs = s3fs.S3FileSystem()
    fs.mkdir("newsfacts-parquet")
    frame = pl.DataFrame({"doc_id": ["a", "b", "c"], "mentions": [3, 1, 2], "text": ["Kyiv", "Київ", "“quoted”"]})
    with fs.open("newsfacts-parquet/entities/part-0.parquet", "wb") as out:
        frame.write_parquet(out)

    assert pl.read_parquet("s3://newsfacts-parquet/entities/part-0.parquet").equals(frame)
    assert pl.scan_parquet("s3://newsfacts-parquet/entities/*.parquet").collect().equals(frame)
    s3 = pyarrow.fs.S3FileSystem(endpoint_override=s3_server["AWS_ENDPOINT_URL"], access_key="testing",
                                 secret_key="testing", region="us-east-1", scheme="http")
    assert pl.from_arrow(pq.read_table("newsfacts-parquet/entities/part-0.parquet", filesystem=s3)).equals(frame)


def test_an_object_is_created_only_if_it_is_absent(s3_server):
    import s3fs

    fs = s3fs.S3FileSystem()
    fs.mkdir("newsfacts-lease")
    with fs.open("newsfacts-lease/_lease", "xb") as lease:
        lease.write(b"run 1")
    with pytest.raises(FileExistsError), fs.open("newsfacts-lease/_lease", "xb") as lease:
        lease.write(b"run 2")
    assert fs.cat_file("newsfacts-lease/_lease") == b"run 1"
    fs.rm("newsfacts-lease/_lease")  # released: the next writer may take it, once
    fs.pipe_file("newsfacts-lease/_lease", b"run 2", mode="create")
    with pytest.raises(FileExistsError):
        fs.pipe_file("newsfacts-lease/_lease", b"run 3", mode="create")
    assert fs.cat_file("newsfacts-lease/_lease") == b"run 2"
